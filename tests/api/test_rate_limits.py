"""Rate limits on report creation: per user and per IP, in Redis or in the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from bot.services.platform.rate_limits import Limit, RateLimiter
from tests.api.conftest import ApiClient, login
from tests.api.test_reports import form, post_report
from tests.fakes.wechat_api import FakeWeChatServer

T = datetime(2026, 11, 24, 2, 10, tzinfo=UTC)


@pytest.fixture
def api_settings() -> dict[str, Any]:
    return {"reports_per_user": 2, "reports_per_ip": 3, "rate_window_seconds": 3600}


def test_reports_beyond_the_limit_are_refused_until_the_window_ends(
    client: ApiClient, fake_wechat: FakeWeChatServer
) -> None:
    alice = login(client, fake_wechat, "oMini_rl_alice")
    for i in range(2):
        assert post_report(client, alice, form(), key=f"alice-key-{i}").status_code == 201
    # A retry of an accepted upload is not a new report and is not counted.
    assert post_report(client, alice, form(), key="alice-key-0").status_code == 201
    third = post_report(client, alice, form(), key="alice-key-2")
    assert third.status_code == 429 and third.get_json()["code"] == "rate_limited"
    assert third.get_json()["message"] == "提交太频繁，请稍后再试。"
    assert 0 < int(third.headers["Retry-After"]) <= 3600
    # Another user from the same address has his own count, but the address's limit (3) binds.
    bob = login(client, fake_wechat, "oMini_rl_bob")
    assert (
        post_report(client, bob, form(), key="bob-key-0000").status_code == 429
    )  # 4th hit on the IP


def test_database_counters_use_fixed_windows(db: sessionmaker[Session]) -> None:
    limiter = RateLimiter(db, secret="s", window_seconds=600)
    limits = [Limit("user", "7", 2)]
    assert limiter.hit(limits, now=T) is None
    assert limiter.hit(limits, now=T + timedelta(seconds=30)) is None
    over = limiter.hit(limits, now=T + timedelta(seconds=60))
    assert over is not None and over.name == "user" and over.retry_after == 540
    assert limiter.hit(limits, now=T + timedelta(minutes=10)) is None  # next window


def test_an_unreachable_redis_falls_back_to_the_database(db: sessionmaker[Session]) -> None:
    limiter = RateLimiter(db, secret="s", window_seconds=600, redis_url="redis://127.0.0.1:1/0")
    limits = [Limit("ip", "10.0.0.1", 1)]
    assert limiter.hit(limits, now=T) is None
    assert limiter.hit(limits, now=T) is not None


def test_redis_counters_when_redis_is_there(db: sessionmaker[Session]) -> None:
    prefix = f"hazardbot-test:{uuid.uuid4().hex}:"
    limiter = RateLimiter(
        db, secret="s", window_seconds=600, redis_url="redis://127.0.0.1:6379/0", prefix=prefix
    )
    try:
        limiter.redis.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    now = datetime.now(UTC)
    limits = [Limit("user", "1", 1), Limit("ip", "10.0.0.2", 5)]
    try:
        assert limiter.hit(limits, now=now) is None
        over = limiter.hit(limits, now=now)
        assert over is not None and over.name == "user"
        keys = list(limiter.redis.scan_iter(prefix + "*"))
        assert len(keys) == 2 and all(0 < limiter.redis.ttl(k) <= 660 for k in keys)
        assert all(b"10.0.0.2" not in k for k in keys)  # keys are HMACs, not addresses
    finally:
        for key in limiter.redis.scan_iter(prefix + "*"):
            limiter.redis.delete(key)
        limiter.redis.close()
