"""HazardWeChatClient against the fake WeChat API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from bot.wechat.client import HazardWeChatClient
from tests.fakes.wechat_api import FakeWeChatServer, free_port

APPID, SECRET = "wxtest", "s3cret"
OPENID = "oUser_client_test"


@pytest.fixture()
def fake() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer(appid=APPID, secret=SECRET) as server:
        yield server


@pytest.fixture()
def client(fake: FakeWeChatServer) -> HazardWeChatClient:
    return HazardWeChatClient(APPID, SECRET, api_base_url=fake.base_url, timeout=2.0)


def _paths(fake: FakeWeChatServer) -> list[str]:
    return [call.path.removeprefix("/cgi-bin/") for call in fake.calls]


def test_token_comes_from_the_configured_base(fake: FakeWeChatServer) -> None:
    client = HazardWeChatClient(APPID, SECRET, api_base_url=fake.base_url.rstrip("/"))
    assert client.API_BASE_URL == fake.base_url and client.timeout == 5.0
    assert HazardWeChatClient.API_BASE_URL == "https://api.weixin.qq.com/cgi-bin/"  # per instance
    assert client.access_token == fake.access_token
    method, path, query, body = fake.calls[0]
    assert (method, path, body) == ("GET", "/cgi-bin/token", None)
    assert query == {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}


def test_wrong_secret_is_a_client_exception(fake: FakeWeChatServer) -> None:
    client = HazardWeChatClient(APPID, "wrong", api_base_url=fake.base_url)
    with pytest.raises(WeChatClientException) as info:
        client.fetch_access_token()
    assert info.value.errcode == 40125


def test_media_download_returns_registered_bytes(
    fake: FakeWeChatServer, client: HazardWeChatClient
) -> None:
    fake.add_media("m-1", b"\xff\xd8\xffJPEGDATA", "image/jpeg")
    res = client.media.download("m-1")
    assert isinstance(res, requests.Response)
    assert res.content == b"\xff\xd8\xffJPEGDATA"
    assert res.headers["Content-Type"] == "image/jpeg"
    assert 'filename="m-1.jpg"' in res.headers["Content-disposition"]
    assert fake.calls[-1].query == {"access_token": fake.access_token, "media_id": "m-1"}
    with pytest.raises(WeChatClientException) as info:
        client.media.download("missing")
    assert info.value.errcode == 40007


def test_media_get_url_points_at_the_base(
    fake: FakeWeChatServer, client: HazardWeChatClient
) -> None:
    fake.add_media("m-2", b"png", "image/png")
    url = client.media.get_url("m-2")
    assert url.startswith(fake.base_url + "media/get?access_token=")
    assert requests.get(url, timeout=2).content == b"png"


def test_send_text_and_template_are_recorded(
    fake: FakeWeChatServer, client: HazardWeChatClient
) -> None:
    assert client.message.send_text(OPENID, "已收到您的隐患报告") == {"errcode": 0, "errmsg": "ok"}
    result = client.message.send_template(OPENID, "tpl-1", {"first": {"value": "整改通知"}})
    assert result["errcode"] == 0 and isinstance(result["msgid"], int)
    client.message.send_text("someone-else", "x")
    assert fake.sent_messages(OPENID) == [
        {"touser": OPENID, "msgtype": "text", "text": {"content": "已收到您的隐患报告"}},
        {"touser": OPENID, "template_id": "tpl-1", "data": {"first": {"value": "整改通知"}}},
    ]
    assert len(fake.sent_messages()) == 3
    fake.clear()
    assert fake.sent_messages() == [] and fake.calls == []


def test_expired_token_is_refreshed_and_retried_once(
    fake: FakeWeChatServer, client: HazardWeChatClient
) -> None:
    client.message.send_text(OPENID, "one")
    old = fake.access_token
    fake.expire_token()
    fake.clear()
    client.message.send_text(OPENID, "two")
    assert _paths(fake) == ["message/custom/send", "token", "message/custom/send"]
    assert fake.calls[0].query["access_token"] == old
    assert fake.calls[2].query["access_token"] == fake.access_token != old
    assert [m["text"]["content"] for m in fake.sent_messages()] == ["two"]


def test_token_retry_is_bounded(fake: FakeWeChatServer, client: HazardWeChatClient) -> None:
    client.fetch_access_token()
    fake.clear()
    fake.fail_next(5, errcode=40001)  # wechatpy alone would refresh-and-retry until it stops
    with pytest.raises(WeChatClientException) as info:
        client.message.send_text(OPENID, "x")
    assert info.value.errcode == 40001
    assert _paths(fake) == ["message/custom/send", "token", "message/custom/send"]
    fake.fail_next(0)
    client.message.send_text(OPENID, "y")  # the retry budget is per call, not per client
    assert fake.sent_messages()[-1]["text"]["content"] == "y"


def test_injected_failures(fake: FakeWeChatServer, client: HazardWeChatClient) -> None:
    client.fetch_access_token()
    fake.fail_next(1)
    with pytest.raises(WeChatClientException) as info:
        client.message.send_text(OPENID, "x")
    assert (info.value.errcode, info.value.errmsg) == (-1, "system error")
    fake.fail_next(1, status=502)
    with pytest.raises(WeChatClientException) as info:
        client.message.send_text(OPENID, "x")
    assert info.value.errcode is None and info.value.response.status_code == 502
    client.message.send_text(OPENID, "ok now")
    assert [m["text"]["content"] for m in fake.sent_messages()] == ["ok now"]


def test_server_down_fails_token_fetch(fake: FakeWeChatServer, client: HazardWeChatClient) -> None:
    fake.set_down(True)
    with pytest.raises(WeChatClientException) as info:
        client.message.send_text(OPENID, "x")
    assert info.value.response.status_code == 503
    fake.set_down(False)
    client.message.send_text(OPENID, "x")


def test_timeouts_apply_to_token_and_api_calls(fake: FakeWeChatServer) -> None:
    client = HazardWeChatClient(APPID, SECRET, api_base_url=fake.base_url, timeout=0.3)
    fake.set_delay(5)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        client.fetch_access_token()  # wechatpy itself passes no timeout here
    fake.set_delay(0)
    client.fetch_access_token()
    fake.set_delay(5)
    with pytest.raises(requests.Timeout):
        client.message.send_text(OPENID, "x")
    assert time.monotonic() - started < 3


def test_shared_session_shares_the_token(fake: FakeWeChatServer) -> None:
    storage = MemoryStorage()  # stands in for the Redis storage of a later issue
    first = HazardWeChatClient(APPID, SECRET, api_base_url=fake.base_url, session=storage)
    second = HazardWeChatClient(APPID, SECRET, api_base_url=fake.base_url, session=storage)
    first.message.send_text(OPENID, "a")
    second.message.send_text(OPENID, "b")
    assert _paths(fake).count("token") == 1


def test_rejects_missing_timeout_and_unstarted_fake() -> None:
    with pytest.raises(ValueError):
        HazardWeChatClient(APPID, SECRET, timeout=0)
    with pytest.raises(RuntimeError):
        FakeWeChatServer().base_url  # noqa: B018
    assert 1024 < free_port() < 65536
