"""Sweeps on the calendar: the Friday 周调度统计表 and its 12:00 overdue note, the monthly progress
reminder, the principals' quarterly (monthly for metal smelting) inspection reminder.

The week a Friday's notes speak of is the one whose cut-off falls on that Friday
(``periods.week_key``), named by its dates, as the table itself names it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Enterprise, Hazard, Region, User
from bot.services.forms import campaigns, periods
from bot.services.forms.weekly_tables import LinkTarget, ReportLinks
from bot.services.people.jurisdiction import is_within, jurisdiction_codes
from bot.services.platform.clock import format_local, local
from bot.services.reminders.common import (
    already_queued,
    at_local,
    effective_day,
    in_catchup_window,
    month_day,
    months_around,
    notify,
    officers_with_roles,
)
from bot.services.reminders.settings import (
    CAMPAIGN,
    INSPECTION,
    OFFICERS,
    QUARTER_MONTHS,
    WEEKLY_OVERDUE,
    WEEKLY_STATS,
    ReminderSettings,
)
from bot.services.reminders.texts import (
    T_CAMPAIGN,
    T_INSPECTION_M,
    T_INSPECTION_Q,
    T_WEEKLY,
    T_WEEKLY_CAMPAIGN,
    T_WEEKLY_LINK,
    T_WEEKLY_OVERDUE,
)


def overdue_count(session: Session, region_code: str, *, today: date) -> int:
    """Rectifying hazards past their deadline in the jurisdiction (for the weekly note)."""
    codes = jurisdiction_codes(session, region_code)
    if not codes:
        return 0
    return session.scalar(
        select(func.count()).select_from(Hazard)
        .where(Hazard.region_code.in_(codes), Hazard.state == "rectifying", Hazard.deadline < today)
    ) or 0


def _weekly_days(now: datetime, settings: ReminderSettings, at: time) -> Iterable[tuple[date, date]]:
    """(nominal weekly day, day it goes out) for the weeks whose reminder at ``at`` is due
    now or was missed within the catch-up window (a stale week's table is moot)."""
    today = local(now).date()
    this = today - timedelta(days=(today.weekday() - settings.weekly_day) % 7)
    for day in (this - timedelta(days=7), this, this + timedelta(days=7)):
        sent_on = effective_day(day, settings)
        week_end = at_local(day + timedelta(days=7 - day.weekday()), time(0))
        if in_catchup_window(at_local(sent_on, at), now, settings) and now < week_end:
            yield day, sent_on


def _weekly_campaigns(session: Session, officer: User, day: date) -> list[Campaign]:
    """The weekly campaigns running on ``day`` that the officer's region reports for."""
    assert officer.region_code is not None
    return [c for c in campaigns.active_campaigns(session, at_local(day, time(12)))
            if is_within(session, c.region_code, officer.region_code)]


def sweep_weekly(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """The 周调度统计表 reminder with the draft figures (bot.services.forms.figures), once per officer
    and week, to county and city officers whose region reports for a running weekly campaign
    and has not yet confirmed that week's table."""
    queued = 0
    for day, sent_on in _weekly_days(now, settings, settings.weekly_at):
        due = f"{sent_on.month}月{sent_on.day}日{settings.weekly_overdue_at.strftime('%H:%M')}"
        week = periods.week_key(day)
        key = f"weekly:{day.isoformat()}"
        for officer in officers_with_roles(session, OFFICERS):
            assert officer.region_code is not None
            if already_queued(session, f"{key}:{officer.id}"):  # figures are dear: not again in a catch-up
                continue
            running = {c.id for c in _weekly_campaigns(session, officer, day)}
            if not running:
                continue
            lines = [
                T_WEEKLY_CAMPAIGN.format(name=d.campaign_name, week=d.period, **{
                    k: getattr(d, k) for k in ("enterprises", "general_found", "general_fixed",
                                               "major_found", "major_fixed")})
                + _table_link(settings.links, d.campaign_id, officer.region_code, d.week)
                for d in campaigns.draft_counts(session, officer.region_code, at_local(day, time(12)), week)
                if d.campaign_id in running and d.status != "confirmed" and d.week == week
            ]
            if not lines:  # every table already confirmed
                continue
            overdue = overdue_count(session, officer.region_code, today=local(now).date())
            text = T_WEEKLY.format(due=due, at=format_local(now), campaigns="\n".join(lines), overdue=overdue)
            queued += notify(session, [officer], key=key, kind=WEEKLY_STATS,
                            text=text, now=now)
    return queued


def _table_link(links: ReportLinks | None, campaign_id: int, region_code: str, week: str) -> str:
    """The line with the download link of the region's table, or nothing without links."""
    if links is None:
        return ""
    return T_WEEKLY_LINK.format(hours=links.hours, url=links.url(LinkTarget(campaign_id, region_code, week)))


def sweep_weekly_overdue(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Friday 12:00: an overdue note to the officers whose region has not confirmed the week's
    周调度统计表 (WeeklyReport) of a running weekly campaign, once per campaign and week."""
    queued = 0
    for day, sent_on in _weekly_days(now, settings, settings.weekly_overdue_at):
        due = f"{sent_on.month}月{sent_on.day}日{settings.weekly_overdue_at.strftime('%H:%M')}"
        week = periods.week_key(day)
        for officer in officers_with_roles(session, OFFICERS):
            assert officer.region_code is not None
            for campaign in _weekly_campaigns(session, officer, day):
                report = campaigns.get_report(session, campaign, officer.region_code, week)
                if report is not None and report.confirmed_at is not None:
                    continue
                region = session.get(Region, officer.region_code)
                label = campaigns.week_label(session, campaign, officer.region_code, week)
                text = T_WEEKLY_OVERDUE.format(name=campaign.name, week=label, due=due,
                                               region=region.name if region else "本辖区")
                queued += notify(session, [officer], key=f"weekly_overdue:{day.isoformat()}:{campaign.id}",
                                kind=WEEKLY_OVERDUE, text=text, now=now)
    return queued


def sweep_monthly(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Campaign progress reminder to officers on the 30th (the last day of February)."""
    queued = 0
    for year, month in months_around(local(now).date()):
        day = month_day(year, month, settings.monthly_day)
        if not in_catchup_window(at_local(effective_day(day, settings), settings.daily_at), now, settings):
            continue
        text = T_CAMPAIGN.format(day=day.day, month=month)
        queued += notify(session, officers_with_roles(session, (*OFFICERS, "province_officer")),
                        key=f"campaign:{year}-{month:02d}", kind=CAMPAIGN, text=text, now=now)
    return queued


def sweep_inspections(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Principals' inspection reminder: quarterly, monthly for metal smelting enterprises."""
    queued = 0
    for year, month in months_around(local(now).date()):
        day = month_day(year, month, settings.inspection_day)
        if not in_catchup_window(at_local(effective_day(day, settings), settings.daily_at), now, settings):
            continue
        query = (
            select(User, Enterprise)
            .join(Enterprise, Enterprise.id == User.enterprise_id)
            .where(User.role == "enterprise_manager")
            .order_by(User.id)
        )
        if month not in QUARTER_MONTHS:
            query = query.where(Enterprise.metal_smelting.is_(True))
        for user, ent in session.execute(query).tuples():
            template = T_INSPECTION_M if ent.metal_smelting else T_INSPECTION_Q
            queued += notify(session, [user], key=f"inspection:{year}-{month:02d}", kind=INSPECTION,
                            text=template.format(enterprise=ent.name), now=now)
    return queued
