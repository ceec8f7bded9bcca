"""A campaign's week runs from one cut-off (Friday 12:00) to the next, and a filed table ends
where it was confirmed: what is found later is in the region's next 本周, never between two
tables. Checked as an officer reads it: the workbook the CLI writes, opened.

The 2021 campaign (晋应急发电〔2021〕7号, 2021-03-01 … 03-20, 每周五12时前上报本周) has 本周 rows:
W09 runs from the campaign's first day to 3月5日12时, W10 to 3月12日12时, W11 to 3月19日12时,
W12 to the campaign's last day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Penalty
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.campaigns import confirm
from bot.services.forms.periods import campaign_windows, current_week, period_label, week_of
from bot.services.platform.clock import local_tz
from tests.common.factories import enterprise, make_hazard, make_user

TWO_SESSIONS = "晋应急发电〔2021〕7号"
DISPATCH = "晋应急发〔2024〕354号"
ENTERPRISES = ("太原晋钢钢铁有限公司", "清徐宏达焦化钢铁有限公司", "古交汇丰特钢有限公司",
               "太原重型装备配套有限公司")


def at(*args: int) -> datetime:
    """A local (Asia/Shanghai) wall-clock time, as the officer lives it."""
    return datetime(*args, tzinfo=local_tz()).astimezone(UTC)


def _campaign(session: Session, doc: str) -> Campaign:
    return session.scalars(select(Campaign).where(Campaign.doc_number == doc)).one()


def _found(session: Session, when: datetime, index: int, level: str = "general") -> None:
    make_hazard(session, enterprise=enterprise(session, ENTERPRISES[index % len(ENTERPRISES)]),
                source="joint_inspection", level=level, state="rectifying", reported_at=when,
                description=f"第{index}条隐患")
    session.flush()


def _export(app: Flask, tmp_path: Path, week: str, campaign: str, region: str = "140100") -> Worksheet:
    out = tmp_path / f"{week}.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "report", "weekly", "--region", region, "--week", week, "--campaign", campaign, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return load_workbook(out).worksheets[0]


def _row(ws: Worksheet, label: str) -> list[Any]:
    [row] = [list(r) for r in ws.iter_rows(values_only=True) if r[0] == label]
    return row


def test_the_cut_off_is_friday_noon_and_its_minute_belongs_to_the_next_week() -> None:
    assert week_of(at(2025, 1, 17, 11, 59)) == "2025-W03"
    assert week_of(at(2025, 1, 17, 12, 0)) == "2025-W04"
    assert week_of(at(2025, 1, 13, 0, 0)) == "2025-W03"  # Monday is no edge any more
    this_week, _ = campaign_windows(None, "2025-W03")
    assert period_label(this_week) == "2025年1月10日12时至1月17日12时"
    across, _ = campaign_windows(None, "2025-W01")
    assert period_label(across) == "2024年12月27日12时至2025年1月3日12时"


def test_a_finding_after_the_table_is_filed_is_in_the_next_week(
    app: Flask, clean_db: Engine, tmp_path: Path,
) -> None:
    with Session(clean_db) as session:
        seed_campaigns(session, at(2021, 3, 1))
        officer = make_user(session, role="city_officer", region_code="140100", name="张科长")
        _found(session, at(2021, 3, 1, 9), 0)  # W09
        _found(session, at(2021, 3, 5, 11, 59), 1)  # W09's last minute
        _found(session, at(2021, 3, 5, 12, 0), 2)  # W10's first
        _found(session, at(2021, 3, 10, 9), 3, level="major")  # W10
        campaign = _campaign(session, TWO_SESSIONS)
        confirm(session, campaign, "140100", "2021-W09", officer.id, at(2021, 3, 5, 11))
        # W09 was filed at 11:00: the finding at 11:59 came after it, so it is W10's
        confirm(session, campaign, "140100", "2021-W10", officer.id, at(2021, 3, 12, 10, 30))
        _found(session, at(2021, 3, 12, 11), 4)  # after W10 was filed, before the cut-off
        _found(session, at(2021, 3, 12, 16), 5)  # Friday afternoon, W10 long filed
        session.add(Penalty(enterprise_id=enterprise(session, ENTERPRISES[0]).id, decided_by=officer.id,
                            decided_at=at(2021, 3, 15, 9), fine_enterprise_wan=Decimal("4.3")))
        _found(session, at(2021, 3, 19, 13), 6)  # W11 filed late (15:00): after the cut-off, W12's
        confirm(session, campaign, "140100", "2021-W11", officer.id, at(2021, 3, 19, 15))
        _found(session, at(2021, 3, 20, 23, 59), 7)  # the campaign's last minute
        confirm(session, campaign, "140100", "2021-W12", officer.id, at(2021, 3, 22, 9))
        session.commit()

    sheets = {week: _export(app, tmp_path, week, TWO_SESSIONS) for week in
              ("2021-W09", "2021-W10", "2021-W11", "2021-W12")}
    this_week = {week: _row(ws, "本周") for week, ws in sheets.items()}
    # column D: 一般隐患发现（项）, F: 重大隐患发现（项）
    assert [this_week[w][3] for w in sheets] == [1, 2, 2, 2]
    assert [this_week[w][5] for w in sheets] == [0, 1, 0, 0]
    w10 = sheets["2021-W10"]
    assert w10["A2"].value == ("填报单位：太原市    填表人：张科长    填表日期：2021年03月12日    "
                               "统计期间：2021年3月5日11时至3月12日10时30分")
    assert "统计期间：2021年3月12日10时30分至3月19日12时" in sheets["2021-W11"]["A2"].value
    assert "统计期间：2021年3月19日12时至3月20日24时" in sheets["2021-W12"]["A2"].value
    assert "统计期间：2021年3月1日0时至3月5日11时" in sheets["2021-W09"]["A2"].value
    # the 本周 rows of the filed weeks add up to 累计, exactly
    total = _row(sheets["2021-W12"], "累计")
    for column in (3, 4, 5, 6):
        assert sum(this_week[w][column] for w in sheets) == total[column]
    assert total[3] == 7 and total[5] == 1
    # 行政罚款（万元）: 4.30, two decimals, as the form prints amounts
    assert w10["I7"].value == 0  # the fine came after W10
    w11_fine = sheets["2021-W11"]["I6"]
    assert w11_fine.value == 4.3 and w11_fine.number_format == "0.00"


def test_the_weekly_dispatch_table_names_its_dates_its_filing_day_and_two_decimals(
    app: Flask, clean_db: Engine, tmp_path: Path,
) -> None:
    with Session(clean_db) as session:
        seed_campaigns(session, at(2024, 12, 6))
        officer = make_user(session, role="city_officer", region_code="140100", name="李科长")
        _found(session, at(2025, 1, 15, 9), 0)
        session.add(Penalty(enterprise_id=enterprise(session, ENTERPRISES[0]).id, decided_by=officer.id,
                            decided_at=at(2025, 1, 15, 10), fine_enterprise_wan=Decimal("4.3"),
                            fine_principal_wan=Decimal("1")))
        session.flush()
        campaign = _campaign(session, DISPATCH)
        assert (campaign.due_weekday, campaign.due_time) == (4, "12:00")  # 附件1: Friday 12:00
        session.commit()

    draft = _export(app, tmp_path, "2025-W03", DISPATCH)
    assert draft["A2"].value == ("填报单位：太原市          统计期间：2025年1月10日12时至1月17日12时"
                                 "          填报时间：    年  月  日")

    with Session(clean_db) as session:
        campaign = _campaign(session, DISPATCH)
        officer_id = make_user(session, role="city_officer", region_code="140100").id
        confirm(session, campaign, "140100", "2025-W03", officer_id, at(2025, 1, 17, 11, 40))
        _found(session, at(2025, 1, 17, 16), 1)  # Friday 16:00, after the table was filed
        session.commit()

    filed = _export(app, tmp_path, "2025-W03", DISPATCH)
    assert filed["A2"].value == ("填报单位：太原市          统计期间：2025年1月10日12时至1月17日11时40分"
                                 "          填报时间：2025年1月17日")
    cells = [str(c) for row in filed.iter_rows(values_only=True) for c in row if c is not None]
    assert any("4.30万元" in c for c in cells) and any("1.00万元" in c for c in cells), cells
    data = filed.parent["统计数据"]
    money = [c for row in data.iter_rows() for c in row if c.value == 4.3]
    assert money and all(c.number_format == "0.00" for c in money)
    assert data["A1"].value == "太原市 累计数据（2024年12月6日0时至2025年1月17日11时40分）"

    def general_found(ws: Worksheet) -> int:
        sheet = ws.parent["统计数据"]
        return sum(int(row[2] or 0) for row in sheet.iter_rows(min_row=4, max_row=8, values_only=True))

    following = _export(app, tmp_path, "2025-W04", DISPATCH)
    assert "统计期间：2025年1月17日11时40分至1月24日12时" in following["A2"].value
    # the Friday-afternoon finding is not in the filed table, and is in the next week's 累计
    assert general_found(filed) == 1 and general_found(following) == 2


def test_a_late_filer_files_the_week_he_owes_first(clean_db: Engine) -> None:
    """After Friday's cut-off, until Monday, 周报 is the week the region has not yet filed."""
    with Session(clean_db) as session:
        seed_campaigns(session, at(2024, 12, 6))
        campaign = _campaign(session, DISPATCH)
        officer = make_user(session, role="city_officer", region_code="140100")
        friday_afternoon = at(2025, 1, 17, 14)
        assert current_week(session, campaign, "140100", at(2025, 1, 17, 11)) == "2025-W03"
        assert current_week(session, campaign, "140100", friday_afternoon) == "2025-W03"  # owed
        assert current_week(session, campaign, "140100", at(2025, 1, 20, 0)) == "2025-W04"  # Monday
        confirm(session, campaign, "140100", "2025-W03", officer.id, friday_afternoon)
        assert current_week(session, campaign, "140100", friday_afternoon) == "2025-W04"
        this_week, _ = campaign_windows(campaign, "2025-W04", session=session, region_code="140100")
        # filed late: the week still ended at the cut-off; what came after is the next week's
        assert period_label(this_week) == "2025年1月17日12时至1月24日12时"


# Seed 001's unit row, as the notice prints it under 市县督查组数 … 问责个人. The seed's text
# carries one more "(人)" after 联合惩戒失信企业 than the form has columns (its 15 columns are
# fixed by the header rows above); the last two are 曝光单位 (家) and 问责个人 (人).
SEED_001_UNITS = ("个", "家", "项", "项", "项", "项", "家", "万元", "家", "个", "家", "家", "家", "家", "人")


def test_the_2021_unit_row_is_the_seeds(app: Flask, clean_db: Engine, tmp_path: Path) -> None:
    with Session(clean_db) as session:
        seed_campaigns(session, at(2021, 3, 1))
        session.commit()
    ws = _export(app, tmp_path, "2021-W10", TWO_SESSIONS)
    units = [str(c) for c in next(ws.iter_rows(min_row=5, max_row=5, min_col=2, values_only=True))]
    assert [u[u.index("（") + 1:-1] for u in units] == list(SEED_001_UNITS)
    assert units[2:6] == ["发现（项）", "整改（项）", "发现（项）", "整改（项）"]  # under 一般隐患, 重大隐患
    assert ws["A5"].value is None and ws["A3"].value == "统计项分类"
