"""The WeChat API down for an hour (simulated time): every queued message is delivered once
when it comes back, with the production profile's retry settings (deploy/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import DEFAULTS, load_config
from bot.models import OutboxMessage, User
from bot.services import outbox
from bot.services.outbox import DeliveryPolicy
from bot.wechat.adapters import WeChatMessenger
from bot.wechat.client import HazardWeChatClient
from tests.common.factories import World
from tests.common.schedule_clock import L
from tests.conftest import TEST_APPID, TEST_SECRET
from tests.fakes.wechat_api import FakeWeChatServer

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "hazardbot.example.toml"
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


def _run(factory, messenger, fake, *, start, down_for, until, max_attempts, backoff) -> None:  # type: ignore[no-untyped-def]
    now = start
    fake.set_down(True)
    while now <= until:
        if now >= start + down_for:
            fake.set_down(False)
        outbox.deliver_pending(factory, messenger, now=now, max_attempts=max_attempts,
                               backoff_seconds=backoff, policy=DeliveryPolicy(windowed=True))
        now += STEP


def test_an_hour_long_outage_delivers_everything_once_afterwards(
    factory: sessionmaker[Session], world: World, messenger: WeChatMessenger, fake_wechat: FakeWeChatServer
) -> None:
    jobs = load_config(DEPLOY, environ={})["jobs"]
    t = L(2026, 11, 24, 10)
    openids = _queue_for_everyone(factory, world, t)
    _run(factory, messenger, fake_wechat, start=t, down_for=timedelta(hours=1), until=t + timedelta(hours=4),
         max_attempts=jobs["max_attempts"], backoff=jobs["backoff_seconds"])

    with factory() as session:
        rows = list(session.scalars(select(OutboxMessage)))
    assert len(rows) == 6 and {m.status for m in rows} == {"sent"}
    assert all(m.sent_at is not None and m.sent_at > t + timedelta(hours=1) for m in rows)
    for openid in openids:
        texts = [m["text"]["content"] for m in fake_wechat.sent_messages(openid)]
        assert sorted(texts) == sorted(f"第{i}条通知\n详情" for i in range(3))  # each once


def test_the_default_retry_budget_gives_up_within_minutes(
    factory: sessionmaker[Session], world: World, messenger: WeChatMessenger, fake_wechat: FakeWeChatServer
) -> None:
    """Why deploy/ raises jobs.max_attempts: the defaults fail every message of such an outage."""
    t = L(2026, 11, 24, 10)
    _queue_for_everyone(factory, world, t)
    _run(factory, messenger, fake_wechat, start=t, down_for=timedelta(hours=1), until=t + timedelta(hours=2),
         max_attempts=DEFAULTS["jobs"]["max_attempts"], backoff=DEFAULTS["jobs"]["backoff_seconds"])
    with factory() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"failed"}
    assert fake_wechat.sent_messages() == []
