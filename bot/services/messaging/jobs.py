"""A small persisted job queue for work that must not run inside WeChat's 5-second window.

Jobs are rows: enqueued in the same transaction as their cause, claimed with a lease by a
conditional UPDATE (so two workers in two processes never run one job at once), retried with
backoff, and marked failed loudly after too many attempts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Job
from bot.services.platform.dml import affected_rows

log = logging.getLogger(__name__)

# Longer than any job may take (a photo download times out in seconds), short enough that a
# job of a killed worker is picked up again soon.
LEASE = timedelta(seconds=90)



@dataclass(frozen=True)
class JobRun:
    """What a handler knows of this run: on the last attempt it should settle, not raise."""

    now: datetime
    attempt: int
    is_last: bool


# Handlers get the session factory, not an open session: they must keep network calls
# outside transactions (an SQLite write lock held during a download stalls every request).
JobHandler = Callable[[sessionmaker[Session], dict[str, Any], JobRun], None]


class RetryLater(Exception):
    """A job that failed for a passing reason (network, WeChat busy): try again later."""


def enqueue(session: Session, *, kind: str, key: str, payload: dict[str, Any], now: datetime) -> Job:
    """Add a job; enqueueing the same key twice is a no-op that returns the existing job."""
    job = Job(kind=kind, key=key, payload=payload, status="pending", run_after=now, created_at=now)
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return session.scalars(select(Job).where(Job.key == key)).one()
    return job


def _claim(session_factory: sessionmaker[Session], now: datetime) -> Job | None:
    """Take one due job under a lease, or None when none is due.

    Several due jobs are looked at, so losing a race for the first to another worker does
    not end this worker's pass.
    """
    with session_factory() as session:
        candidates = session.scalars(
            select(Job.id)
            .where(
                or_(
                    (Job.status == "pending") & (Job.run_after <= now),
                    (Job.status == "running") & (Job.locked_until < now),  # a crashed worker's
                )
            )
            .order_by(Job.run_after, Job.id)
            .limit(5)
        ).all()
        for candidate in candidates:
            claimed = affected_rows(session.execute(
                update(Job)
                .where(Job.id == candidate)
                .where(Job.status.in_(("pending", "running")))
                .where(or_(Job.locked_until.is_(None), Job.locked_until < now))
                .values(status="running", locked_until=now + LEASE, attempts=Job.attempts + 1)
            ))
            if claimed:
                session.commit()
                return session.get(Job, candidate)
        session.rollback()
        return None


DEFAULT_BACKOFF_MAX_SECONDS = 300.0


def retry_delay(
    attempts: int, base_seconds: float, max_seconds: float = DEFAULT_BACKOFF_MAX_SECONDS
) -> timedelta:
    """Doubling delays, capped: a long WeChat outage is ridden out by many tries, and a
    message waits at most ``max_seconds`` once WeChat is back (uncapped, the twelfth try of
    a 5 s base would come 85 minutes after the one before)."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))


def run_due_jobs(
    session_factory: sessionmaker[Session],
    handlers: dict[str, JobHandler],
    *,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
    backoff_max_seconds: float = DEFAULT_BACKOFF_MAX_SECONDS,
    limit: int = 50,
) -> int:
    """Run due jobs one transaction each; returns how many ran."""
    ran = 0
    while ran < limit:
        job = _claim(session_factory, now)
        if job is None:
            break
        ran += 1
        _run_one(session_factory, job, handlers, now, max_attempts, (backoff_seconds, backoff_max_seconds))
    return ran


def _run_one(
    session_factory: sessionmaker[Session],
    job: Job,
    handlers: dict[str, JobHandler],
    now: datetime,
    max_attempts: int,
    backoff: tuple[float, float],
) -> None:
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        run = JobRun(now=now, attempt=job.attempts, is_last=job.attempts >= max_attempts)
        handler(session_factory, dict(job.payload), run)
    except Exception as exc:  # noqa: BLE001 - a job must never kill the worker
        error = f"{type(exc).__name__}: {exc}"[:500]
        expected = isinstance(exc, RetryLater)
        (log.warning if expected else log.exception)("job %s %s failed: %s", job.id, job.kind, error)
        values = _after_failure(job, error, now, max_attempts, backoff)
    else:
        values = {"status": "done", "locked_until": None}
    with session_factory() as session:
        session.execute(update(Job).where(Job.id == job.id).values(**values))
        session.commit()


def _after_failure(
    job: Job, error: str, now: datetime, max_attempts: int, backoff: tuple[float, float]
) -> dict[str, Any]:
    if job.attempts >= max_attempts:
        log.error("job %s %s gave up after %s attempts: %s", job.id, job.kind, job.attempts, error)
        return {"status": "failed", "locked_until": None, "last_error": error}
    delay = retry_delay(job.attempts, *backoff)
    return {"status": "pending", "locked_until": None, "last_error": error, "run_after": now + delay}
