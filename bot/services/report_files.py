"""The campaigns' tables as sheets, for any front end (the console; the CLI does the same steps).

The form follows the campaign: the 2021 Two Sessions campaign has its own table, every other
weekly campaign (or none) the 附件1 周调度统计表. As in ``flask report weekly``, the file shows
the figures computed now with the report's free-text rows; the figures frozen when a report
is confirmed stay on the record for audit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.models import Campaign, Region
from bot.services import exports
from bot.services.campaigns import get_report
from bot.services.stats import StatsError, ledger_rows, two_sessions_table, weekly_figures


def weekly_sheets(
    session: Session, region_code: str, week: str, campaign: Campaign | None, today: date
) -> list[exports.Sheet]:
    """The week's table for the region (and everything under it)."""
    if campaign is not None and campaign.form == "two_sessions":
        return [exports.two_sessions_sheet(two_sessions_table(session, region_code, week, campaign), today)]
    report = get_report(session, campaign, region_code, week) if campaign else None
    figures = weekly_figures(session, region_code, week, campaign)
    return exports.weekly_sheets(figures, today, report.texts if report else None)


def ledger_sheet(
    session: Session, region_code: str, week: str | None, campaign: Campaign | None, today: date
) -> tuple[exports.Sheet, int]:
    """附件2 重大事故隐患台账 and its row count."""
    region = session.get(Region, region_code)
    if region is None:
        raise StatsError(f"没有行政区划代码“{region_code}”")
    rows = ledger_rows(session, region_code, week, campaign)
    return exports.ledger_sheet(region.name, rows, today), len(rows)
