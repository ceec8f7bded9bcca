"""What the failed-lookup limit needs of the rate limiter: refunds, the caller's transaction,
and limiters of different windows sharing the counter table without erasing each other."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import RateLimitCounter
from bot.services.platform.rate_limits import Limit, RateLimiter

T = datetime(2026, 11, 24, 2, 20, tzinfo=UTC)  # 02:20: the 15-minute window began after the hour's


def test_a_refund_takes_a_hit_back(factory: sessionmaker[Session]) -> None:
    limiter = RateLimiter(factory, secret="s", window_seconds=900)
    limits = [Limit("query_user", "7", 2)]
    for _ in range(5):  # five successes: each counted, then given back
        assert limiter.hit(limits, now=T) is None
        limiter.refund(limits, now=T)
    assert limiter.hit(limits, now=T) is None
    assert limiter.hit(limits, now=T) is None
    assert limiter.hit(limits, now=T) is not None  # the third failure


def test_counts_in_the_callers_transaction_go_with_it(factory: sessionmaker[Session]) -> None:
    limiter = RateLimiter(factory, secret="s", window_seconds=900)
    limits = [Limit("query_user", "8", 1)]
    with factory() as session:
        assert limiter.hit(limits, now=T, session=session) is None
        session.rollback()  # the message's transaction failed: its count goes too
    with factory() as session:
        assert limiter.hit(limits, now=T, session=session) is None
        assert limiter.hit(limits, now=T, session=session) is not None
        session.commit()
    with factory() as session:
        assert session.scalars(select(RateLimitCounter.count)).all() == [2]


def test_a_shorter_window_does_not_erase_another_limiters_counts(factory: sessionmaker[Session]) -> None:
    reports = RateLimiter(factory, secret="s", window_seconds=3600)
    lookups = RateLimiter(factory, secret="s", window_seconds=900)
    report_limits = [Limit("user", "9", 2)]
    assert reports.hit(report_limits, now=T) is None
    assert reports.hit(report_limits, now=T) is None
    # The lookup limiter prunes its own old windows (before 02:15), not the report count of 02:00.
    assert lookups.hit([Limit("query_user", "9", 5)], now=T) is None
    assert lookups.hit([Limit("query_user", "9", 5)], now=T + timedelta(minutes=15)) is None
    assert reports.hit(report_limits, now=T + timedelta(minutes=15)) is not None


def test_refunds_in_redis(factory: sessionmaker[Session]) -> None:
    prefix = f"hazardbot-test:{uuid.uuid4().hex}:"
    limiter = RateLimiter(factory, secret="s", window_seconds=900, redis_url="redis://127.0.0.1:6379/0",
                          prefix=prefix)
    try:
        limiter.redis.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    now = datetime.now(UTC)
    limits = [Limit("query_user", "1", 1), Limit("query_ip", "10.0.0.3", 5)]
    try:
        with factory() as session:  # with Redis the caller's session is not used
            assert limiter.hit(limits, now=now, session=session) is None
            limiter.refund(limits, now=now, session=session)
            assert limiter.hit(limits, now=now, session=session) is None
            assert limiter.hit(limits, now=now, session=session) is not None
            assert session.scalars(select(RateLimitCounter)).all() == []
    finally:
        for key in limiter.redis.scan_iter(prefix + "*"):
            limiter.redis.delete(key)
        limiter.redis.close()
