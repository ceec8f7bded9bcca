"""The 2022 monthly progress table (002) and the cross-inspection plan and summary (000 附件3, 附件4),
from a known set of records, checked cell by cell, and their CLI commands.

Cross-inspections in March 2025 of 晋应急发〔2024〕354号: 阳泉 inspects 太原 (古交, 清徐, and 尖草坪
where it found nothing), 临汾 inspects 长治; plus the edge cases (not a cross-inspection, rejected,
after the campaign, an inspection still open).
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

from bot.models import Campaign, CampaignTask, Penalty
from bot.services.forms import exports_tasks as forms
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.campaigns import ReportError, confirm
from bot.services.forms.cross_checks import CROSS_DOC, CrossSummaryRow, cross_plan_rows, cross_summary_rows
from bot.services.forms.exports import write_workbook
from bot.services.forms.task_lists import TASK_LIST_DOC, monthly_progress, save_progress, tasks_of
from tests.common.factories import enterprise, make_hazard, make_inspection, make_user

HONGDA = "清徐宏达焦化钢铁有限公司"  # 清徐县 140121
HUIFENG = "古交汇丰特钢有限公司"  # 古交市 140181
LUBAO = "长治潞宝钢铁集团有限公司"  # 长治 140406
JINGANG = "太原晋钢钢铁有限公司"
ZHONGZHUANG = "太原重型装备配套有限公司"  # 尖草坪区 140108
MONTH = "2022-05"
TEAM = "阳泉市交叉检查组"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _campaign(session: Session, doc: str) -> Campaign:
    return session.scalars(select(Campaign).where(Campaign.doc_number == doc)).one()


@pytest.fixture
def records(clean_db: Engine) -> Engine:
    with Session(clean_db) as session:
        seed_campaigns(session, utc(2022, 3, 4))

        def cross(name: str, level: str, state: str, at: datetime, **extra: Any) -> Any:
            hazard = make_hazard(session, enterprise=enterprise(session, name), source=extra.pop(
                "source", "cross_inspection"), level=level, state=state, reported_at=at)
            hazard.check_unit = TEAM
            for key, value in extra.items():
                setattr(hazard, key, value)
            session.flush()
            return hazard

        first = cross(HUIFENG, "general", "closed", utc(2025, 3, 10, 2), closed_at=utc(2025, 3, 15, 2))
        major = cross(HUIFENG, "major", "rectifying", utc(2025, 3, 11, 2))
        cross(HONGDA, "general", "acknowledged", utc(2025, 3, 12, 2))
        cross(LUBAO, "major", "closed", utc(2025, 3, 12, 2), closed_at=utc(2025, 3, 20, 2))
        cross(HONGDA, "general", "acknowledged", utc(2025, 3, 12, 3), source="joint_inspection")
        cross(HUIFENG, "general", "rejected", utc(2025, 3, 13, 2))
        cross(JINGANG, "general", "acknowledged", utc(2025, 4, 5, 2))
        officer = make_user(session, role="city_officer", region_code="140100")
        yangquan = make_user(session, role="city_officer", region_code="140300")

        def inspect(name: str, start: datetime, end: datetime | None, *found: Any) -> None:
            make_inspection(session, enterprise=enterprise(session, name), stage="cross_inspection",
                            by=yangquan, started_at=start, finished_at=end, unit=TEAM, findings=found)

        inspect(HUIFENG, utc(2025, 3, 10, 1), utc(2025, 3, 11, 6), first, major)  # listed once
        inspect(ZHONGZHUANG, utc(2025, 3, 13, 1), utc(2025, 3, 14, 6))  # nothing found: listed
        inspect(JINGANG, utc(2025, 3, 20, 1), None)  # still open: not yet
        inspect(HONGDA, utc(2025, 4, 2, 1), utc(2025, 4, 2, 6))  # after the campaign: not this one
        session.add(Penalty(enterprise_id=major.enterprise_id, hazard_id=major.id, decided_by=officer.id,
                            decided_at=utc(2025, 3, 18, 2), fine_enterprise_wan=Decimal("3.00"),
                            suspended=True))
        session.commit()
    return clean_db


def test_the_task_list_is_seeded_from_the_notice(records: Engine) -> None:
    with Session(records) as session:
        tasks = tasks_of(session, _campaign(session, TASK_LIST_DOC))
        assert len(tasks) == 18 and len({t.task_no for t in tasks}) == 9
        assert [t.measure_no for t in tasks] == list(range(1, 19))
        fifth = tasks[4]
        assert (fifth.task_no, fifth.task, fifth.deadline, fifth.due_on) == (
            2, "强化重大危险源安全风险管控", "2022 年底前", date(2022, 12, 31))
        assert tasks[5].responsible_unit == "市、县应急管理部门" and tasks[5].due_on == date(2022, 3, 31)
        seed_campaigns(session, utc(2022, 3, 5))  # again: nothing doubles
        assert session.scalar(select(CampaignTask.id).where(CampaignTask.measure_no == 19)) is None
        assert len(tasks_of(session, _campaign(session, TASK_LIST_DOC))) == 18


def test_monthly_progress_table(records: Engine, tmp_path: Path) -> None:
    with Session(records) as session:
        campaign = _campaign(session, TASK_LIST_DOC)
        save_progress(session, campaign, "140100", MONTH, {6: "已完成再排查，建立台账127家"},
                      utc(2022, 5, 20))
        save_progress(session, campaign, "140100", MONTH, {1: "督促32家企业修订危险作业制度"},
                      utc(2022, 5, 21))
        rows = monthly_progress(session, campaign, "140100", MONTH)
        other = monthly_progress(session, campaign, "140400", MONTH)
    body, merges = forms.monthly_body(rows)
    assert len(body) == 18
    assert body[0] == [1, "完善危险作业管理制度体系",
                       "1. 督促企业依据《化学品生产单位特殊作业安全规范》(GB30871-2014)，"
                       "完善易燃易爆区域动火、进入有限空间、盲板抽堵等危险作业管理制度，并建立长效运行机制和管理体系。",
                       "危险作业管理制度和操作规程完善并有效运行", "各级应急管理部门", "2022 年底前",
                       "督促32家企业修订危险作业制度", ""]
    second = "2. 督促企业严格执行危险作业审批和作业前安全条件确认。"
    assert body[1] == [None, None, second, None, None, None, "", ""]
    fifth = "5. 对全省 80 个重大危险源进行“全覆盖”执法检查。"
    assert body[4] == [None, None, fifth, None, None, "2022 年底前", "", ""]
    assert body[5][0] == 3 and body[5][6] == "已完成再排查，建立台账127家"
    assert body[6][3] == "25 项重点执法检查事项全部销号“归零”" and body[6][4] == "各级应急管理部门"
    assert (1, 1, 2, 1) in merges and (3, 4, 5, 4) in merges and (3, 6, 4, 6) in merges
    assert (6, 4, 7, 4) not in merges and (13, 5, 14, 5) not in merges
    assert all(r.progress == "" for r in other)  # 长治 wrote nothing

    out = tmp_path / "m.xlsx"
    write_workbook(out, [forms.monthly_sheet("太原市", MONTH, rows, date(2022, 5, 30))])
    ws = load_workbook(out)["重点工作进展情况"]
    assert ws["A1"].value == forms.MONTHLY_TITLE + "\n（2022年5月）"
    assert ws["A2"].value.startswith("填报单位：太原市") and "2022年5月30日" in ws["A2"].value
    assert [c.value for c in ws[3]] == list(forms.MONTHLY_HEADERS)
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:H1", "A4:A5", "B4:B5", "D4:D5", "A6:A8", "D6:D8", "F6:F7"} <= merged
    assert ws["A4"].value == 1 and isinstance(ws["A6"].value, int) and ws["G9"].value.startswith("已完成")
    assert ws.max_row == 3 + 18 + 1


def test_monthly_confirm_freezes(records: Engine) -> None:
    with Session(records) as session:
        campaign = _campaign(session, TASK_LIST_DOC)
        with pytest.raises(ReportError, match="没有第19条措施"):
            save_progress(session, campaign, "140100", MONTH, {19: "x"}, utc(2022, 5, 20))
        with pytest.raises(ReportError, match="格式应为"):
            save_progress(session, campaign, "140100", "2022-13", {1: "x"}, utc(2022, 5, 20))
        save_progress(session, campaign, "140100", MONTH, {2: "已完成"}, utc(2022, 5, 20))
        report = confirm(session, campaign, "140100", MONTH, officer_id=make_user(session).id,
                         now=utc(2022, 5, 30, 2))
        assert report.figures == {"month": MONTH, "progress": {"2": "已完成"}}
        with pytest.raises(ReportError, match="已确认报送"):
            save_progress(session, campaign, "140100", MONTH, {2: "改"}, utc(2022, 5, 30, 3))


def test_cross_plan_pairs_with_progress(records: Engine, tmp_path: Path) -> None:
    with Session(records) as session:
        rows = cross_plan_rows(session, _campaign(session, CROSS_DOC))
    assert [(r.no, r.inspector, r.inspected) for r in rows] == [
        (1, "太原市", "大同市"), (2, "大同市", "忻州市"), (3, "阳泉市", "太原市"), (4, "长治市", "晋城市"),
        (5, "晋城市", "运城市"), (6, "朔州市", "阳泉市"), (7, "忻州市", "朔州市"), (8, "吕梁市", "晋中市"),
        (9, "晋中市", "临汾市"), (10, "临汾市", "长治市"), (11, "运城市", "吕梁市"),
    ]
    assert rows[2].remark == "已抽查3个县（市、区）3家企业，发现一般隐患2条、重大事故隐患1条"
    assert rows[9].remark == "已抽查1个县（市、区）1家企业，发现一般隐患0条、重大事故隐患1条"
    assert [r.remark for i, r in enumerate(rows) if i not in (2, 9)] == [""] * 9
    out = tmp_path / "plan.xlsx"
    write_workbook(out, [forms.cross_plan_sheet("山西省", rows, date(2025, 3, 1))])
    ws = load_workbook(out)["交叉检查工作安排表"]
    assert ws["A1"].value == forms.CROSS_PLAN_TITLE
    assert [c.value for c in ws[3]] == ["序号", "检查方", "受检方", "备注"]
    assert [ws.cell(r, 1).value for r in range(4, 15)] == list(range(1, 12))
    assert (ws["B6"].value, ws["C6"].value) == ("阳泉市", "太原市")
    assert ws["A15"].value == forms.CROSS_PLAN_NOTE


def test_cross_summary_per_inspected_enterprise(records: Engine, tmp_path: Path) -> None:
    with Session(records) as session:
        campaign = _campaign(session, CROSS_DOC)
        rows = cross_summary_rows(session, "140100", campaign)
        county = cross_summary_rows(session, "140121", campaign)
        changzhi = cross_summary_rows(session, "140400", campaign)
    assert rows == [
        CrossSummaryRow(HUIFENG, "太原市古交市", "冶金（钢铁）", TEAM, date(2025, 3, 10), 1, 1, "停产整顿",
                        "罚款企业3.00万元", "已整改1条，共2条", ""),
        CrossSummaryRow(HONGDA, "太原市清徐县", "冶金（钢铁）", TEAM, date(2025, 3, 12), 1, 0, "无", "无",
                        "已整改0条，共1条", ""),
        CrossSummaryRow(ZHONGZHUANG, "太原市尖草坪区", "机械（机械制造）", TEAM, date(2025, 3, 13), 0, 0,
                        "无", "无", "未发现隐患", ""),
    ]
    assert [r.enterprise_name for r in county] == [HONGDA]
    assert [(r.enterprise_name, r.major, r.completion) for r in changzhi] == [(LUBAO, 1, "已全部整改")]
    out = tmp_path / "summary.xlsx"
    write_workbook(out, [forms.cross_summary_sheet("太原市", rows, date(2025, 3, 25))])
    ws = load_workbook(out)["交叉检查隐患情况汇总表"]
    assert ws["A1"].value == forms.CROSS_SUMMARY_TITLE
    assert ws["A2"].value.startswith("填报单位：太原市")
    assert [c.value for c in ws[3]] == list(forms.CROSS_SUMMARY_HEADERS)
    assert [c.value for c in ws[4]] == [1, HUIFENG, "太原市古交市", "冶金（钢铁）", TEAM,
                                        datetime(2025, 3, 10), 1, 1, "停产整顿", "罚款企业3.00万元",
                                        "已整改1条，共2条", None]
    assert [c.value for c in ws[6]][:8] == [3, ZHONGZHUANG, "太原市尖草坪区", "机械（机械制造）", TEAM,
                                            datetime(2025, 3, 13), 0, 0]
    assert ws["A7"].value == forms.CROSS_SUMMARY_NOTE


def test_cli_monthly_and_cross_reports(app: Flask, records: Engine, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    monthly = tmp_path / "monthly.xlsx"
    result = runner.invoke(args=["report", "monthly", "--region", "140100", "--month", MONTH,
                                 "--out", str(monthly)])
    assert result.exit_code == 0, result.output
    assert "18条措施" in result.output
    assert load_workbook(monthly)["重点工作进展情况"]["C4"].value.startswith("1. 督促企业")
    plan = tmp_path / "plan.xlsx"
    result = runner.invoke(args=["report", "cross-plan", "--out", str(plan)])
    assert result.exit_code == 0, result.output
    assert load_workbook(plan)["交叉检查工作安排表"]["D6"].value.startswith("已抽查3个县")
    summary = tmp_path / "summary.xlsx"
    result = runner.invoke(args=["report", "cross-summary", "--region", "140100", "--out", str(summary)])
    assert result.exit_code == 0, result.output
    assert load_workbook(summary)["交叉检查隐患情况汇总表"]["B5"].value == HONGDA
    bad_month = runner.invoke(args=["report", "monthly", "--region", "140100", "--month", "2019-05",
                                    "--out", str(monthly)])
    assert bad_month.exit_code != 0 and "2019-05没有按月报送的专项行动" in bad_month.output
    bad_region = runner.invoke(args=["report", "cross-summary", "--region", "999999", "--out", str(summary)])
    assert bad_region.exit_code != 0 and "999999" in bad_region.output
