"""The scheduler's sweeps: reminders and escalations as outbox rows (DESIGN.md §5).

Each sweep is a plain service function taking ``now``: the scheduler (``scheduler/``) calls
it on a timetable, tests call it with any clock. A sweep reads an indexed query (hazards due
by a date, reports past their acknowledgement time) — never one job per hazard — and queues
one outbox row per person under a unique key naming the hazard or period, the kind and the
local day, so running a sweep again (a retry, a restart, a second scheduler, a catch-up
after downtime) never sends anything twice. Sweeps never commit: the caller does.

Timing rules (local time, ``app.timezone``):

- Rectification deadlines (hazards ``rectifying`` with a deadline): the enterprise's managers
  are nudged 3 days and 1 day before, on the day, then every day while overdue, from
  ``daily_at`` on. Overdue ``overdue_county_days`` days: the county officers are told, once
  per deadline; ``overdue_city_days``: the city officers.
- Acknowledgement: a report still ``submitted`` at its ``ack_due_at`` is sent again to the
  officers it went to; ``ack_escalate_hours`` later, to the city officers.
- Weekly (``weekly_day`` at ``weekly_at``): every county and city officer whose region reports
  for a running weekly campaign (``Campaign``) gets the 周调度统计表 reminder with the draft
  figures of ``bot.services.forms.stats``, due at ``weekly_overdue_at``, unless his region already
  confirmed the week's table; each campaign's line carries the signed download link of his
  region's table (``weekly_tables.ReportLinks``, the same link as the chat's “周报”), and the
  note ends with how to file it (“周报 确认”); at ``weekly_overdue_at`` those whose region has still not
  confirmed it (``WeeklyReport.confirmed_at``) get an overdue note.
- Monthly (day ``monthly_day``, the last day of a shorter month): campaign progress reminder
  to officers. Quarterly (day ``inspection_day`` of January, April, July, October; every month
  for metal smelting enterprises): the principals' inspection reminder to managers.
- With ``holiday_shift``, a reminder whose day is a holiday or weekend goes out on the working
  day before; the daily overdue nudge and the escalations simply wait for a working day.
- A period reminder missed while the scheduler was down is still sent (once) within
  ``catchup_hours`` (the weekly one only within its week); a missed deadline nudge is caught
  up once, unless a later nudge point has come meanwhile (that one is sent instead).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Enterprise, Hazard, OutboxMessage, Region, User
from bot.services.forms import campaigns, stats
from bot.services.forms.weekly_tables import LinkTarget, ReportLinks
from bot.services.hazards import workflow_texts as WT
from bot.services.hazards.notifications import city_code_of, new_report_officers, officers_at, scrub
from bot.services.messaging.outbox import queue_message
from bot.services.people.jurisdiction import is_within, jurisdiction_codes
from bot.services.platform.clock import format_local, local, local_tz
from bot.services.platform.workdays import is_workday, on_or_before_workday

# --- kinds (outbox.kind) ----------------------------------------------------------------------

DEADLINE_NUDGE = "deadline_nudge"
DEADLINE_OVERDUE = "deadline_overdue"
OVERDUE_COUNTY = "overdue_county"
OVERDUE_CITY = "overdue_city"
ACK_OVERDUE = "ack_overdue"
ACK_ESCALATE = "ack_escalate"
WEEKLY_STATS = "weekly_stats"
WEEKLY_OVERDUE = "weekly_overdue"
CAMPAIGN = "campaign"
INSPECTION = "inspection"
# Scheduled reminders wait out the quiet hours; workflow messages (a new report…) do not.
QUIET_KINDS = frozenset({
    DEADLINE_NUDGE, DEADLINE_OVERDUE, OVERDUE_COUNTY, OVERDUE_CITY, ACK_OVERDUE, ACK_ESCALATE,
    WEEKLY_STATS, WEEKLY_OVERDUE, CAMPAIGN, INSPECTION,
})

NUDGE_DAYS = (3, 1, 0)
QUARTER_MONTHS = (1, 4, 7, 10)
OFFICERS = ("county_officer", "city_officer")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# --- texts ------------------------------------------------------------------------------------

T_NUDGE = (
    "【整改期限提醒】隐患{number}（{enterprise}）整改期限为{deadline}，{left}。"
    "请按期完成整改，并回复“" + WT.CMD_PROOF + " {number}”提交整改情况。"
)
T_LEFT = {3: "还有3天", 1: "明天到期", 0: "今天到期"}
T_LEFT_N = "还有{n}天"
T_OVERDUE = (
    "【整改逾期】隐患{number}（{enterprise}）整改期限{deadline}已过，已逾期{days}天。"
    "请立即整改并提交整改情况，逾期将上报监管部门。"
)
T_ESCALATE = (
    "【整改逾期升级】隐患{number}（{enterprise}，{level}）整改期限{deadline}，"
    "已逾期{days}天仍未完成整改，请督办。"
)
T_ACK_OVERDUE = (
    "【受理超时】隐患报告{number}（{enterprise}）已超过受理时限（{due}）仍未受理，"
    "请尽快处理（回复“受理 {number}”）。"
)
T_ACK_ESCALATE = (
    "【受理超时升级】隐患报告{number}（{enterprise}）受理时限{due}，"
    "已超过{hours}小时仍未受理，请督促辖区处理。"
)
T_WEEKLY = (
    "【周调度统计表】请于{due}前报送本周《周调度统计表》。\n"
    "以下为本辖区统计草稿（截至{at}）：\n{campaigns}\n整改逾期隐患：{overdue}项\n"
    "核对无误后回复“周报 确认”报送（报送后数据固定、不能再改）。"
)
T_WEEKLY_CAMPAIGN = (
    "{name}（{week}，累计）：检查企业{enterprises}家；一般隐患{general_found}项、已整改{general_fixed}项；"
    "重大隐患{major_found}项、已整改{major_fixed}项"
)
T_WEEKLY_LINK = "\n下载本辖区统计表（{hours}小时内有效）：{url}"
T_WEEKLY_OVERDUE = (
    "【周调度统计表逾期】{name}{week}的《周调度统计表》应于{due}前报送，"
    "{region}尚未确认报送，请尽快核对并确认报送。"
)
T_CAMPAIGN = "【专项行动进展】请于本月{day}日前报送{month}月专项整治行动进展情况。"
T_INSPECTION_Q = (
    "【主要负责人检查提醒】请{enterprise}主要负责人于本季度内组织开展安全生产检查，"
    "并如实记录检查情况。"
)
T_INSPECTION_M = (
    "【主要负责人检查提醒】{enterprise}属金属冶炼企业，请主要负责人于本月内组织开展"
    "安全生产检查，并如实记录检查情况。"
)


# --- settings ---------------------------------------------------------------------------------


def parse_hhmm(value: str, name: str) -> time:
    from bot.config import ConfigError

    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigError(f"{name} must be HH:MM, not {value!r}") from exc


@dataclass(frozen=True)
class ReminderSettings:
    daily_at: time = time(9, 0)
    weekly_day: int = 4  # Friday
    weekly_at: time = time(9, 0)
    weekly_overdue_at: time = time(12, 0)
    ack_escalate: timedelta = timedelta(hours=24)
    overdue_county_days: int = 3
    overdue_city_days: int = 7
    monthly_day: int = 30
    inspection_day: int = 1
    holiday_shift: bool = True
    catchup: timedelta = timedelta(hours=72)
    # Signs the weekly note's download links; None: the note goes without them.
    links: ReportLinks | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Mapping[str, Any]]) -> ReminderSettings:
        from bot.config import ConfigError

        s = config["scheduler"]
        day = str(s["weekly_day"]).lower()
        if day not in WEEKDAYS:
            raise ConfigError(f"scheduler.weekly_day must be one of {', '.join(WEEKDAYS)}, not {day!r}")
        for key in ("monthly_day", "inspection_day"):
            if not 1 <= s[key] <= 31:
                raise ConfigError(f"scheduler.{key} must be between 1 and 31, not {s[key]!r}")
        if not 0 < s["overdue_county_days"] <= s["overdue_city_days"]:
            raise ConfigError("scheduler.overdue_county_days must be positive and at most overdue_city_days")
        return cls(
            daily_at=parse_hhmm(s["daily_at"], "scheduler.daily_at"),
            weekly_day=WEEKDAYS.index(day),
            weekly_at=parse_hhmm(s["weekly_at"], "scheduler.weekly_at"),
            weekly_overdue_at=parse_hhmm(s["weekly_overdue_at"], "scheduler.weekly_overdue_at"),
            ack_escalate=timedelta(hours=s["ack_escalate_hours"]),
            overdue_county_days=s["overdue_county_days"],
            overdue_city_days=s["overdue_city_days"],
            monthly_day=s["monthly_day"],
            inspection_day=s["inspection_day"],
            holiday_shift=s["holiday_shift"],
            catchup=timedelta(hours=s["catchup_hours"]),
            links=ReportLinks.from_config(config),
        )


# --- helpers ----------------------------------------------------------------------------------


def _at(day: date, at: time) -> datetime:
    """A local wall-clock moment as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=local_tz()).astimezone(UTC)


def _effective(day: date, settings: ReminderSettings) -> date:
    return on_or_before_workday(day) if settings.holiday_shift else day


def _sending_day(now: datetime, settings: ReminderSettings) -> date | None:
    """Today (local) once the daily reminders are due, else None."""
    here = local(now)
    return here.date() if here.time() >= settings.daily_at else None


def _in_window(due: datetime, now: datetime, settings: ReminderSettings) -> bool:
    return due <= now < due + settings.catchup


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months_around(today: date) -> list[tuple[int, int]]:
    """Last month, this month and next (a holiday shift or a catch-up may cross months)."""
    y, m = today.year, today.month
    prev = (y - 1, 12) if m == 1 else (y, m - 1)
    nxt = (y + 1, 1) if m == 12 else (y, m + 1)
    return [prev, (y, m), nxt]


def _send(session: Session, users: Iterable[User], *, key: str, kind: str, text: str, now: datetime) -> int:
    queued = 0
    for user in users:
        if queue_message(session, key=f"{key}:{user.id}", openid=user.openid, kind=kind, text=text, now=now):
            queued += 1
    return queued


def _queued(session: Session, key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None


def _managers_by_enterprise(session: Session, enterprise_ids: set[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    ids = sorted(enterprise_ids)
    for start in range(0, len(ids), 500):
        for user in session.scalars(
            select(User)
            .where(User.role == "enterprise_manager", User.enterprise_id.in_(ids[start:start + 500]))
            .order_by(User.id)
        ):
            found[user.enterprise_id].append(user)  # type: ignore[index]
    return found


class _Officers:
    """County and city officers per region, looked up once per sweep."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, str], list[User]] = {}

    def county(self, region_code: str) -> list[User]:
        return self._get("county_officer", region_code)

    def city(self, region_code: str) -> list[User]:
        city = city_code_of(self.session, region_code)
        return self._get("city_officer", city) if city else []

    def _get(self, role: str, code: str) -> list[User]:
        if (role, code) not in self._cache:
            self._cache[(role, code)] = officers_at(self.session, role, code)
        return self._cache[(role, code)]


# --- rectification deadlines ------------------------------------------------------------------


def sweep_deadlines(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Nudge managers before and after their deadline; escalate long-overdue hazards.

    Returns how many messages were queued.
    """
    today = _sending_day(now, settings)
    if today is None:
        return 0
    workday = is_workday(today) or not settings.holiday_shift
    # A nudge day may be moved back over a long holiday: look a little further ahead then.
    horizon = today + timedelta(days=max(NUDGE_DAYS) + (12 if settings.holiday_shift else 0))
    hazards = list(session.scalars(
        select(Hazard)
        .where(Hazard.state == "rectifying", Hazard.deadline.is_not(None), Hazard.deadline <= horizon)
        .order_by(Hazard.deadline, Hazard.id)
    ))
    if not hazards:
        return 0
    managers = _managers_by_enterprise(session, {h.enterprise_id for h in hazards if h.enterprise_id})
    officers = _Officers(session)
    queued = 0
    for hazard in hazards:
        deadline = hazard.deadline
        assert deadline is not None
        days_left = (deadline - today).days
        people = managers.get(hazard.enterprise_id or -1, [])
        key = f"deadline:{hazard.number}:{today.isoformat()}"  # one overdue nudge a day
        if days_left >= 0:
            # The latest nudge point already reached, keyed by that point: sent on its day,
            # or caught up once after downtime (a later point supersedes a missed one).
            reached = [p for p in (deadline - timedelta(days=k) for k in NUDGE_DAYS)
                       if _effective(p, settings) <= today]
            if reached:
                point = max(reached)
                if today - _effective(point, settings) <= settings.catchup:
                    left = T_LEFT.get(days_left) or T_LEFT_N.format(n=days_left)
                    text = T_NUDGE.format(number=hazard.number, enterprise=hazard.enterprise_name,
                                          deadline=deadline.isoformat(), left=left)
                    queued += _send(session, people, key=f"deadline:{hazard.number}:{point.isoformat()}",
                                    kind=DEADLINE_NUDGE, text=scrub(session, hazard, text), now=now)
            continue
        if not workday:
            continue
        overdue = -days_left
        text = T_OVERDUE.format(number=hazard.number, enterprise=hazard.enterprise_name,
                                deadline=deadline.isoformat(), days=overdue)
        queued += _send(session, people, key=key, kind=DEADLINE_OVERDUE,
                        text=scrub(session, hazard, text), now=now)
        for days, kind, group in (
            (settings.overdue_county_days, OVERDUE_COUNTY, officers.county),
            (settings.overdue_city_days, OVERDUE_CITY, officers.city),
        ):
            if overdue >= days:
                text = T_ESCALATE.format(
                    number=hazard.number, enterprise=hazard.enterprise_name, days=overdue,
                    level=WT.LEVEL_NAMES.get(hazard.level or "", "未定级"), deadline=deadline.isoformat())
                # Once per deadline: a new deadline (延期) starts the count again.
                queued += _send(session, group(hazard.region_code),
                                key=f"{kind}:{hazard.number}:{deadline.isoformat()}", kind=kind,
                                text=scrub(session, hazard, text), now=now)
    return queued


# --- acknowledgement --------------------------------------------------------------------------


def sweep_acknowledgements(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Reports past their 受理时限: tell their officers again, later the city."""
    hazards = session.scalars(
        select(Hazard)
        .where(Hazard.ack_due_at <= now, Hazard.state == "submitted")
        .order_by(Hazard.ack_due_at, Hazard.id)
    )
    officers = _Officers(session)
    queued = 0
    for hazard in hazards:
        assert hazard.ack_due_at is not None
        due = format_local(hazard.ack_due_at)
        text = T_ACK_OVERDUE.format(number=hazard.number, enterprise=hazard.enterprise_name, due=due)
        queued += _send(session, new_report_officers(session, hazard), key=f"ack_overdue:{hazard.number}",
                        kind=ACK_OVERDUE, text=scrub(session, hazard, text), now=now)
        if now >= hazard.ack_due_at + settings.ack_escalate:
            hours = int(settings.ack_escalate.total_seconds() // 3600)
            text = T_ACK_ESCALATE.format(number=hazard.number, enterprise=hazard.enterprise_name,
                                         due=due, hours=hours)
            queued += _send(session, officers.city(hazard.region_code), key=f"ack_escalate:{hazard.number}",
                            kind=ACK_ESCALATE, text=scrub(session, hazard, text), now=now)
    return queued


# --- weekly, monthly, quarterly ---------------------------------------------------------------


def _officers(session: Session, roles: Iterable[str]) -> list[User]:
    return list(session.scalars(
        select(User).where(User.role.in_(tuple(roles)), User.region_code.is_not(None)).order_by(User.id)
    ))


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
        sent_on = _effective(day, settings)
        week_end = _at(day + timedelta(days=7 - day.weekday()), time(0))
        if _in_window(_at(sent_on, at), now, settings) and now < week_end:
            yield day, sent_on


def _weekly_campaigns(session: Session, officer: User, day: date) -> list[Campaign]:
    """The weekly campaigns running on ``day`` that the officer's region reports for."""
    assert officer.region_code is not None
    return [c for c in campaigns.active_campaigns(session, _at(day, time(12)))
            if is_within(session, c.region_code, officer.region_code)]


def sweep_weekly(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """The 周调度统计表 reminder with the draft figures (bot.services.forms.stats), once per officer
    and week, to county and city officers whose region reports for a running weekly campaign
    and has not yet confirmed that week's table."""
    queued = 0
    for day, sent_on in _weekly_days(now, settings, settings.weekly_at):
        due = f"{sent_on.month}月{sent_on.day}日{settings.weekly_overdue_at.strftime('%H:%M')}"
        week = stats.week_of(_at(day, time(12)))
        key = f"weekly:{day.isoformat()}"
        for officer in _officers(session, OFFICERS):
            assert officer.region_code is not None
            if _queued(session, f"{key}:{officer.id}"):  # figures are dear: not again in a catch-up
                continue
            running = {c.id for c in _weekly_campaigns(session, officer, day)}
            if not running:
                continue
            lines = [
                T_WEEKLY_CAMPAIGN.format(name=d.campaign_name, **{
                    k: getattr(d, k) for k in ("week", "enterprises", "general_found", "general_fixed",
                                               "major_found", "major_fixed")})
                + _table_link(settings.links, d.campaign_id, officer.region_code, d.week)
                for d in campaigns.draft_counts(session, officer.region_code, _at(day, time(12)))
                if d.campaign_id in running and d.status != "confirmed" and d.week == week
            ]
            if not lines:  # every table already confirmed
                continue
            overdue = overdue_count(session, officer.region_code, today=local(now).date())
            text = T_WEEKLY.format(due=due, at=format_local(now), campaigns="\n".join(lines), overdue=overdue)
            queued += _send(session, [officer], key=key, kind=WEEKLY_STATS,
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
        week = stats.week_of(_at(day, time(12)))
        for officer in _officers(session, OFFICERS):
            assert officer.region_code is not None
            for campaign in _weekly_campaigns(session, officer, day):
                report = campaigns.get_report(session, campaign, officer.region_code, week)
                if report is not None and report.confirmed_at is not None:
                    continue
                region = session.get(Region, officer.region_code)
                text = T_WEEKLY_OVERDUE.format(name=campaign.name, week=week, due=due,
                                               region=region.name if region else "本辖区")
                queued += _send(session, [officer], key=f"weekly_overdue:{day.isoformat()}:{campaign.id}",
                                kind=WEEKLY_OVERDUE, text=text, now=now)
    return queued


def sweep_monthly(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Campaign progress reminder to officers on the 30th (the last day of February)."""
    queued = 0
    for year, month in _months_around(local(now).date()):
        day = _month_day(year, month, settings.monthly_day)
        if not _in_window(_at(_effective(day, settings), settings.daily_at), now, settings):
            continue
        text = T_CAMPAIGN.format(day=day.day, month=month)
        queued += _send(session, _officers(session, (*OFFICERS, "province_officer")),
                        key=f"campaign:{year}-{month:02d}", kind=CAMPAIGN, text=text, now=now)
    return queued


def sweep_inspections(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Principals' inspection reminder: quarterly, monthly for metal smelting enterprises."""
    queued = 0
    for year, month in _months_around(local(now).date()):
        day = _month_day(year, month, settings.inspection_day)
        if not _in_window(_at(_effective(day, settings), settings.daily_at), now, settings):
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
            queued += _send(session, [user], key=f"inspection:{year}-{month:02d}", kind=INSPECTION,
                            text=template.format(enterprise=ent.name), now=now)
    return queued


SWEEPS = {
    "deadlines": sweep_deadlines,
    "acknowledgements": sweep_acknowledgements,
    "weekly": sweep_weekly,
    "weekly_overdue": sweep_weekly_overdue,
    "monthly": sweep_monthly,
    "inspections": sweep_inspections,
}


def run_all(session: Session, *, now: datetime, settings: ReminderSettings) -> dict[str, int]:
    """Every sweep once (the scheduler's start-up catch-up; tests' simulated clock)."""
    return {name: sweep(session, now=now, settings=settings) for name, sweep in SWEEPS.items()}
