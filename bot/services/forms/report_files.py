"""The campaigns' tables as sheets, for any front end (the console, the chat's links, the CLI).

The form follows the campaign: the 2021 Two Sessions campaign has its own table, every other
weekly campaign (or none) the 附件1 周调度统计表. A confirmed table is rendered from the figures
it froze (``weekly_tables.table_sheets``), so every front end hands out the table as filed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.models import Campaign, Region
from bot.services.forms import exports
from bot.services.forms.figures import weekly_figures
from bot.services.forms.major_ledger import ledger_rows
from bot.services.forms.periods import StatsError
from bot.services.forms.weekly_tables import table_sheets


def weekly_sheets(
    session: Session, region_code: str, week: str, campaign: Campaign | None, today: date
) -> list[exports.Sheet]:
    """The week's table for the region (and everything under it); without a campaign nothing
    can be filed, so the table is an undated draft."""
    if campaign is not None:
        return table_sheets(session, campaign, region_code, week, today)
    return exports.weekly_sheets(weekly_figures(session, region_code, week, None), None, None)


def ledger_sheet(
    session: Session, region_code: str, week: str | None, campaign: Campaign | None, today: date
) -> tuple[exports.Sheet, int]:
    """附件2 重大事故隐患台账 and its row count."""
    region = session.get(Region, region_code)
    if region is None:
        raise StatsError(f"没有行政区划代码“{region_code}”")
    rows = ledger_rows(session, region_code, week, campaign)
    return exports.ledger_sheet(region.name, rows, today), len(rows)
