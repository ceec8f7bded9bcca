"""The WeChat access token shared through real Redis: one fetch for many clients and processes.

Redis at 127.0.0.1:6379 (``HAZARDBOT_TEST_REDIS_URL`` to change it); every test uses its own
key prefix, so runs in parallel do not see each other's tokens. Without Redis the tests are
skipped, unless ``REQUIRE_REDIS`` is set (CI on a machine that has one).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.wechat.client import HazardWeChatClient
from bot.wechat.shared_token import make_redis, shared_token
from tests.fakes.wechat_api import FakeWeChatServer

REDIS_URL = os.environ.get("HAZARDBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
APPID, SECRET = "wxshared", "s3cret"
OPENID = "oUser_shared_token"


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = make_redis(REDIS_URL, timeout=2.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis is required (REQUIRE_REDIS) but not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture()
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"hazardbot-test-{uuid.uuid4().hex[:12]}"
    yield name
    keys = list(redis_client.scan_iter(f"{name}:*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture()
def fake() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer(appid=APPID, secret=SECRET) as server:
        yield server


def make_client(
    redis_client: redis.Redis, prefix: str, base_url: str, *, locked: bool = True
) -> HazardWeChatClient:
    token = shared_token(redis_client, key_prefix=prefix, appid=APPID, http_timeout=2.0)
    return HazardWeChatClient(
        APPID, SECRET, api_base_url=base_url, timeout=2.0, session=token.storage,
        token_lock=token.lock if locked else None,
    )


def send_all_at_once(clients: list[HazardWeChatClient], text: str) -> list[BaseException]:
    """Every client sends one message, all released together; returns the errors."""
    barrier = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def run(client: HazardWeChatClient) -> None:
        barrier.wait()
        try:
            client.message.send_text(OPENID, text)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


def test_many_clients_at_once_fetch_one_token(
    redis_client: redis.Redis, prefix: str, fake: FakeWeChatServer
) -> None:
    fake.set_delay(0.3)  # a slow token endpoint: every client is waiting for one at once
    clients = [make_client(redis_client, prefix, fake.base_url) for _ in range(8)]
    assert send_all_at_once(clients, "并发") == []
    assert fake.token_fetches == 1
    assert len(fake.sent_messages(OPENID)) == 8
    stored = redis_client.get(f"{prefix}:wechat:{APPID}_access_token")
    assert stored is not None and fake.access_token in stored.decode()
    # The stored copy expires before WeChat's 7200 s, so the refresh comes while it still works.
    assert 60 < redis_client.ttl(f"{prefix}:wechat:{APPID}_access_token") <= 7200 - 300


def test_without_the_lock_every_client_refreshes(
    redis_client: redis.Redis, prefix: str, fake: FakeWeChatServer
) -> None:
    """The race the lock prevents is real: a shared storage alone is not enough."""
    fake.set_delay(0.3)
    clients = [make_client(redis_client, prefix, fake.base_url, locked=False) for _ in range(4)]
    send_all_at_once(clients, "x")
    assert fake.token_fetches > 1


def test_an_invalidated_token_is_refreshed_once_for_everyone(
    redis_client: redis.Redis, prefix: str, fake: FakeWeChatServer
) -> None:
    clients = [make_client(redis_client, prefix, fake.base_url) for _ in range(6)]
    clients[0].message.send_text(OPENID, "先取一次")
    assert fake.token_fetches == 1
    fake.expire_token()  # e.g. refreshed by hand in the WeChat console
    fake.set_delay(0.2)
    assert send_all_at_once(clients, "令牌失效后") == []
    assert fake.token_fetches == 2  # one refresh, not one per client
    assert len(fake.sent_messages(OPENID)) == 7


def test_a_token_that_keeps_failing_is_retried_once_only(
    redis_client: redis.Redis, prefix: str, fake: FakeWeChatServer
) -> None:
    client = make_client(redis_client, prefix, fake.base_url)
    client.message.send_text(OPENID, "ok")
    fake.clear()
    fake.fail_next(5, errcode=42001)
    from wechatpy.exceptions import WeChatClientException

    with pytest.raises(WeChatClientException) as info:
        client.message.send_text(OPENID, "x")
    assert info.value.errcode == 42001
    paths = [c.path.removeprefix("/cgi-bin/") for c in fake.calls]
    assert paths == ["message/custom/send", "token", "message/custom/send"]


def _process_sends(base_url: str, prefix: str, start: multiprocessing.synchronize.Event) -> None:
    """One app process: its own Redis connection and client, sending when told."""
    client = make_client(make_redis(REDIS_URL, timeout=2.0), prefix, base_url)
    start.wait(30)
    client.message.send_text(OPENID, f"from {os.getpid()}")


def test_several_processes_fetch_one_token(
    redis_client: redis.Redis, prefix: str, fake: FakeWeChatServer
) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    fake.set_delay(0.3)
    procs = [ctx.Process(target=_process_sends, args=(fake.base_url, prefix, start)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert fake.token_fetches == 1
    assert len(fake.sent_messages(OPENID)) == 4


def test_apps_configured_with_redis_share_one_token(
    redis_client: redis.Redis, prefix: str, database_url: str, clean_db: object, tmp_path: Path,
    fake_wechat: FakeWeChatServer,
) -> None:
    """``[redis] url`` is all it takes: two app processes' clients fetch one token, for the
    Official Account and for the mini-program's subscribe messages alike."""
    from bot import create_app
    from tests.conftest import app_config

    apps = [
        create_app(app_config(
            database_url, tmp_path / f"app{i}", wechat={"api_base_url": fake_wechat.base_url},
            redis={"url": REDIS_URL, "key_prefix": prefix},
            api={"miniprogram_appid": fake_wechat.mini_appid, "miniprogram_secret": fake_wechat.mini_secret},
        ))
        for i in range(2)
    ]
    try:
        for i, app in enumerate(apps):
            client = app.extensions["wechat_client"]
            assert client.shared
            client.message.send_text(OPENID, f"app {i}")
        assert fake_wechat.token_fetches == 1
        assert [m["text"]["content"] for m in fake_wechat.sent_messages(OPENID)] == ["app 0", "app 1"]

        fake_wechat.accept_subscription(OPENID, "tmpl-progress", times=2)
        for i, app in enumerate(apps):
            app.extensions["subscribe_sender"].send_subscribe(
                OPENID, "tmpl-progress", {"thing1": {"value": f"app {i}"}}, None
            )
        assert fake_wechat.mini_token_fetches == 1
        sent = fake_wechat.subscribe_messages(OPENID)
        assert [m["data"]["thing1"]["value"] for m in sent] == ["app 0", "app 1"]
    finally:
        for app in apps:
            app.extensions["worker"].stop()
            app.extensions["engine"].dispose()
            app.extensions["redis"].close()
