"""Confirming a 2021 Two Sessions table (001) freezes it as filed: 本周, 累计 and the list of
enterprises with major hazards stay what the officer confirmed, whatever is recorded later."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Penalty
from bot.services.forms import exports, figures, two_sessions
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.campaigns import confirm, get_report
from bot.services.forms.report_files import weekly_sheets
from bot.services.forms.weekly_tables import table_sheets
from tests.common.factories import enterprise, make_hazard, make_user

HONGDA = "清徐宏达焦化钢铁有限公司"  # 清徐县, 太原市
HUIFENG = "古交汇丰特钢有限公司"  # 古交市, 太原市
WEEK = "2021-W10"  # 2021-03-05 12:00 … 03-12 12:00 (Friday cut-offs), inside 2021-03-01 … 03-20
DOC = "晋应急发电〔2021〕7号"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _hazard(session: Session, name: str, at: datetime, description: str) -> Any:
    hazard = make_hazard(session, enterprise=enterprise(session, name), source="joint_inspection",
                         level="major", state="rectifying", reported_at=at, description=description)
    session.flush()
    return hazard


def _cells(sheets: list[exports.Sheet]) -> list[list[Any]]:
    [sheet] = sheets
    buf = io.BytesIO()
    exports.write_workbook(buf, sheets)
    ws = load_workbook(io.BytesIO(buf.getvalue()))[sheet.name]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_a_hazard_added_after_confirmation_leaves_the_filed_table_as_it_was(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        seed_campaigns(session, utc(2021, 3, 1))
        campaign = session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()
        officer = make_user(session, role="city_officer", region_code="140100", name="张科长")
        _hazard(session, HONGDA, utc(2021, 3, 9, 2), "转炉水冷元件未设温度、流量监测报警装置")
        session.add(Penalty(enterprise_id=enterprise(session, HONGDA).id, decided_by=officer.id,
                            decided_at=utc(2021, 3, 9, 3), fine_enterprise_wan=Decimal("5.00"),
                            suspended=True))
        session.flush()
        draft = _cells(table_sheets(session, campaign, "140100", WEEK, utc(2021, 3, 12).date()))

        report = confirm(session, campaign, "140100", WEEK, officer.id, utc(2021, 3, 12, 3))
        assert report.figures is not None and report.figures["form"] == "two_sessions"
        assert report.figures["this_week"]["major_found"] == 1
        assert report.figures["total"]["fine_wan"] == "5.00"
        at_confirmation = _cells(table_sheets(session, campaign, "140100", WEEK, utc(2021, 3, 12).date()))
        session.commit()
    # a draft is not filed: its 填表人 and 填表日期 are blank; filed, the officer and the day he confirmed
    assert "填表人：    填表日期：    年  月  日" in str(draft[1][0])
    assert "填表人：张科长    填表日期：2021年03月12日" in str(at_confirmation[1][0])
    assert [row for row in draft if row[0] in ("本周", "累计")] == [
        row for row in at_confirmation if row[0] in ("本周", "累计")]

    with Session(clean_db) as session:  # later: a major hazard of the same week and a fine recorded
        campaign = session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()
        _hazard(session, HUIFENG, utc(2021, 3, 10, 2), "深井铸造未设紧急排放阀联锁")
        session.add(Penalty(enterprise_id=enterprise(session, HUIFENG).id,
                            decided_by=make_user(session).id, decided_at=utc(2021, 3, 10, 3),
                            fine_enterprise_wan=Decimal("3.00"), closed_down=True))
        session.commit()
        live = two_sessions.two_sessions_table(session, "140100", WEEK, campaign)
        assert live.this_week.major_found == 2 and live.total.fine_wan == Decimal("8.00")
        assert [m.name for m in live.major_enterprises] == [HONGDA, HUIFENG]

        filed = _cells(table_sheets(session, campaign, "140100", WEEK, utc(2021, 3, 19).date()))
        assert filed == at_confirmation  # every cell, the 填表日期 of the confirmation included
        assert "2021年03月12日" in str(filed[1][0])
        body = [row for row in filed if row[0] in ("本周", "累计")]  # [1:] as in TwoSessionsRow.cells()
        assert [row[5] for row in body] == [1, 1] and [row[8] for row in body] == [5, 5]
        assert not any(HUIFENG in str(cell) for row in filed for cell in row)
        # every front end hands out the same frozen table
        assert _cells(weekly_sheets(session, "140100", WEEK, campaign, utc(2021, 3, 19).date())) == filed
        # another city's table, not confirmed, is still live
        other = _cells(table_sheets(session, campaign, "140000", WEEK, utc(2021, 3, 19).date()))
        assert [row[5] for row in other if row[0] == "本周"] == [2]


def test_a_table_confirmed_before_freezing_existed_is_rendered_live(clean_db: Engine) -> None:
    """Reports confirmed earlier hold 附件1's figures (no ``form``): nothing to render from them."""
    with Session(clean_db) as session:
        seed_campaigns(session, utc(2021, 3, 1))
        campaign = session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()
        report = confirm(session, campaign, "140100", WEEK, make_user(session).id, utc(2021, 3, 12, 3))
        report.figures = figures.weekly_figures(session, "140100", WEEK, campaign).as_json()
        _hazard(session, HONGDA, utc(2021, 3, 9, 2), "转炉水冷元件未设温度、流量监测报警装置")
        cells = _cells(table_sheets(session, campaign, "140100", WEEK, utc(2021, 3, 19).date()))
        assert [row[5] for row in cells if row[0] == "本周"] == [1]
        assert get_report(session, campaign, "140100", WEEK) is report


def test_the_frozen_table_round_trips(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        seed_campaigns(session, utc(2021, 3, 1))
        campaign = session.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()
        _hazard(session, HONGDA, utc(2021, 3, 9, 2), "转炉水冷元件未设温度、流量监测报警装置")
        table = two_sessions.two_sessions_table(session, "140100", WEEK, campaign)
    assert two_sessions.TwoSessionsTable.from_json(table.as_json()) == table
