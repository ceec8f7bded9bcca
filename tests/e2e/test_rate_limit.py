"""The per-user message limit on /wechat: past it, a short answer and nothing recorded."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.models import InboundMessage
from bot.wechat.ratelimit import TOO_FAST
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN, app_config
from tests.e2e.chat import count
from tests.fakes.wechat_api import FakeWeChatServer
from tests.servers import serving

REDIS_URL = os.environ.get("HAZARDBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@contextmanager
def limited_app(database_url: str, instance: Path, fake: FakeWeChatServer, limit: int,
                **redis: str) -> Iterator[tuple[Flask, WeChatPeer]]:
    app = create_app(app_config(
        database_url, instance, wechat={"api_base_url": fake.base_url, "max_messages_per_minute": limit},
        **({"redis": redis} if redis else {}),
    ))
    try:
        with serving(app) as url:
            yield app, WeChatPeer(f"{url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                                  encoding_aes_key=TEST_AES_KEY, mode="safe")
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()
        if app.extensions.get("redis") is not None:
            app.extensions["redis"].close()


def _fresh_window() -> None:
    """Start well inside a one-minute window, so that the counts cannot reset mid-test."""
    into = time.time() % 60
    if into > 40:
        time.sleep(60.5 - into)


def test_past_the_limit_a_user_is_told_and_nothing_is_recorded(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> None:
    with limited_app(database_url, tmp_path / "i", fake_wechat, limit=3) as (_app, peer):
        _fresh_window()
        first = peer.send_text("o_fast", "帮助", msg_id=(kept := WeChatPeer.next_msg_id()))
        for text in ("举报", "取消"):
            assert peer.send_text("o_fast", text).content != TOO_FAST
        refused_id = WeChatPeer.next_msg_id()
        assert peer.send_text("o_fast", "举报", msg_id=refused_id).content == TOO_FAST
        assert count(clean_db, InboundMessage) == 3  # the fourth was not processed
        # WeChat's retry of a message that got through still gets its answer, from the log…
        assert peer.send_text("o_fast", "帮助", msg_id=kept).content == first.content
        # …and a retry of the refused one is refused again; others are not affected.
        assert peer.send_text("o_fast", "举报", msg_id=refused_id).content == TOO_FAST
        assert "企业名称" in peer.send_text("o_calm", "举报").content
    assert count(clean_db, InboundMessage) == 4


def test_the_count_is_shared_through_redis(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = f"hazardbot-test-{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        (_a, one), (_b, two) = (
            stack.enter_context(limited_app(database_url, tmp_path / name, fake_wechat, limit=3,
                                            url=REDIS_URL, key_prefix=prefix))
            for name in ("a", "b")
        )
        _fresh_window()
        assert one.send_text("o_both", "帮助").content != TOO_FAST
        assert two.send_text("o_both", "帮助").content != TOO_FAST
        assert one.send_text("o_both", "帮助").content != TOO_FAST
        assert two.send_text("o_both", "帮助").content == TOO_FAST  # 4th across both processes
