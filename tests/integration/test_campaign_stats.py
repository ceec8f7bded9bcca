"""附件1, the 2021 table and 附件2, computed from a known set of records and checked cell by cell.

Two cities (太原, 长治), hazards across several weeks around 2025-W02 (Monday 2025-01-06 to
Sunday 2025-01-12, Asia/Shanghai) of 晋应急发〔2024〕354号, penalties, and the edge cases:
before the campaign, after the week (by one minute of local time), rejected, ungraded.
Inspections at every stage: finished ones that found nothing (the enterprise counts as
checked), ones that found hazards (counted once), one finished the next week, open ones.
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
from bot.services.forms import exports
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.campaigns import (
    ReportError,
    confirm,
    draft_counts,
    filing_status,
    save_draft,
)
from bot.services.forms.figures import StageFigures, weekly_figures
from bot.services.forms.major_ledger import ledger_rows
from bot.services.forms.periods import StatsError, campaign_for_week, campaign_windows
from bot.services.forms.two_sessions import two_sessions_table
from tests.common.factories import enterprise, make_hazard, make_inspection, make_user

JINGANG = "太原晋钢钢铁有限公司"  # 小店区 140105
HONGDA = "清徐宏达焦化钢铁有限公司"  # 清徐县 140121
HUIFENG = "古交汇丰特钢有限公司"  # 古交市 140181
LUBAO = "长治潞宝钢铁集团有限公司"  # 长治 140406
ZHONGZHUANG = "太原重型装备配套有限公司"  # 尖草坪区 140108
LENGLIAN = "长治冷链物流有限公司"  # 长治 140404
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
        # The figures below were counted by hand on calendar weeks: this campaign's cut-off is
        # set to Monday 00:00 (a cut-off is data); test_periods.py covers Friday 12:00.
        monday = _campaign(session)
        monday.due_weekday, monday.due_time = 0, "00:00"
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
        _inspections(session, city_officer=city_officer, qingxu=qingxu, gujiao=gujiao,
                     xiaodian=xiaodian, h4=h4, province=officer)

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


def _inspections(session: Session, *, city_officer: Any, qingxu: Any, gujiao: Any, xiaodian: Any,
                 h4: Any, province: Any) -> None:
    """I1–I11: what the inspections add to the hazards above (figures in the tests below)."""
    def inspect(name: str, stage: str, by: Any, start: datetime, end: datetime | None, **kw: Any) -> None:
        make_inspection(session, enterprise=enterprise(session, name), stage=stage, by=by,
                        started_at=start, finished_at=end, **kw)

    # I1 the city inspects 重装 in W02 and finds nothing: 市本级 counts it
    inspect(ZHONGZHUANG, "joint_inspection", city_officer, utc(2025, 1, 7, 1), utc(2025, 1, 7, 5),
            unit="太原市应急管理局")
    # I2 清徐 inspects 宏达 and finds hazard 4: the enterprise counts once at 县级
    inspect(HONGDA, "joint_inspection", qingxu, utc(2025, 1, 6, 2), utc(2025, 1, 6, 6), findings=(h4,))
    # I3 小店 inspects 晋钢, finished at Monday 00:00 local of W03: out of W02
    inspect(JINGANG, "joint_inspection", xiaodian, utc(2025, 1, 12, 10), utc(2025, 1, 12, 16))
    # I4 小店 starts another one at 晋钢 in W02 and has not finished: not counted
    inspect(JINGANG, "joint_inspection", xiaodian, utc(2025, 1, 9, 1), None)
    # I5 重装's manager finishes a self-check in December that found nothing
    manager = make_user(session, role="enterprise_manager",
                        enterprise_id=enterprise(session, ZHONGZHUANG).id)
    inspect(ZHONGZHUANG, "self_check", manager, utc(2024, 12, 20, 1), utc(2024, 12, 20, 3))
    # I6 a 阳泉 team cross-inspects 晋钢 in W02, nothing found
    yangquan = make_user(session, role="city_officer", region_code="140300")
    inspect(JINGANG, "cross_inspection", yangquan, utc(2025, 1, 8, 1), utc(2025, 1, 8, 6))
    # I7 the province inspects 宏达 in W02, nothing found: the extra row
    inspect(HONGDA, "provincial", province, utc(2025, 1, 9, 1), utc(2025, 1, 9, 4))
    # I8 the city starts one at 汇丰, the 古交 officer who joined records a general hazard: the
    # inspection is the city's (its unit is), so the hazard and the enterprise count at 市本级
    found = _hazard(session, HUIFENG, "joint_inspection", "general", "acknowledged",
                    utc(2025, 1, 9, 3), reporter=gujiao, check_unit="太原市应急管理局",
                    checked_at=utc(2025, 1, 9, 3))
    inspect(HUIFENG, "joint_inspection", city_officer, utc(2025, 1, 9, 1), utc(2025, 1, 9, 6),
            findings=(found,))
    # I9 长治: an open county inspection of 潞宝 that has already found a general hazard
    luzhou = make_user(session, role="county_officer", region_code="140406")
    open_found = _hazard(session, LUBAO, "joint_inspection", "general", "acknowledged",
                         utc(2025, 1, 8, 4), reporter=luzhou, checked_at=utc(2025, 1, 8, 4))
    inspect(LUBAO, "joint_inspection", luzhou, utc(2025, 1, 8, 3), None, findings=(open_found,))
    # I10 a 太原 team cross-inspects 长治冷链 in W02, nothing found
    inspect(LENGLIAN, "cross_inspection", city_officer, utc(2025, 1, 10, 1), utc(2025, 1, 10, 3))
    # I11 长治 city inspects 冷链 in W03, nothing found
    changzhi = make_user(session, role="city_officer", region_code="140400")
    inspect(LENGLIAN, "joint_inspection", changzhi, utc(2025, 1, 14, 1), utc(2025, 1, 14, 3))


def _campaign(session: Session) -> Campaign:
    return session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()


def test_seed_is_idempotent(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        assert seed_campaigns(session, utc(2025, 1, 1)) == 3
        assert seed_campaigns(session, utc(2025, 1, 1)) == 0
        two = session.scalars(select(Campaign).where(Campaign.form == "two_sessions")).one()
        assert (two.starts_on, two.ends_on, two.due_weekday, two.due_time) == (
            date(2021, 3, 1), date(2021, 3, 20), 4, "12:00")


def test_a_campaign_is_named_without_a_week_but_never_guessed_without_either(world: Engine) -> None:
    with Session(world) as session:
        assert campaign_for_week(session, None, DOC) == _campaign(session)
        with pytest.raises(StatsError, match="请指定周次"):
            campaign_for_week(session, None)


def test_windows_are_local_weeks_clipped_to_the_campaign(world: Engine) -> None:
    with Session(world) as session:
        week, total = campaign_windows(_campaign(session), WEEK)
    assert (week.start, week.end) == (utc(2025, 1, 5, 16), utc(2025, 1, 12, 16))
    assert total.start == utc(2024, 12, 5, 16)


def test_weekly_table_figures_for_a_city(world: Engine) -> None:
    with Session(world) as session:
        f = weekly_figures(session, "140100", WEEK, _campaign(session))
    assert f.stages == {
        # h1 h2 h11 (晋钢, 汇丰) and I5 (重装, nothing found)
        "self_check": StageFigures(enterprises=3, general_found=2, general_fixed=1, major_found=1,
                                   major_fixed=0, counties=3),
        # h3 (宏达), I1 (重装, nothing found), I8 and its hazard (汇丰, recorded by a county officer)
        "city": StageFigures(3, 2, 1, 0, 0, 3),
        # h4 with I2 (宏达, once), h13 (汇丰); not I3 (next week), not I4 (open)
        "county": StageFigures(2, 0, 0, 2, 1, 2),
        # row 4 is the inspecting city's (issue 15): only I10, 太原's team at 长治冷链; h5 (汇丰,
        # no recorder) and I6 (阳泉's team at 晋钢) are 阳泉's, as 附件3 pairs 阳泉 with 太原
        "cross": StageFigures(1, 0, 0, 0, 0, 1),
        # h6 h12 (晋钢) and I7 (宏达, provincial, nothing found)
        "other": StageFigures(2, 0, 0, 1, 0, 2),
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
    # the seed's wording (issue 15): no plan recorded; 晋钢 (标杆) and 汇丰 (帮扶) in the demo ledger
    assert rows[1][2] == (
        "0家企业制定了自查自改工作方案，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条"
        "（其中确定标杆企业1家，帮扶企业1家，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条）。")
    assert rows[2][2] == (
        "市本级检查3家企业，发现一般问题隐患2条，已整改1条；重大事故隐患0条，已整改0条。县级共检查2家企业，"
        "发现一般问题隐患0条，已整改0条；重大事故隐患2条，已整改1条。")
    assert rows[3][2] == (
        "对长治市开展了交叉检查，共抽查上党区共1个县的1家企业，发现一般问题隐患0条，已整改0条；"
        "重大事故隐患0条，已整改0条。")
    assert rows[4][2] == ("处罚企业2家，合计处罚7.00万元，处罚企业主要负责人1人，合计处罚1.50万元；"
                          "限期整改2家，停产整改1家，取缔关闭0家。")
    data = exports.weekly_data_rows(f)
    assert data[0] == ["企业自查自改", 3, 2, 1, 1, 0]
    assert data[-1] == [2, 7.0, 1, 1.5, 2, 1, 0]


def test_a_county_sees_only_its_own(world: Engine) -> None:
    with Session(world) as session:
        f = weekly_figures(session, "140121", WEEK, _campaign(session))
        assert f.stages["city"] == StageFigures(1, 1, 1, 0, 0, 1)
        assert f.stages["county"] == StageFigures(1, 0, 0, 1, 1, 1)
        assert f.stages["self_check"] == StageFigures() and f.stages["cross"] == StageFigures()
        assert f.stages["other"] == StageFigures(1, 0, 0, 0, 0, 1)  # I7, the province found nothing
        assert (f.penalties.enterprises_fined, f.penalties.fine_enterprise_wan) == (1, Decimal("5.00"))
        county_rows = ledger_rows(session, "140121", WEEK, _campaign(session))
        assert [r.enterprise_name for r in county_rows] == [HONGDA]
        xiaodian = weekly_figures(session, "140105", WEEK, _campaign(session))
        # 晋钢: I3 is next week's, I4 is open; only I6 (cross, nothing found) adds to its hazards
        assert xiaodian.stages["county"] == StageFigures() and xiaodian.stages["city"] == StageFigures()
        assert xiaodian.stages["cross"] == StageFigures()  # I6 is 阳泉's row 4, not a county's
        assert xiaodian.stages["self_check"] == StageFigures(1, 1, 1, 1, 0, 1)
        changzhi = weekly_figures(session, "140400", WEEK, _campaign(session))
        assert changzhi.stages["self_check"] == StageFigures(1, 0, 0, 1, 0, 1)
        assert changzhi.penalties.closed_down == 1
        lucheng = weekly_figures(session, "140404", WEEK, _campaign(session))
        assert lucheng.stages["cross"] == StageFigures()  # I10 is 太原's row 4
        assert lucheng.stages["self_check"] == StageFigures()


def test_inspections_count_in_the_week_they_are_finished(world: Engine) -> None:
    with Session(world) as session:
        campaign = _campaign(session)
        changzhi = weekly_figures(session, "140400", WEEK, campaign).stages
        # I9 is still open, but the hazard it found counts 潞宝 at 县级; I10 found nothing at 冷链
        assert changzhi["county"] == StageFigures(1, 1, 0, 0, 0, 1)
        assert changzhi["cross"] == StageFigures()  # I10 counts in 太原's row 4, the inspector's
        assert changzhi["city"] == StageFigures()
        next_week = weekly_figures(session, "140400", "2025-W03", campaign).stages
        assert next_week["city"] == StageFigures(1, 0, 0, 0, 0, 1)  # I11, finished in W03
        taiyuan = weekly_figures(session, "140100", "2025-W03", campaign).stages
        # I3 (晋钢, finished at W03's first minute) joins 宏达 and 汇丰 at 县级, with h7's hazard
        assert taiyuan["county"] == StageFigures(3, 1, 0, 2, 1, 3)
        before = weekly_figures(session, "140100", "2024-W52", campaign).stages
        # by 2024-12-29: h1 and I5 (self-check), h13 (县级); nothing else was finished yet
        assert before["self_check"] == StageFigures(2, 1, 1, 0, 0, 2)
        assert before["county"] == StageFigures(1, 0, 0, 1, 0, 1)
        assert before["city"] == StageFigures() and before["cross"] == StageFigures()
        t = two_sessions_table(session, "140400", WEEK, campaign)
        assert t.this_week.cells()[1:3] == [2, 1]  # 潞宝 (I9's hazard) and 冷链 (I10)


def test_two_sessions_table(world: Engine) -> None:
    with Session(world) as session:
        t = two_sessions_table(session, "140100", WEEK, _campaign(session))
    # 检查企业: the officers' stages only (市县, 交叉, 省级): 宏达 汇丰 (hazards, I2 I7 I8) and 重装
    # (I1) and 晋钢 (I6), which were inspected this week and where nothing was found
    assert t.this_week.cells() == [None, 4, 3, 1, 1, 1, 1, Decimal("6.50"), 1, 0, 0, 0, 0, None, None]
    assert t.total.cells() == [None, 4, 3, 1, 2, 1, 2, Decimal("8.50"), 1, 0, 0, 0, 0, None, None]
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
    assert [c.value for c in data[4]][:6] == ["企业自查自改", 3, 2, 1, 1, 0]
    two = wb["专项督查进展统计表"]
    merged = {str(r) for r in two.merged_cells.ranges}
    assert {"A3:A5", "B3:B4", "C3:G3", "H3:L3", "M3:M4", "N3:N4", "O3:P3", "D4:E4", "F4:G4"} <= merged
    assert two["A6"].value == "本周" and two["C6"].value == 4 and two["I7"].value == 8.5
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
    # seeding restores 354号's own cut-off, Friday 12:00: W02 ends on 2025-01-10 12:00, so h11
    # (汇丰, Sunday 23:59) is W03's and the self-check row counts 晋钢 and 重装 only
    assert load_workbook(weekly)["统计数据"]["B4"].value == 2
    ledger = tmp_path / "l.xlsx"
    result = runner.invoke(args=["report", "ledger", "--region", "140100", "--out", str(ledger)])
    assert result.exit_code == 0, result.output
    assert load_workbook(ledger)["重大事故隐患台账"].max_row == 3 + 4 + 1  # 4 majors
    bad = runner.invoke(
        args=["report", "weekly", "--region", "999999", "--week", WEEK, "--out", str(weekly)])
    assert bad.exit_code != 0


def test_row_4_counts_in_the_inspecting_citys_table(world: Engine) -> None:
    """阳泉 cross-inspects 太原 (附件3): I6 (its officer) and h5 (no recorder: the pair decides)."""
    with Session(world) as session:
        yangquan = weekly_figures(session, "140300", WEEK, _campaign(session))
        taiyuan = weekly_figures(session, "140100", WEEK, _campaign(session))
    assert yangquan.stages["cross"] == StageFigures(2, 1, 0, 0, 0, 2)
    assert [(t.city, t.counties) for t in yangquan.cross_targets] == [("太原市", ["小店区", "古交市"])]
    assert exports.weekly_rows(yangquan)[3][2] == (
        "对太原市开展了交叉检查，共抽查小店区、古交市共2个县的2家企业，发现一般问题隐患1条，已整改0条；"
        "重大事故隐患0条，已整改0条。")
    assert [(t.city, t.counties) for t in taiyuan.cross_targets] == [("长治市", ["上党区"])]
