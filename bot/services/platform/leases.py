"""Leases: at most one holder of a named role at a time, across processes and hosts.

A lease is a row taken or renewed by one conditional statement ("free, expired, or already
mine"), so two schedulers started together cannot both believe they lead; the loser stands
by and takes over when the leader stops renewing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import SchedulerLease
from bot.services.platform.dml import affected_rows


def acquire(session: Session, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; commits. True if held.

    The first-ever row may be inserted by two threads or processes at once; the loser of
    that insert tries the conditional update again, so a thread of the holder itself (jobs
    of one scheduler start together) still finds the lease its own.
    """
    for attempt in range(2):
        taken = affected_rows(session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name)
            .where(or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=now + ttl)
        ))
        if taken:
            session.commit()
            return True
        if attempt:
            break
        try:
            session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
            session.commit()
            return True
        except IntegrityError:  # the row exists (perhaps just inserted): look again
            session.rollback()
    session.rollback()
    return False


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease up (on a clean shutdown), so a stand-by takes over at once."""
    session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC))
    )
    session.commit()


def holder_of(session: Session, name: str) -> SchedulerLease | None:
    return session.get(SchedulerLease, name)
