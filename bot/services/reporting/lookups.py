"""Lookups that cannot be farmed: failed ``查询 编号 查询码`` limited per user and per address.

Why: a query code is short (8 of 31 symbols) and each check costs a hash (slow on purpose),
so unlimited wrong guesses would both farm codes and fill the cores. Every lookup takes a
hit *before* any hash is computed and a lookup that finds the report gives it back: only
failures count, and a burst of parallel guesses is counted before any of them is checked.
The chat counts per user; the API per user and per source address. Over the limit the
person is told how long to wait (the same words in chat and in the API's 429).

Counters: ``platform.rate_limits.RateLimiter`` (Redis when configured, else the database),
under limit names of their own (``query_user``, ``query_ip``) so they never mix with the
report-creation counts. Settings: ``[queries]`` in the config.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.config import ConfigError
from bot.models import Hazard, User
from bot.services.platform.rate_limits import Limit, RateLimiter
from bot.services.reporting.reports import ReportError, lookup_status

TOO_MANY_LOOKUPS = "查询失败次数过多，请{minutes}分钟后再试。"


@dataclass(frozen=True)
class QueryLimits:
    """Failed lookups allowed per window (config section ``[queries]``)."""

    failures_per_user: int = 10
    failures_per_ip: int = 50
    window_seconds: int = 900

    @classmethod
    def from_config(cls, config: Mapping[str, Mapping[str, Any]]) -> QueryLimits:
        q = config["queries"]
        limits = cls(int(q["failures_per_user"]), int(q["failures_per_ip"]), int(q["window_seconds"]))
        if limits.failures_per_user <= 0 or limits.failures_per_ip <= 0:
            raise ConfigError("queries.failures_per_user and queries.failures_per_ip must be more than 0")
        if not 0 < limits.window_seconds <= int(config["api"]["rate_window_seconds"]):
            # Retention drops counters older than api.rate_window_seconds: a longer window
            # would lose its counts half-way.
            raise ConfigError("queries.window_seconds must be more than 0 and at most "
                              "api.rate_window_seconds")
        return limits


class TooManyLookups(ReportError):
    """Over the limit of failed lookups; the message says how many minutes to wait."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(TOO_MANY_LOOKUPS.format(minutes=max(1, math.ceil(retry_after / 60))))


class QueryGuard:
    """Counts failed lookups against the limits; the one way chat and API look a report up."""

    def __init__(self, limiter: RateLimiter, limits: QueryLimits) -> None:
        self.limiter = limiter
        self.limits = limits

    def lookup(
        self, session: Session, number: str, *, asker: User, query_code: str | None, now: datetime,
        ip: str | None = None,
    ) -> Hazard | None:
        """``reports.lookup_status`` behind the limit, counted in ``session``'s transaction
        (the chat's message); raises TooManyLookups before any hash when over it."""
        self.admit(asker.id, ip=ip, now=now, session=session)
        hazard = lookup_status(session, number, asker=asker, query_code=query_code)
        if hazard is not None:
            self.forgive(asker.id, ip=ip, now=now, session=session)
        return hazard

    def admit(self, user_id: int, *, ip: str | None, now: datetime, session: Session | None = None) -> None:
        """Count one lookup; TooManyLookups when the user (or the address) is over the limit."""
        exceeded = self.limiter.hit(self._limits(user_id, ip), now=now, session=session)
        if exceeded is not None:
            raise TooManyLookups(exceeded.retry_after)

    def forgive(self, user_id: int, *, ip: str | None, now: datetime, session: Session | None = None) -> None:
        """The lookup found its report: it was no failure (pass the ``now`` given to admit)."""
        self.limiter.refund(self._limits(user_id, ip), now=now, session=session)

    def _limits(self, user_id: int, ip: str | None) -> list[Limit]:
        limits = [Limit("query_user", str(user_id), self.limits.failures_per_user)]
        if ip is not None:
            limits.append(Limit("query_ip", ip, self.limits.failures_per_ip))
        return limits
