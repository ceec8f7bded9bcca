"""A controllable clock for the scheduler tests: local times, hourly simulation, outbox reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Campaign, OutboxMessage
from bot.services.reminders import sweeps
from bot.services.reminders.settings import ReminderSettings

LOCAL = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def L(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A local wall-clock time in Shanxi, as aware UTC (what the code stores)."""
    return datetime(y, m, d, h, mi, tzinfo=LOCAL).astimezone(UTC)


def hours(start: datetime, end: datetime) -> Iterator[datetime]:
    t = start
    while t < end:
        yield t
        t += H


def sweep(factory: sessionmaker[Session], now: datetime, settings: ReminderSettings,
          names: tuple[str, ...] | None = None) -> None:
    with factory() as session:
        for name, fn in sweeps.SWEEPS.items():
            if names is None or name in names:
                fn(session, now=now, settings=settings)
        session.commit()


def rows(factory: sessionmaker[Session], *kinds: str) -> list[OutboxMessage]:
    with factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kinds:
            query = query.where(OutboxMessage.kind.in_(kinds))
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def local_day(dt: datetime) -> date:
    return dt.astimezone(LOCAL).date()


def weekly_campaign(factory: sessionmaker[Session], starts: date, ends: date, *, region: str = "140000",
                    doc: str = "晋应急发〔2026〕1号") -> int:
    """A province-wide weekly campaign (周调度, Friday) running from ``starts`` to ``ends``."""
    with factory() as session:
        campaign = Campaign(
            doc_number=doc, name="冶金工贸行业隐患排查整治专项行动", region_code=region,
            starts_on=starts, ends_on=ends, cadence="weekly", due_weekday=4, due_time="12:00",
            form="weekly_dispatch", created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        session.add(campaign)
        session.commit()
        return campaign.id
