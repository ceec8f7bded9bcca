"""Fixed-window rate limits for report creation, per user and per IP address.

Counters live in Redis when ``redis.url`` is set (shared by every app process, expiring
by themselves), else in the database (``rate_limit_counters``), so SQLite and dev mode need
nothing else. A Redis that cannot be reached falls back to the database rather than failing
the report. Keys are HMACs of the user id or address: the counters must not become a list
of who reported when (an anonymous report would be linked through its time).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
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

    def hit(self, limits: list[Limit], *, now: datetime) -> Exceeded | None:
        """Count one hit against every limit; the first limit now over its maximum, if any."""
        start = self.window_start(now)
        retry_after = max(1, int((start + timedelta(seconds=self.window) - now).total_seconds()))
        counts = self._incr_all([self.key(limit) for limit in limits], start)
        for limit, count in zip(limits, counts, strict=True):
            if count > limit.max_count:
                return Exceeded(limit.name, retry_after)
        return None

    def _incr_all(self, keys: list[str], start: datetime) -> list[int]:
        if self.redis is not None:
            try:
                return self._incr_redis(keys, start)
            except Exception as exc:  # noqa: BLE001 - redis-py raises many kinds; never fail a report on it
                log.warning("rate limiter: Redis unavailable (%s); counting in the database", exc)
        return self._incr_db(keys, start)

    def _incr_redis(self, keys: list[str], start: datetime) -> list[int]:
        pipe = self.redis.pipeline()
        for key in keys:
            name = f"{self.prefix}{key}:{int(start.timestamp())}"
            pipe.incr(name)
            pipe.expire(name, self.window + 60)
        results = pipe.execute()
        return [int(results[i]) for i in range(0, len(results), 2)]

    def _incr_db(self, keys: list[str], start: datetime) -> list[int]:
        counts = []
        with self.session_factory() as session:
            # Old windows are of no use: drop them as we go (the primary key's order helps).
            session.execute(delete(RateLimitCounter).where(RateLimitCounter.window_start < start))
            for key in keys:
                counts.append(_incr_row(session, key, start))
            session.commit()
        return counts


def _incr_row(session: Session, key: str, start: datetime) -> int:
    where = (RateLimitCounter.key == key, RateLimitCounter.window_start == start)
    if not affected_rows(session.execute(
        update(RateLimitCounter).where(*where).values(count=RateLimitCounter.count + 1)
        .execution_options(synchronize_session=False)
    )):
        try:
            with session.begin_nested():
                session.add(RateLimitCounter(key=key, window_start=start, count=1))
            return 1
        except IntegrityError:  # another request created it in between (PostgreSQL)
            session.execute(
                update(RateLimitCounter).where(*where).values(count=RateLimitCounter.count + 1)
                .execution_options(synchronize_session=False)
            )
    return int(session.scalar(select(RateLimitCounter.count).where(*where)) or 0)
