"""Mini-program users are told through subscribe messages, against the fake WeChat API.

A reporter logs in to the mini-program (jscode2session on the fake), allows the progress
template (our API records it; the fake plays WeChat's own record of the "allow") and reports
through the API; the county officer, bound in chat, acknowledges or rejects in chat; the
worker delivers through the mini-program's own token and ``subscribeMessage.send``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.models import OutboxMessage, SubscribeConsent
from tests.api.conftest import ApiClient, api_config, auth, jpeg, login, set_role
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.e2e.chat import bind_as, engine_of, one, received, report_until_confirm, rows, say
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer
from tests.servers import serving

PROGRESS = "TplProgress0001"
NEW_REPORT = "TplNewReport001"
SUBSCRIBE = {
    "subscribe_progress": f"{PROGRESS} number=character_string1 status=phrase2 enterprise=thing3 "
                          "time=time4 note=thing5",
    "subscribe_new_report": f"{NEW_REPORT} number=character_string1 enterprise=thing2 time=time3 "
                            "note=thing4",
    "subscribe_page": "pages/report/detail?number={number}",
    "subscribe_template_ids": f"{PROGRESS},{NEW_REPORT}",
}
OFFICER = "o_mp_officer"
REPORTER = "mp-reporter-openid"  # the mini-program's openid (ours: "mp:" + it)
ENTERPRISE = "山西省太原市小店区某某特种铸造有限责任公司第二分厂"  # longer than a thing (20)
DESCRIPTION = "二号高炉出铁场除尘风机皮带断裂，粉尘大量外溢，现场无人处置"


def _config(clean_db: Engine, database_url: str, tmp_path: Path, fake: FakeWeChatServer) -> dict[str, Any]:
    return api_config(database_url, tmp_path / "instance", fake, **SUBSCRIBE)


@pytest.fixture
def mp_live(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> Iterator[LiveServer]:
    """The live app with a mini-program and its subscribe templates, served over HTTP."""
    app = create_app(_config(clean_db, database_url, tmp_path, fake_wechat))
    app.test_client_class = ApiClient
    with serving(app) as url:
        yield LiveServer(app, url)
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def mp_peer(mp_live: LiveServer) -> WeChatPeer:
    return WeChatPeer(f"{mp_live.url}/wechat", token=TEST_TOKEN, appid=TEST_APPID,
                      encoding_aes_key=TEST_AES_KEY, mode="safe")


def _report(client: ApiClient, token: str) -> str:
    data = {
        "enterprise_name": ENTERPRISE, "region_code": "140105", "description": DESCRIPTION,
        "anonymous": "false", "reporter_name": "李四", "reporter_phone": "13900000000",
        "photos": [(io.BytesIO(jpeg()), "p.jpg")],
    }
    response = client.post("/api/v1/reports", data=data, content_type="multipart/form-data",
                           headers={**auth(token), "Idempotency-Key": "subscribe-key-0001"})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["number"])


def _consent(client: ApiClient, token: str, template_id: str) -> None:
    response = client.post("/api/v1/subscriptions", json={"results": {template_id: "accept"}},
                           headers=auth(token))
    assert response.status_code == 200, response.get_json()


def _remaining(client: ApiClient, token: str, template_id: str) -> int:
    items = client.get("/api/v1/subscriptions", headers=auth(token)).get_json()["items"]
    return sum(i["remaining"] for i in items if i["template_id"] == template_id)


def _reported_and_bound(live: LiveServer, peer: WeChatPeer, fake: FakeWeChatServer,
                        *, consent: bool) -> tuple[ApiClient, str, str]:
    """The officer bound in chat, the mini-program reporter logged in (consenting or not) and
    his report made and told to the officer; returns (client, token, number)."""
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    client: ApiClient = live.app.test_client()  # type: ignore[assignment]
    token = login(client, fake, REPORTER)
    if consent:
        _consent(client, token, PROGRESS)
        fake.accept_subscription(REPORTER, PROGRESS)  # WeChat's own record of the "allow"
    number = _report(client, token)
    live.run_worker()
    [new_report] = received(fake, OFFICER)
    assert number in new_report
    return client, token, number


def test_an_acknowledgement_reaches_the_mini_program_reporter_once(
    mp_live: LiveServer, mp_peer: WeChatPeer, fake_wechat: FakeWeChatServer, clean_db: Engine,
    database_url: str, tmp_path: Path,
) -> None:
    client, token, number = _reported_and_bound(mp_live, mp_peer, fake_wechat, consent=True)
    assert say(mp_peer, OFFICER, "受理").startswith(f"已受理 {number}")
    mp_live.run_worker()

    [message] = fake_wechat.subscribe_messages(REPORTER)
    assert message["template_id"] == PROGRESS
    assert message["page"] == f"pages/report/detail?number={number}"
    data = {k: v["value"] for k, v in message["data"].items()}
    assert data["character_string1"] == number and data["phrase2"] == "已受理"
    assert data["thing3"] == ENTERPRISE[:19] + "…"  # WeChat refuses a thing over 20 characters
    assert data["time4"].startswith(("2026年", "2027年")) and data["thing5"] == "已受理，正在核实处理"
    assert fake_wechat.sent_messages(REPORTER) == fake_wechat.sent_messages("mp:" + REPORTER) == []
    sent = one(engine_of(mp_live), OutboxMessage, OutboxMessage.openid == "mp:" + REPORTER)
    assert (sent.status, sent.channel, sent.kind) == ("sent", "subscribe", "acknowledge")
    assert _remaining(client, token, PROGRESS) == 0  # the one "allow" is used

    # A restart (a second app and worker on the same database) sends nothing again.
    mp_live.app.extensions["worker"].stop()
    again = create_app(_config(clean_db, database_url, tmp_path, fake_wechat))
    try:
        again.extensions["worker"].run_once()
        mp_live.run_worker()
    finally:
        again.extensions["engine"].dispose()
    assert len(fake_wechat.subscribe_messages()) == 1
    assert [c.path for c in fake_wechat.calls].count("/cgi-bin/message/subscribe/send") == 1


def test_without_consent_nothing_is_sent_and_status_says_why(
    mp_live: LiveServer, mp_peer: WeChatPeer, fake_wechat: FakeWeChatServer,
) -> None:
    _, _, number = _reported_and_bound(mp_live, mp_peer, fake_wechat, consent=False)
    assert "不予受理" in say(mp_peer, OFFICER, f"不予受理 {number} 不属于本辖区监管范围")
    mp_live.run_worker()
    mp_live.run_worker()

    assert fake_wechat.subscribe_messages() == []
    assert "/cgi-bin/message/subscribe/send" not in [c.path for c in fake_wechat.calls]
    kept = one(engine_of(mp_live), OutboxMessage, OutboxMessage.openid == "mp:" + REPORTER)
    assert (kept.status, kept.attempts) == ("no_channel", 1)
    out = mp_live.app.test_cli_runner().invoke(args=["outbox", "status"])
    assert out.exit_code == 0, out.output
    assert "no_channel 1" in out.output and f"reject to mp:{REPORTER}" in out.output
    assert f"no subscribe consent left for template {PROGRESS}" in out.output


def test_a_refusal_by_wechat_is_not_retried(
    mp_live: LiveServer, mp_peer: WeChatPeer, fake_wechat: FakeWeChatServer,
) -> None:
    """Our record says "allowed", WeChat says 43101 (he switched the notices off): one try."""
    client, token, number = _reported_and_bound(mp_live, mp_peer, fake_wechat, consent=False)
    _consent(client, token, PROGRESS)  # recorded by us, unknown to WeChat
    say(mp_peer, OFFICER, "受理")
    for _ in range(3):
        mp_live.run_worker()
        time.sleep(0.05)  # past any backoff (jobs.backoff_seconds is 0.01 in tests)

    assert fake_wechat.subscribe_messages() == []
    assert [c.path for c in fake_wechat.calls].count("/cgi-bin/message/subscribe/send") == 1
    kept = one(engine_of(mp_live), OutboxMessage, OutboxMessage.openid == "mp:" + REPORTER)
    assert kept.status == "no_channel" and "43101" in (kept.last_error or "")
    assert _remaining(client, token, PROGRESS) == 0  # WeChat's word wins over our count


def test_a_wechat_error_is_retried_with_the_same_consent(
    mp_live: LiveServer, mp_peer: WeChatPeer, fake_wechat: FakeWeChatServer,
) -> None:
    client, token, number = _reported_and_bound(mp_live, mp_peer, fake_wechat, consent=True)
    _consent(client, token, PROGRESS)  # two "allow"s: one must be left afterwards
    fake_wechat.accept_subscription(REPORTER, PROGRESS)
    say(mp_peer, OFFICER, "受理")
    fake_wechat.fail_next(1, errcode=-1)
    mp_live.run_worker()
    pending = one(engine_of(mp_live), OutboxMessage, OutboxMessage.openid == "mp:" + REPORTER)
    assert (pending.status, pending.attempts, pending.channel) == ("pending", 1, "subscribe")
    time.sleep(0.05)
    mp_live.run_worker()

    assert len(fake_wechat.subscribe_messages(REPORTER)) == 1
    sent = one(engine_of(mp_live), OutboxMessage, OutboxMessage.openid == "mp:" + REPORTER)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert _remaining(client, token, PROGRESS) == 1


def test_a_mini_program_officer_is_told_of_a_new_report(
    mp_live: LiveServer, mp_peer: WeChatPeer, fake_wechat: FakeWeChatServer,
) -> None:
    """An officer who uses the mini-program gets the new report with the reporter scrubbed."""
    client: ApiClient = mp_live.app.test_client()  # type: ignore[assignment]
    token = login(client, fake_wechat, "mp-officer-openid")
    set_role(client.application.extensions["session_factory"], "mp-officer-openid",  # type: ignore[arg-type]
             role="county_officer", region_code="140105", name="钱科长")
    _consent(client, token, NEW_REPORT)
    fake_wechat.accept_subscription("mp-officer-openid", NEW_REPORT)
    report_until_confirm(mp_peer, "o_chat_reporter", description="王五说：主控室煤气报警器全部断电",
                         contact="王五 13800000000")
    say(mp_peer, "o_chat_reporter", "确认")
    mp_live.run_worker()

    [message] = fake_wechat.subscribe_messages("mp-officer-openid")
    data = {k: v["value"] for k, v in message["data"].items()}
    assert message["template_id"] == NEW_REPORT and data["character_string1"].startswith("YH")
    assert data["thing4"] == "***说：主控室煤气报警器全部断电"
    [consent] = rows(engine_of(mp_live), SubscribeConsent, SubscribeConsent.template_id == NEW_REPORT)
    assert consent.remaining == 0
