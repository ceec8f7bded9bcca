"""The WeChat API down for an hour (simulated time): every queued message is delivered once,
and soon, when it comes back, with the default retry settings (which deploy/ keeps)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import DEFAULTS, load_config
from bot.models import OutboxMessage, User
from bot.services.messaging import outbox
from bot.services.messaging.outbox import DeliveryPolicy
from bot.wechat.adapters import WeChatMessenger
from bot.wechat.client import HazardWeChatClient
from tests.common.factories import World
from tests.common.schedule_clock import L
from tests.conftest import TEST_APPID, TEST_SECRET
from tests.fakes.wechat_api import FakeWeChatServer

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "hazardbot.example.toml"
HOUR = timedelta(hours=1)
STEP = timedelta(seconds=30)  # how often the worker looks, in simulated time


@pytest.fixture
def messenger(fake_wechat: FakeWeChatServer) -> Iterator[WeChatMessenger]:
    yield WeChatMessenger(
        HazardWeChatClient(TEST_APPID, TEST_SECRET, api_base_url=fake_wechat.base_url, timeout=2.0)
    )


def _queue_for_everyone(factory: sessionmaker[Session], world: World, at) -> list[str]:  # type: ignore[no-untyped-def]
    openids = []
    with factory() as session:
        for n, user_id in enumerate((world.county, world.city)):
            user = session.get(User, user_id)
            assert user is not None
            user.last_inbound_at = at  # inside the 48-hour window: customer-service messages
            for i in range(3):
                outbox.queue_message(session, key=f"outage:{n}:{i}", openid=user.openid,
                                     kind="campaign", text=f"第{i}条通知\n详情", now=at)
            openids.append(user.openid)
        session.commit()
    return openids


def _run(factory, messenger, fake, *, start, down_for, until, jobs) -> None:  # type: ignore[no-untyped-def]
    now = start
    fake.set_down(True)
    while now <= until:
        if now >= start + down_for:
            fake.set_down(False)
        outbox.deliver_pending(factory, messenger, now=now, max_attempts=jobs["max_attempts"],
                               backoff_seconds=jobs["backoff_seconds"],
                               backoff_max_seconds=jobs["backoff_max_seconds"],
                               policy=DeliveryPolicy(windowed=True))
        now += STEP


@pytest.mark.parametrize("settings", ["defaults", "deploy"])
def test_an_hour_long_outage_delivers_everything_once_and_soon_afterwards(
    factory: sessionmaker[Session], world: World, messenger: WeChatMessenger, fake_wechat: FakeWeChatServer,
    settings: str,
) -> None:
    jobs = (DEFAULTS if settings == "defaults" else load_config(DEPLOY, environ={}))["jobs"]
    t = L(2026, 11, 24, 10)
    openids = _queue_for_everyone(factory, world, t)
    _run(factory, messenger, fake_wechat, start=t, down_for=HOUR, until=t + 2 * HOUR, jobs=jobs)

    with factory() as session:
        rows = list(session.scalars(select(OutboxMessage)))
    assert len(rows) == 6 and {m.status for m in rows} == {"sent"}
    # Sent after WeChat came back, and no later than one capped delay (plus a worker pass).
    back = t + HOUR
    latest = back + timedelta(seconds=jobs["backoff_max_seconds"]) + STEP
    assert all(m.sent_at is not None and back <= m.sent_at <= latest for m in rows)
    for openid in openids:
        texts = [m["text"]["content"] for m in fake_wechat.sent_messages(openid)]
        assert sorted(texts) == sorted(f"第{i}条通知\n详情" for i in range(3))  # each once


def test_an_outage_longer_than_the_retry_budget_fails_loudly(
    factory: sessionmaker[Session], world: World, messenger: WeChatMessenger, fake_wechat: FakeWeChatServer
) -> None:
    """Past max_attempts a message is marked failed (``flask outbox status`` shows it)."""
    t = L(2026, 11, 24, 10)
    _queue_for_everyone(factory, world, t)
    _run(factory, messenger, fake_wechat, start=t, down_for=4 * HOUR, until=t + 4 * HOUR,
         jobs=DEFAULTS["jobs"])
    with factory() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"failed"}
    assert fake_wechat.sent_messages() == []
