"""The 2021 Two Sessions table (001) on the reports page: an officer confirms it (it has no
free-text rows) and downloads it as filed, frozen against hazards recorded afterwards."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Campaign, User, WeeklyReport
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.platform.clock import utcnow
from tests.common.factories import enterprise, make_hazard
from tests.console.conftest import Console

WEEK = "2021-W10"


def _major_rows(console: Console, url: str) -> list[object]:
    ws = load_workbook(io.BytesIO(console.get(url).data)).worksheets[0]
    return [row[5] for row in ws.iter_rows(values_only=True) if row[0] in ("本周", "累计")]


def test_an_officer_confirms_the_two_sessions_table_and_it_stays_as_filed(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    with db() as s:
        seed_campaigns(s, utcnow())
        campaign = s.scalars(select(Campaign.id).where(Campaign.form == "two_sessions")).one()
        make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), source="joint_inspection",
                    level="major", state="rectifying", reported_at=datetime(2021, 3, 9, 2, tzinfo=UTC))
        s.commit()
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/reports?week={WEEK}&campaign={campaign}").get_data(as_text=True)
    assert "两会期间专项督查统计表" in page and 'id="confirm"' in page and 'id="texts-form"' not in page
    url = f"/console/reports/weekly.xlsx?week={WEEK}&campaign={campaign}"
    assert _major_rows(console, url) == [1, 1]
    page = console.post("/console/reports/confirm", {"week": WEEK, "campaign": campaign},
                        follow_redirects=True).get_data(as_text=True)
    # the week is named by its dates, from one Friday 12:00 cut-off to the next
    assert "2021年3月5日12时至3月12日12时专项督查进展统计表已确认报送。" in page
    assert 'id="report-status">已确认报送' in page
    with db() as s:
        make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), source="joint_inspection",
                    level="major", state="rectifying", reported_at=datetime(2021, 3, 10, 2, tzinfo=UTC))
        s.commit()
        report = s.scalars(select(WeeklyReport)).one()
        assert report.status == "confirmed" and report.figures and report.figures["form"] == "two_sessions"
    assert _major_rows(console, url) == [1, 1]
    page = console.post("/console/reports/confirm", {"week": WEEK, "campaign": campaign},
                        follow_redirects=True).get_data(as_text=True)
    assert "已确认报送" in page
