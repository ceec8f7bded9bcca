"""Sweeps over hazards: rectification deadlines (nudges, overdue, escalation) and reports past
their 受理时限 (acknowledgement).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Hazard, User
from bot.services.hazards import workflow_texts as WT
from bot.services.hazards.notifications import new_report_officers
from bot.services.people.anonymity import scrub, scrub_for_enterprise
from bot.services.platform.clock import format_local
from bot.services.platform.workdays import is_workday
from bot.services.reminders.common import Officers, effective_day, notify, sending_day
from bot.services.reminders.settings import (
    ACK_ESCALATE,
    ACK_OVERDUE,
    DEADLINE_NUDGE,
    DEADLINE_OVERDUE,
    NUDGE_DAYS,
    OVERDUE_CITY,
    OVERDUE_COUNTY,
    ReminderSettings,
)
from bot.services.reminders.texts import (
    T_ACK_ESCALATE,
    T_ACK_OVERDUE,
    T_ESCALATE,
    T_LEFT,
    T_LEFT_N,
    T_NUDGE,
    T_OVERDUE,
)


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


def sweep_deadlines(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Nudge managers before and after their deadline; escalate long-overdue hazards.

    What reaches the managers goes through ``scrub_for_enterprise``, what reaches officers
    through ``scrub``, like every other message about a hazard (``hazards.notifications``).

    Returns how many messages were queued.
    """
    today = sending_day(now, settings)
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
    officers = Officers(session)
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
                       if effective_day(p, settings) <= today]
            if reached:
                point = max(reached)
                if today - effective_day(point, settings) <= settings.catchup:
                    left = T_LEFT.get(days_left) or T_LEFT_N.format(n=days_left)
                    text = T_NUDGE.format(number=hazard.number, enterprise=hazard.enterprise_name,
                                          deadline=deadline.isoformat(), left=left)
                    queued += notify(session, people, key=f"deadline:{hazard.number}:{point.isoformat()}",
                                    kind=DEADLINE_NUDGE, text=scrub_for_enterprise(session, hazard, text),
                                    now=now)
            continue
        if not workday:
            continue
        overdue = -days_left
        text = T_OVERDUE.format(number=hazard.number, enterprise=hazard.enterprise_name,
                                deadline=deadline.isoformat(), days=overdue)
        queued += notify(session, people, key=key, kind=DEADLINE_OVERDUE,
                        text=scrub_for_enterprise(session, hazard, text), now=now)
        for days, kind, group in (
            (settings.overdue_county_days, OVERDUE_COUNTY, officers.county),
            (settings.overdue_city_days, OVERDUE_CITY, officers.city),
        ):
            if overdue >= days:
                text = T_ESCALATE.format(
                    number=hazard.number, enterprise=hazard.enterprise_name, days=overdue,
                    level=WT.LEVEL_NAMES.get(hazard.level or "", "未定级"), deadline=deadline.isoformat())
                # Once per deadline: a new deadline (延期) starts the count again.
                queued += notify(session, group(hazard.region_code),
                                key=f"{kind}:{hazard.number}:{deadline.isoformat()}", kind=kind,
                                text=scrub(session, hazard, text), now=now)
    return queued


def sweep_acknowledgements(session: Session, *, now: datetime, settings: ReminderSettings) -> int:
    """Reports past their 受理时限: tell their officers again, later the city."""
    hazards = session.scalars(
        select(Hazard)
        .where(Hazard.ack_due_at <= now, Hazard.state == "submitted")
        .order_by(Hazard.ack_due_at, Hazard.id)
    )
    officers = Officers(session)
    queued = 0
    for hazard in hazards:
        assert hazard.ack_due_at is not None
        due = format_local(hazard.ack_due_at)
        text = T_ACK_OVERDUE.format(number=hazard.number, enterprise=hazard.enterprise_name, due=due)
        queued += notify(session, new_report_officers(session, hazard), key=f"ack_overdue:{hazard.number}",
                        kind=ACK_OVERDUE, text=scrub(session, hazard, text), now=now)
        if now >= hazard.ack_due_at + settings.ack_escalate:
            hours = int(settings.ack_escalate.total_seconds() // 3600)
            text = T_ACK_ESCALATE.format(number=hazard.number, enterprise=hazard.enterprise_name,
                                         due=due, hours=hours)
            queued += notify(session, officers.city(hazard.region_code), key=f"ack_escalate:{hazard.number}",
                            kind=ACK_ESCALATE, text=scrub(session, hazard, text), now=now)
    return queued
