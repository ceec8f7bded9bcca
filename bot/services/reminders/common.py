"""What every sweep shares: local moments, the catch-up window, one message per person and key."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import OutboxMessage, User
from bot.services.hazards.notifications import city_code_of, officers_at
from bot.services.messaging.outbox import queue_message
from bot.services.platform.clock import local, local_tz
from bot.services.platform.workdays import on_or_before_workday
from bot.services.reminders.settings import ReminderSettings


def at_local(day: date, at: time) -> datetime:
    """A local wall-clock moment as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=local_tz()).astimezone(UTC)


def effective_day(day: date, settings: ReminderSettings) -> date:
    return on_or_before_workday(day) if settings.holiday_shift else day


def sending_day(now: datetime, settings: ReminderSettings) -> date | None:
    """Today (local) once the daily reminders are due, else None."""
    here = local(now)
    return here.date() if here.time() >= settings.daily_at else None


def in_catchup_window(due: datetime, now: datetime, settings: ReminderSettings) -> bool:
    return due <= now < due + settings.catchup


def month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def months_around(today: date) -> list[tuple[int, int]]:
    """Last month, this month and next (a holiday shift or a catch-up may cross months)."""
    y, m = today.year, today.month
    prev = (y - 1, 12) if m == 1 else (y, m - 1)
    nxt = (y + 1, 1) if m == 12 else (y, m + 1)
    return [prev, (y, m), nxt]


def notify(session: Session, users: Iterable[User], *, key: str, kind: str, text: str, now: datetime) -> int:
    queued = 0
    for user in users:
        if queue_message(session, key=f"{key}:{user.id}", openid=user.openid, kind=kind, text=text, now=now):
            queued += 1
    return queued


def already_queued(session: Session, key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None


class Officers:
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


def officers_with_roles(session: Session, roles: Iterable[str]) -> list[User]:
    return list(session.scalars(
        select(User).where(User.role.in_(tuple(roles)), User.region_code.is_not(None)).order_by(User.id)
    ))
