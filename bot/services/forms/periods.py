"""Periods of the campaigns' forms: reporting weeks, a campaign's windows, the campaign of a week.

A campaign names its cut-off (``due_weekday`` and ``due_time``: Friday 12:00 for the weekly
tables of 000 and 001, "每周五12时前上报本周"); a reporting week runs from one cut-off to the
next, in Asia/Shanghai. A week is keyed internally by the ISO week its cut-off falls in
("2025-W03": 2025年1月10日12时至1月17日12时); people only ever see the dates
(``period_label``).

A region's confirmed report stores where its window ended (``WeeklyReport.period_end``: the
cut-off, or the moment of confirming if that came first), and the region's next week starts
exactly there: a hazard recorded after the table was filed falls into the next 本周, never
between two tables, so the 本周 figures of consecutive filed weeks add up to 累计. Cumulative
figures (累计) run from the campaign's first day to the end of the week (or the campaign's last
day, whichever comes first). Every form (附件1, 附件2, the 2021 table) takes its windows from
here, so they agree on the edges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign, WeeklyReport
from bot.services.platform.clock import local, local_tz

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DEFAULT_CUTOFF = (4, time(12))  # Friday 12:00: 000 附件1 and 001 alike


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
    """'2025-W02' → (Monday, next Monday) of the ISO week the cut-off falls in."""
    m = _WEEK.match(week)
    if not m:
        raise StatsError(f"周次“{week}”格式应为 2025-W02")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise StatsError(f"没有周次“{week}”") from exc
    return monday, monday + timedelta(days=7)


def cutoff_of(campaign: Campaign | None) -> tuple[int, time]:
    """The campaign's weekly cut-off (weekday, local time); Friday 12:00 if it names none."""
    if campaign is None or campaign.due_weekday is None:
        weekday = DEFAULT_CUTOFF[0]
    else:
        weekday = campaign.due_weekday
    raw = campaign.due_time if campaign is not None else None
    if not raw:
        return weekday, DEFAULT_CUTOFF[1]
    hours, minutes = raw.split(":")
    return weekday, time(int(hours), int(minutes))


def nominal_end(campaign: Campaign | None, week: str) -> datetime:
    """The cut-off of ``week``: the first one after its Monday 00:00 (a Friday 12:00 cut-off
    in that ISO week; a Monday 00:00 one, the calendar week's own end), local time."""
    monday, _ = parse_week(week)
    weekday, at = cutoff_of(campaign)
    end = datetime.combine(monday + timedelta(days=weekday), at, tzinfo=local_tz())
    return end if end > local_midnight(monday) else end + timedelta(days=7)


def shift_week(week: str, weeks: int) -> str:
    monday, _ = parse_week(week)
    year, number, _ = (monday + timedelta(days=7 * weeks)).isocalendar()
    return f"{year}-W{number:02d}"


def week_key(day: date) -> str:
    """The key of the week whose cut-off falls in ``day``'s ISO week (a Friday: that Friday's)."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_of(at: datetime, campaign: Campaign | None = None) -> str:
    """The week whose period holds ``at``: the first cut-off after it names the week."""
    week = week_key(local(at).date())
    return week if at < nominal_end(campaign, week) else shift_week(week, 1)


def filed_end(report: WeeklyReport | None, campaign: Campaign | None, week: str) -> datetime:
    """Where the region's ``week`` ends: where its confirmed report's window ended, else the cut-off.

    A report confirmed before this column was kept ended at its confirmation or the cut-off,
    whichever came first, exactly as ``campaigns.confirm`` stores it now.
    """
    end = nominal_end(campaign, week)
    if report is None:
        return end
    if report.period_end is not None:
        return report.period_end
    if report.confirmed_at is not None:
        return min(report.confirmed_at, end)
    return end


def _report(session: Session, campaign: Campaign, region_code: str, week: str) -> WeeklyReport | None:
    return session.scalars(select(WeeklyReport).where(
        WeeklyReport.campaign_id == campaign.id, WeeklyReport.region_code == region_code,
        WeeklyReport.period == week,
    )).first()


def campaign_windows(
    campaign: Campaign | None, week: str, *, session: Session | None = None,
    region_code: str | None = None,
) -> tuple[Window, Window]:
    """(本周, 累计) windows of a region's week, clipped to the campaign's period.

    With ``session`` and ``region_code`` the edges are the region's: 本周 starts where its
    previous week's table ended and ends where this week's confirmed table ended (else at the
    cut-off). Without them, at the cut-offs.
    """
    this_report = previous = None
    if session is not None and region_code is not None and campaign is not None:
        this_report = _report(session, campaign, region_code, week)
        previous = _report(session, campaign, region_code, shift_week(week, -1))
    end = filed_end(this_report, campaign, week)
    start = filed_end(previous, campaign, shift_week(week, -1))
    if campaign is None:
        return Window(start, end), Window(local_midnight(date(2000, 1, 1)), end)
    first = local_midnight(campaign.starts_on)
    last = local_midnight(campaign.ends_on + timedelta(days=1))
    end = min(end, last)
    start = min(max(start, first), end)
    return Window(start, end), Window(first, end)


def _moment(at: datetime, *, with_year: bool, end: bool) -> str:
    value = local(at)
    if end and value.time() == time(0):  # the end of a day: 3月31日24时, as a form says it
        value -= timedelta(days=1)
        hour = "24时"
    else:
        hour = f"{value.hour}时" + (f"{value.minute:02d}分" if value.minute else "")
    year = f"{value.year}年" if with_year else ""
    return f"{year}{value.month}月{value.day}日{hour}"


def period_label(window: Window) -> str:
    """A week as officers write it: "2025年1月10日12时至1月17日12时" (the year again if it changes)."""
    start, end = local(window.start), local(window.end)
    same_year = start.year == (end - timedelta(microseconds=1)).year
    return (f"{_moment(window.start, with_year=True, end=False)}至"
            f"{_moment(window.end, with_year=not same_year, end=True)}")


def campaign_weeks(campaign: Campaign) -> list[tuple[str, str]]:
    """Every week of a weekly campaign, (key, dates at the cut-offs), first to last: what the
    console offers to choose from instead of ISO week numbers."""
    weeks = []
    week = week_of(local_midnight(campaign.starts_on), campaign)
    last = local_midnight(campaign.ends_on + timedelta(days=1))
    while True:
        this_week, _ = campaign_windows(campaign, week)
        weeks.append((week, period_label(this_week)))
        if nominal_end(campaign, week) >= last:
            return weeks
        week = shift_week(week, 1)


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
    A campaign runs in a week if its period meets the week's (from the previous Friday's
    cut-off to this Friday's, so the days are those of the ISO week shifted back three days).
    """
    if key is not None:
        return campaign_by_key(session, key)
    if week is None:
        raise StatsError("请指定周次（如 2025-W02）或专项行动")
    first = local(nominal_end(None, shift_week(week, -1))).date()
    last = local(nominal_end(None, week)).date()
    return session.scalars(
        select(Campaign)
        .where(Campaign.cadence == "weekly", Campaign.starts_on <= last, Campaign.ends_on >= first)
        .order_by(Campaign.starts_on.desc())
    ).first()


def current_week(session: Session, campaign: Campaign, region_code: str, now: datetime) -> str:
    """The week an officer files now: the one running, unless the last cut-off passed this
    week-end (before Monday 00:00, the old week's edge) and the region has not yet confirmed
    that week's table: a late filer files the week he owes first, then the next."""
    week = week_of(now, campaign)
    previous = shift_week(week, -1)
    owed_end = local(nominal_end(campaign, previous))
    monday = local_midnight(owed_end.date() + timedelta(days=7 - owed_end.weekday()))
    if now >= monday or owed_end.date() < campaign.starts_on:
        return week
    report = _report(session, campaign, region_code, previous)
    return week if report is not None and report.status == "confirmed" else previous
