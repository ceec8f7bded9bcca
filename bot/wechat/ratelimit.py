"""A per-user message rate limit on ``/wechat`` (fixed one-minute windows).

Why: a signed message can only come through WeChat, but one follower (or a script on a
phone) can still send hundreds a minute, each of which costs a transaction, and fill an
officer's queue. Past ``wechat.max_messages_per_minute`` a user gets a short Chinese answer
and nothing is processed or recorded; the next minute he is served again.

With Redis (``[redis] url``) the count is shared by every process; without it each process
counts on its own (a single dev process). Redis trouble never blocks anybody: the limiter
then lets the message through and logs a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
TOO_FAST = "您发送消息过于频繁，请一分钟后再试。"


class RateLimiter(Protocol):
    def allow(self, user: str, message: str) -> bool:
        """Count ``message`` (its de-duplication key) for ``user``; False when over the limit.

        Distinct messages are counted, not deliveries: WeChat's retries of a message that was
        let through are let through again (they must get the logged answer), and a message
        refused once is refused on every retry in the same window.
        """
        ...


class MemoryRateLimiter:
    """Per-process counts; the previous window is dropped when a new one starts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: dict[str, set[str]] = {}
        self._window = -1
        self._lock = threading.Lock()

    def allow(self, user: str, message: str) -> bool:
        window = int(time.time() // WINDOW_SECONDS)
        with self._lock:
            if window != self._window:
                self._seen.clear()
                self._window = window
            seen = self._seen.setdefault(user, set())
            if message in seen:
                return True
            if len(seen) >= self.limit:
                return False
            seen.add(message)
            return True


class RedisRateLimiter:
    """A set of message keys per user and window, ``<prefix>:ratelimit:<user>:<window>``."""

    def __init__(self, client: object, limit: int, *, key_prefix: str) -> None:
        self.client = client
        self.limit = limit
        self.prefix = f"{key_prefix}:ratelimit"

    def allow(self, user: str, message: str) -> bool:
        import redis

        name = f"{self.prefix}:{user}:{int(time.time() // WINDOW_SECONDS)}"
        try:
            pipe = self.client.pipeline()  # type: ignore[attr-defined]
            pipe.sadd(name, message)
            pipe.scard(name)
            pipe.expire(name, 2 * WINDOW_SECONDS)
            added, count, _ = pipe.execute()
            if added and int(count) > self.limit:
                self.client.srem(name, message)  # type: ignore[attr-defined]
                return False
        except redis.RedisError as exc:
            log.warning("rate limit not checked (Redis: %s); message let through", type(exc).__name__)
        return True


class NoRateLimit:
    def allow(self, user: str, message: str) -> bool:
        return True
