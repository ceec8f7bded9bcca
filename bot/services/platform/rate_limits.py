"""Fixed-window rate limits, per user and per IP address: report creation, failed lookups.

Counters live in Redis when ``redis.url`` is set (shared by every app process, expiring
by themselves), else in the database (``rate_limit_counters``), so SQLite and dev mode need
nothing else. A Redis that cannot be reached falls back to the database rather than failing
the report. Keys are HMACs of the user id or address: the counters must not become a list
of who reported when (an anonymous report would be linked through its time).

A caller inside a transaction of its own (a chat message) passes its ``session``: the count
is then written in that transaction, not in a second connection that SQLite would lock out.
``refund`` takes a hit back (a lookup that succeeded is not a failure), so a limit can be
counted *before* the costly work and still count only what failed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import RateLimitCounter
from bot.services.platform.dml import affected_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str  # "user" | "ip"
    subject: str  # the user id or the address
    max_count: int


@dataclass(frozen=True)
class Exceeded:
    name: str
    retry_after: int  # seconds until the window ends


class RateLimiter:
    """Counts hits per key and window; ``hit`` answers whether any limit is now exceeded."""

    def __init__(
        self, session_factory: sessionmaker[Session], *, secret: str, window_seconds: int,
        redis_url: str = "", prefix: str = "hazardbot:rl:",
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("api.rate_window_seconds must be more than 0")
        self.session_factory = session_factory
        self.secret = secret.encode()
        self.window = window_seconds
        self.prefix = prefix
        self.redis: Any = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)

    def key(self, limit: Limit) -> str:
        digest = hmac.new(self.secret, f"{limit.name}:{limit.subject}".encode(), hashlib.sha256)
        return f"{limit.name}:{digest.hexdigest()[:40]}"

    def window_start(self, now: datetime) -> datetime:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.window, UTC)

    def hit(
        self, limits: list[Limit], *, now: datetime, session: Session | None = None
    ) -> Exceeded | None:
        """Count one hit against every limit; the first limit now over its maximum, if any.

        With ``session`` (and no Redis) the counts are written in the caller's transaction.
        """
        start = self.window_start(now)
        retry_after = max(1, int((start + timedelta(seconds=self.window) - now).total_seconds()))
        counts = self._incr_all([self.key(limit) for limit in limits], start, session, step=1)
        for limit, count in zip(limits, counts, strict=True):
            if count > limit.max_count:
                return Exceeded(limit.name, retry_after)
        return None

    def refund(self, limits: list[Limit], *, now: datetime, session: Session | None = None) -> None:
        """Take back one hit of ``hit(limits, now=now)`` (the same ``now``: the same window)."""
        self._incr_all([self.key(limit) for limit in limits], self.window_start(now), session, step=-1)

    def _incr_all(
        self, keys: list[str], start: datetime, session: Session | None, *, step: int
    ) -> list[int]:
        if self.redis is not None:
            try:
                return self._incr_redis(keys, start, step)
            except Exception as exc:  # noqa: BLE001 - redis-py raises many kinds; never fail a report on it
                log.warning("rate limiter: Redis unavailable (%s); counting in the database", exc)
        if session is not None:
            # Only this caller's keys: a whole-table prune inside a longer transaction would
            # lock rows other requests count on (retention drops the rest).
            session.execute(delete(RateLimitCounter).where(
                RateLimitCounter.key.in_(keys), RateLimitCounter.window_start < start))
            return [_incr_row(session, key, start, step) for key in keys]
        return self._incr_db(keys, start, step)

    def _incr_redis(self, keys: list[str], start: datetime, step: int) -> list[int]:
        pipe = self.redis.pipeline()
        for key in keys:
            name = f"{self.prefix}{key}:{int(start.timestamp())}"
            pipe.incrby(name, step)
            pipe.expire(name, self.window + 60)
        results = pipe.execute()
        return [int(results[i]) for i in range(0, len(results), 2)]

    def _incr_db(self, keys: list[str], start: datetime, step: int) -> list[int]:
        counts = []
        # Old windows are of no use: drop them as we go (the primary key's order helps), but
        # only this limiter's (its limits' names): another limiter's window may be longer.
        names = {key.split(":", 1)[0] for key in keys}
        with self.session_factory() as session:
            session.execute(delete(RateLimitCounter).where(
                RateLimitCounter.window_start < start,
                or_(*(RateLimitCounter.key.startswith(f"{name}:", autoescape=True) for name in names))))
            for key in keys:
                counts.append(_incr_row(session, key, start, step))
            session.commit()
        return counts


def _incr_row(session: Session, key: str, start: datetime, step: int = 1) -> int:
    where = (RateLimitCounter.key == key, RateLimitCounter.window_start == start)
    if not affected_rows(session.execute(
        update(RateLimitCounter).where(*where).values(count=RateLimitCounter.count + step)
        .execution_options(synchronize_session=False)
    )):
        if step < 0:  # nothing to take back (the window was pruned in between)
            return 0
        try:
            with session.begin_nested():
                session.add(RateLimitCounter(key=key, window_start=start, count=step))
            return step
        except IntegrityError:  # another request created it in between (PostgreSQL)
            session.execute(
                update(RateLimitCounter).where(*where).values(count=RateLimitCounter.count + step)
                .execution_options(synchronize_session=False)
            )
    return int(session.scalar(select(RateLimitCounter.count).where(*where)) or 0)
