"""Periods of the campaigns' forms: reporting weeks, a campaign's windows, the campaign of a week.

A week is an ISO week in Asia/Shanghai (Monday 00:00 to the next Monday 00:00). Cumulative
figures (累计) run from the campaign's first day to the end of that week (or the campaign's last
day, whichever comes first); "本周" figures (2021 table) cover the week alone. Every form
(附件1, 附件2, 附件4, the 2021 table) takes its windows from here, so they agree on the edges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign
from bot.services.platform.clock import local, local_tz

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class StatsError(ValueError):
    """A bad argument (unknown region, malformed week); the message is shown as it is."""


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, with the local dates it stands for."""

    start: datetime
    end: datetime


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_tz())


def parse_week(week: str) -> tuple[date, date]:
    """'2025-W02' → (Monday, next Monday)."""
    m = _WEEK.match(week)
    if not m:
        raise StatsError(f"周次“{week}”格式应为 2025-W02")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise StatsError(f"没有周次“{week}”") from exc
    return monday, monday + timedelta(days=7)


def week_of(at: datetime) -> str:
    year, week, _ = local(at).isocalendar()
    return f"{year}-W{week:02d}"


def campaign_windows(campaign: Campaign | None, week: str) -> tuple[Window, Window]:
    """(本周, 累计) windows for a week, clipped to the campaign's period."""
    monday, next_monday = parse_week(week)
    end_day = next_monday
    start_day = monday
    first_day = monday
    if campaign is not None:
        end_day = min(end_day, campaign.ends_on + timedelta(days=1))
        start_day = max(start_day, campaign.starts_on)
        first_day = campaign.starts_on
    end = local_midnight(end_day)
    this_week = Window(local_midnight(start_day), end)
    if campaign is None:
        return this_week, Window(local_midnight(date(2000, 1, 1)), end)
    return this_week, Window(local_midnight(first_day), end)


def campaign_by_key(session: Session, key: str) -> Campaign:
    """The campaign an operator names: its document number (as printed) or its id."""
    found = session.scalars(select(Campaign).where(Campaign.doc_number == key)).first()
    if found is None and key.isdigit():
        found = session.get(Campaign, int(key))
    if found is None:
        raise StatsError(f"没有专项行动“{key}”")
    return found


def campaign_for_week(session: Session, week: str | None, key: str | None = None) -> Campaign | None:
    """The campaign named by ``key`` (document number or id), else the weekly one running that week.

    ``week`` matters only without a ``key``: the ledger names its campaign with no week at all.
    """
    if key is not None:
        return campaign_by_key(session, key)
    if week is None:
        raise StatsError("请指定周次（如 2025-W02）或专项行动")
    monday, next_monday = parse_week(week)
    return session.scalars(
        select(Campaign)
        .where(Campaign.cadence == "weekly", Campaign.starts_on < next_monday,
               Campaign.ends_on >= monday)
        .order_by(Campaign.starts_on.desc())
    ).first()
