"""附件1, the 2021 table and 附件2, computed from a known set of records and checked cell by cell.

Two cities (太原, 长治), hazards across several weeks around 2025-W02 (Monday 2025-01-06 to
Sunday 2025-01-12, Asia/Shanghai) of 晋应急发〔2024〕354号, penalties, and the edge cases:
before the campaign, after the week (by one minute of local time), rejected, ungraded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Penalty
from bot.services import exports
from bot.services.campaigns import (
    ReportError,
    confirm,
    draft_counts,
    filing_status,
    save_draft,
    seed_campaigns,
)
from bot.services.stats import (
    StageFigures,
    campaign_windows,
    ledger_rows,
    two_sessions_table,
    weekly_figures,
)
from tests.common.factories import enterprise, make_hazard, make_user

JINGANG = "太原晋钢钢铁有限公司"  # 小店区 140105
HONGDA = "清徐宏达焦化钢铁有限公司"  # 清徐县 140121
HUIFENG = "古交汇丰特钢有限公司"  # 古交市 140181
LUBAO = "长治潞宝钢铁集团有限公司"  # 长治 140406
DOC = "晋应急发〔2024〕354号"
WEEK = "2025-W02"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _hazard(session: Session, name: str, source: str, level: str | None, state: str, at: datetime,
            **extra: Any) -> Any:
    hazard = make_hazard(session, enterprise=enterprise(session, name), source=source, level=level,
                         state=state, reported_at=at, reporter=extra.pop("reporter", None),
                         description=extra.pop("description", f"{name}{source}隐患"))
    for key, value in extra.items():
        setattr(hazard, key, value)
    session.flush()
    return hazard


@pytest.fixture
def world(clean_db: Engine) -> Any:
    with Session(clean_db) as session:
        seed_campaigns(session, utc(2024, 12, 6))
        city_officer = make_user(session, role="city_officer", region_code="140100")
        qingxu = make_user(session, role="county_officer", region_code="140121")
        gujiao = make_user(session, role="county_officer", region_code="140181")
        xiaodian = make_user(session, role="county_officer", region_code="140105")
        # 1 self-check, general, fixed in December
        _hazard(session, JINGANG, "self_check", "general", "closed", utc(2024, 12, 10, 2),
                closed_at=utc(2024, 12, 20, 2))
        # 2 self-check, major, being rectified
        _hazard(session, JINGANG, "self_check", "major", "rectifying", utc(2025, 1, 7, 2),
                description="煤气区域未设固定式一氧化碳报警装置")
        # 3 joint inspection by the city, general, fixed the same day
        _hazard(session, HONGDA, "joint_inspection", "general", "closed", utc(2025, 1, 8, 2),
                reporter=city_officer, closed_at=utc(2025, 1, 8, 8))
        # 4 joint inspection by the county, major, fixed, with a penalty
        h4 = _hazard(session, HONGDA, "joint_inspection", "major", "closed", utc(2025, 1, 6, 5),
                     reporter=qingxu, checked_at=utc(2025, 1, 6, 3), closed_at=utc(2025, 1, 10, 4),
                     check_unit="清徐县应急管理局", supervising_unit="太原市应急管理局",
                     description="转炉水冷元件未设温度、流量监测报警装置", remarks="一案双罚")
        # 5 cross inspection, general, open
        _hazard(session, HUIFENG, "cross_inspection", "general", "acknowledged", utc(2025, 1, 9, 2))
        # 6 public report, major, open, found before W02
        _hazard(session, JINGANG, "public_report", "major", "rectifying", utc(2024, 12, 30, 2),
                description="除尘系统未设控爆措施")
        # 7 joint inspection at Monday 00:00 local of W03: out of the week
        _hazard(session, JINGANG, "joint_inspection", "general", "acknowledged", utc(2025, 1, 12, 16),
                reporter=xiaodian)
        # 8 self-check the day before the campaign: out
        _hazard(session, JINGANG, "self_check", "general", "acknowledged", utc(2024, 12, 5, 2))
        # 9 rejected: out
        _hazard(session, HUIFENG, "self_check", "general", "rejected", utc(2025, 1, 8, 2))
        # 10 another city: out for 太原
        _hazard(session, LUBAO, "self_check", "major", "rectifying", utc(2025, 1, 8, 2))
        # 11 self-check at Sunday 23:59 local: in
        _hazard(session, HUIFENG, "self_check", "general", "acknowledged", utc(2025, 1, 12, 15, 59))
        # 12 worker report not yet graded: the enterprise counts, no hazard does
        _hazard(session, JINGANG, "worker_report", None, "submitted", utc(2025, 1, 9, 2))
        # 13 county joint inspection in December, major, open
        _hazard(session, HUIFENG, "joint_inspection", "major", "rectifying", utc(2024, 12, 20, 2),
                reporter=gujiao, check_unit="古交市应急管理局", description="深井铸造未设紧急排放阀联锁")
        officer = make_user(session, role="province_officer", region_code="140000")

        def penalty(name: str, at: datetime, **kw: Any) -> None:
            session.add(Penalty(enterprise_id=enterprise(session, name).id, decided_by=officer.id,
                                decided_at=at, **kw))

        penalty(HONGDA, utc(2025, 1, 8, 3), hazard_id=h4.id, fine_enterprise_wan=Decimal("5.00"),
                fine_principal_wan=Decimal("1.50"), ordered_rectification=True, suspended=True)
        penalty(JINGANG, utc(2024, 12, 15, 3), fine_enterprise_wan=Decimal("2.00"),
                ordered_rectification=True)
        penalty(LUBAO, utc(2025, 1, 8, 3), fine_enterprise_wan=Decimal("10.00"), closed_down=True)
        penalty(JINGANG, utc(2025, 1, 20, 3), fine_enterprise_wan=Decimal("3.00"))
        session.commit()
    return clean_db


def _campaign(session: Session) -> Campaign:
    return session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()


def test_seed_is_idempotent(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        assert seed_campaigns(session, utc(2025, 1, 1)) == 3
        assert seed_campaigns(session, utc(2025, 1, 1)) == 0
        two = session.scalars(select(Campaign).where(Campaign.form == "two_sessions")).one()
        assert (two.starts_on, two.ends_on, two.due_weekday, two.due_time) == (
            date(2021, 3, 1), date(2021, 3, 20), 4, "12:00")


def test_windows_are_local_weeks_clipped_to_the_campaign(world: Engine) -> None:
    with Session(world) as session:
        week, total = campaign_windows(_campaign(session), WEEK)
    assert (week.start, week.end) == (utc(2025, 1, 5, 16), utc(2025, 1, 12, 16))
    assert total.start == utc(2024, 12, 5, 16)


def test_weekly_table_figures_for_a_city(world: Engine) -> None:
    with Session(world) as session:
        f = weekly_figures(session, "140100", WEEK, _campaign(session))
    assert f.stages == {
        "self_check": StageFigures(enterprises=2, general_found=2, general_fixed=1, major_found=1,
                                   major_fixed=0, counties=2),
        "city": StageFigures(1, 1, 1, 0, 0, 1),
        "county": StageFigures(2, 0, 0, 2, 1, 2),
        "cross": StageFigures(1, 1, 0, 0, 0, 1),
        "other": StageFigures(1, 0, 0, 1, 0, 1),
    }
    p = f.penalties
    assert (p.enterprises_fined, p.fine_enterprise_wan, p.principals_fined, p.fine_principal_wan) == (
        2, Decimal("7.00"), 1, Decimal("1.50"))
    assert (p.ordered_rectification, p.suspended, p.closed_down) == (2, 1, 0)


def test_weekly_table_rows(world: Engine) -> None:
    with Session(world) as session:
        f = weekly_figures(session, "140100", WEEK, _campaign(session))
    rows = exports.weekly_rows(f, {"部署推进": "太原市10个县（区）均制定了实施方案。"})
    assert [r[1] for r in rows] == ["部署推进", "企业自查自改", "市县联合检查", "市级交叉检查", "行政处罚",
                                   "宣传曝光", "存在问题", "意见建议", "省级督查、群众举报"]
    assert rows[0][2] == "太原市10个县（区）均制定了实施方案。"
    assert rows[1][2] == ("2家企业开展自查自改，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条。")
    assert rows[2][2] == (
        "市本级检查1家企业，发现一般问题隐患1条，已整改1条；重大事故隐患0条，已整改0条。县级共检查2家企业，"
        "发现一般问题隐患0条，已整改0条；重大事故隐患2条，已整改1条。")
    assert rows[3][2] == "共抽查1个县的1家企业，发现一般问题隐患1条，已整改0条；重大事故隐患0条，已整改0条。"
    assert rows[4][2] == ("处罚企业2家，合计处罚7.00万元，处罚企业主要负责人1人，合计处罚1.50万元；"
                          "限期整改2家，停产整改1家，取缔关闭0家。")
    data = exports.weekly_data_rows(f)
    assert data[0] == ["企业自查自改", 2, 2, 1, 1, 0]
    assert data[-1] == [2, 7.0, 1, 1.5, 2, 1, 0]


def test_a_county_sees_only_its_own(world: Engine) -> None:
    with Session(world) as session:
        f = weekly_figures(session, "140121", WEEK, _campaign(session))
        assert f.stages["city"] == StageFigures(1, 1, 1, 0, 0, 1)
        assert f.stages["county"] == StageFigures(1, 0, 0, 1, 1, 1)
        assert f.stages["self_check"] == StageFigures() and f.stages["cross"] == StageFigures()
        assert (f.penalties.enterprises_fined, f.penalties.fine_enterprise_wan) == (1, Decimal("5.00"))
        county_rows = ledger_rows(session, "140121", WEEK, _campaign(session))
        assert [r.enterprise_name for r in county_rows] == [HONGDA]
        changzhi = weekly_figures(session, "140400", WEEK, _campaign(session))
        assert changzhi.stages["self_check"] == StageFigures(1, 0, 0, 1, 0, 1)
        assert changzhi.penalties.closed_down == 1


def test_two_sessions_table(world: Engine) -> None:
    with Session(world) as session:
        t = two_sessions_table(session, "140100", WEEK, _campaign(session))
    assert t.this_week.cells() == [None, 2, 2, 1, 1, 1, 1, Decimal("6.50"), 1, 0, 0, 0, 0, None, None]
    assert t.total.cells() == [None, 2, 2, 1, 2, 1, 2, Decimal("8.50"), 1, 0, 0, 0, 0, None, None]
    assert [(m.name, m.place, m.industry, m.details) for m in t.major_enterprises] == [
        (HUIFENG, "太原市古交市", "冶金（钢铁）", "深井铸造未设紧急排放阀联锁"),
        (HONGDA, "太原市清徐县", "冶金（钢铁）", "转炉水冷元件未设温度、流量监测报警装置"),
    ]


def test_ledger_rows_every_column(world: Engine) -> None:
    with Session(world) as session:
        rows = exports.ledger_body(ledger_rows(session, "140100", WEEK, _campaign(session)))
    assert [r[1] for r in rows] == [HUIFENG, JINGANG, HONGDA, JINGANG]
    assert [r[4] for r in rows] == ["市县检查", "群众举报", "市县检查", "企业自查"]
    assert rows[2] == [
        3, HONGDA, "太原市清徐县", "冶金（钢铁）", "市县检查", "清徐县应急管理局", date(2025, 1, 6),
        "转炉水冷元件未设温度、流量监测报警装置",
        "责任人：王五；措施：更换冷却水管；资金：2.00万元；时限：2026-12-31；预案：停炉排水",
        "太原市应急管理局", "处罚企业5.00万元；处罚主要负责人1.50万元；责令限期整改；停产整顿",
        "已完成整改（2025-01-10）", "一案双罚",
    ]
    assert rows[1][0] == 2 and rows[1][10] == "无" and rows[1][11] == "整改中（期限2026-12-31）"


def test_workbooks_have_the_forms_headers_and_merges(world: Engine, tmp_path: Path) -> None:
    with Session(world) as session:
        campaign = _campaign(session)
        f = weekly_figures(session, "140100", WEEK, campaign)
        t = two_sessions_table(session, "140100", WEEK, campaign)
        rows = ledger_rows(session, "140100", WEEK, campaign)
    out = tmp_path / "all.xlsx"
    exports.write_workbook(out, [*exports.weekly_sheets(f, date(2025, 1, 10)),
                                 exports.two_sessions_sheet(t, date(2025, 1, 10)),
                                 exports.ledger_sheet("太原市", rows, date(2025, 1, 10))])
    wb = load_workbook(out)
    form = wb["周调度统计表"]
    assert form["A1"].value == exports.WEEKLY_TITLE
    assert form["A2"].value.startswith("填报单位：太原市")
    assert [c.value for c in form[3]] == list(exports.WEEKLY_HEADERS)
    data = wb["统计数据"]
    assert [c.value for c in data[4]][:6] == ["企业自查自改", 2, 2, 1, 1, 0]
    two = wb["专项督查进展统计表"]
    merged = {str(r) for r in two.merged_cells.ranges}
    assert {"A3:A5", "B3:B4", "C3:G3", "H3:L3", "M3:M4", "N3:N4", "O3:P3", "D4:E4", "F4:G4"} <= merged
    assert two["A6"].value == "本周" and two["C6"].value == 2 and two["I7"].value == 8.5
    ledger = wb["重大事故隐患台账"]
    assert [c.value for c in ledger[3]] == list(exports.LEDGER_HEADERS)
    assert ledger["A6"].value == 3 and ledger["G6"].value == datetime(2025, 1, 6)
    assert "A1:M1" in {str(r) for r in ledger.merged_cells.ranges}


def test_submission_freezes_the_figures(world: Engine) -> None:
    with Session(world) as session:
        campaign = _campaign(session)
        save_draft(session, campaign, "140100", WEEK, {"存在问题": "部分县区进度慢"}, utc(2025, 1, 10, 1))
        report = confirm(session, campaign, "140100", WEEK, officer_id=make_user(session).id,
                         now=utc(2025, 1, 10, 3))
        assert report.figures is not None
        assert report.figures["stages"]["county"]["major_found"] == 2
        assert report.figures["penalties"]["fine_enterprise_wan"] == "7.00"
        with pytest.raises(ReportError):
            save_draft(session, campaign, "140100", WEEK, {"意见建议": "x"}, utc(2025, 1, 10, 4))
        status = filing_status(session, campaign, WEEK)
        assert status["太原市"] == "已报送" and status["长治市"] == "未报送"
        counts = draft_counts(session, "140400", utc(2025, 1, 10, 2))
        assert [(c.week, c.status, c.major_found) for c in counts] == [(WEEK, "none", 1)]


def test_cli_seed_and_reports(app: Flask, world: Engine, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    assert "0 campaigns added" in runner.invoke(args=["campaigns", "seed"]).output
    weekly = tmp_path / "w.xlsx"
    result = runner.invoke(
        args=["report", "weekly", "--region", "140100", "--week", WEEK, "--out", str(weekly)])
    assert result.exit_code == 0, result.output
    assert load_workbook(weekly)["统计数据"]["B4"].value == 2
    ledger = tmp_path / "l.xlsx"
    result = runner.invoke(args=["report", "ledger", "--region", "140100", "--out", str(ledger)])
    assert result.exit_code == 0, result.output
    assert load_workbook(ledger)["重大事故隐患台账"].max_row == 3 + 4 + 1  # 4 majors
    bad = runner.invoke(
        args=["report", "weekly", "--region", "999999", "--week", WEEK, "--out", str(weekly)])
    assert bad.exit_code != 0
