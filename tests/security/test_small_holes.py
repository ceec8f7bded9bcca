"""Small holes of issue 16, each tried as an attacker (or a careless officer) would.

- A validly signed ``/wechat`` request with an absurd ``timestamp``: a 403, never a 500.
- Two senders with the same MsgId: each gets the reply to his own message, never the other's.
- ``限期 YH… 9999-12-31`` (and a 五落实 plan's 时限 as far): refused, naming the latest date
  allowed (``workflow.deadline_horizon_days``, 200 days in this app to show the setting counts).
- API tokens whose user id is ``true``, ``1.0``, ``"1"``…: signed with the real secret, yet 401.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import sessionmaker

from bot.config import ConfigError, load_config
from bot.dev.peer import WeChatPeer, build_message_xml, sign
from bot.handlers import texts
from bot.models import Conversation, Enterprise, Hazard, InboundMessage, User
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import WorkflowSettings
from bot.services.platform.clock import local, utcnow
from tests.api.conftest import ApiClient, auth, login, set_role
from tests.conftest import TEST_TOKEN
from tests.e2e.chat import (
    bind_as,
    count,
    engine_of,
    make_peer,
    number_in,
    one,
    report_until_confirm,
    say,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

HORIZON_DAYS = 200
OFFICER = "o_holes_officer"
MANAGER = "o_holes_manager"


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"workflow": {"deadline_horizon_days": HORIZON_DAYS}}


# --- 6a: absurd timestamps ------------------------------------------------------------------

ABSURD = ["99999999999999999999", "-1", "9" * 400, "+1764633600", "١٧٦٤٦٣٣٦٠٠", "1e9", " 1764633600",
          "0", "17646336000000"]


@pytest.mark.parametrize("timestamp", ABSURD, ids=lambda t: repr(t[:14]))
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_signed_request_with_an_absurd_timestamp_is_refused_not_a_500(
    live: LiveServer, timestamp: str, method: str
) -> None:
    nonce = "20261202"
    params = {"signature": sign(TEST_TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
              "openid": "o_holes_clock"}
    if method == "GET":
        resp = requests.get(f"{live.url}/wechat", params={**params, "echostr": "echo-1"}, timeout=10)
    else:
        xml = build_message_xml("text", to_user="gh_hazardbot", from_user="o_holes_clock",
                                create_time=int(time.time()), msg_id=WeChatPeer.next_msg_id(), Content="举报")
        resp = requests.post(f"{live.url}/wechat", params=params, data=xml.encode(),
                             headers={"Content-Type": "text/xml"}, timeout=10)
    assert resp.status_code == 403, (resp.status_code, resp.text[:200])
    assert resp.text == "签名校验失败或请求已过期" and "echo-1" not in resp.text
    engine = engine_of(live)
    for model in (User, InboundMessage, Conversation):
        assert count(engine, model) == 0


def test_a_signed_safe_mode_request_with_an_absurd_timestamp_is_refused(live: LiveServer) -> None:
    reply = make_peer(live).send_text("o_holes_clock", "举报", timestamp=10**30)
    assert reply.status_code == 403
    assert count(engine_of(live), User) == 0


# --- 6b: the same MsgId from two senders ------------------------------------------------------

def test_two_senders_with_the_same_msgid_each_get_their_own_reply(live: LiveServer, peer: WeChatPeer) -> None:
    report_until_confirm(peer, "o_holes_victim", contact="赵六 13600000000")
    msg_id = WeChatPeer.next_msg_id()
    victim = peer.send_text("o_holes_victim", "确认", msg_id=msg_id)
    assert victim.status_code == 200 and "提交成功" in victim.content
    number = number_in(victim.content)

    # Another follower (or a forger with a valid signature) sends the same MsgId: he gets the
    # answer to what he sent, not the victim's stored reply with the report's number.
    other = peer.send_text("o_holes_other", "举报", msg_id=msg_id)
    assert other.status_code == 200 and other.content == texts.ASK_ENTERPRISE
    assert number not in other.content

    # Retries still act once and answer the same, each for its own sender.
    assert peer.send_text("o_holes_victim", "确认", msg_id=msg_id).content == victim.content
    assert peer.send_text("o_holes_other", "举报", msg_id=msg_id).content == texts.ASK_ENTERPRISE
    engine = engine_of(live)
    assert count(engine, Hazard) == 1
    assert count(engine, InboundMessage, InboundMessage.dedupe_key.startswith(f"msg:{msg_id}")) == 2
    # The first sender's row keeps the format rows already logged had.
    first = one(engine, InboundMessage, InboundMessage.dedupe_key == f"msg:{msg_id}")
    assert first.openid == "o_holes_victim"
    # And the other sender's dialogue moved once.
    assert say(peer, "o_holes_other", "晋钢").count("太原晋钢钢铁有限公司") >= 1


# --- 6e: deadlines beyond the horizon -----------------------------------------------------------

def _today() -> date:
    return local(utcnow()).date()


def _too_far() -> str:
    latest = _today() + timedelta(days=HORIZON_DAYS)
    return T.DEADLINE_TOO_FAR.format(latest=latest.isoformat(), days=HORIZON_DAYS)


def test_an_officer_cannot_set_a_deadline_that_never_comes(live: LiveServer, peer: WeChatPeer) -> None:
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "钱科长")
    report_until_confirm(peer, "o_holes_reporter")
    number = number_in(say(peer, "o_holes_reporter", "确认"))
    assert say(peer, OFFICER, f"受理 {number}").startswith(f"已受理 {number}")

    assert say(peer, OFFICER, f"限期 {number} 9999-12-31") == _too_far()
    latest = _today() + timedelta(days=HORIZON_DAYS)
    assert say(peer, OFFICER, f"限期 {number} {(latest + timedelta(days=1)).isoformat()}") == _too_far()
    assert one(engine_of(live), Hazard).deadline is None  # nothing was written
    assert latest.isoformat() in say(peer, OFFICER, f"限期 {number} {latest.isoformat()}")
    assert one(engine_of(live), Hazard).deadline == latest


def test_a_plans_time_limit_beyond_the_horizon_is_refused(live: LiveServer, peer: WeChatPeer) -> None:
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "钱科长")
    credit_code = one(engine_of(live), Enterprise, Enterprise.name == "太原晋钢钢铁有限公司").credit_code
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(credit_code))
    report_until_confirm(peer, "o_holes_reporter")
    number = number_in(say(peer, "o_holes_reporter", "确认"))
    say(peer, OFFICER, f"受理 {number}", f"定级 {number} 一般")  # no 限期: only the horizon binds

    assert "1/5 整改责任人" in say(peer, MANAGER, f"整改 {number}")
    say(peer, MANAGER, "王强 安全科长", "更换除尘器泄爆口朝向并设置隔离区", "2")
    say(peer, MANAGER, "9999-12-31")
    summary = say(peer, MANAGER, "整改完成前停用该除尘器，设置警戒区")
    assert "时限：9999-12-31" in summary, summary
    assert say(peer, MANAGER, "确认") == _too_far()
    hazard = one(engine_of(live), Hazard)
    assert hazard.deadline is None and hazard.measures is None


def test_the_api_refuses_a_deadline_beyond_the_horizon(
    live: LiveServer, peer: WeChatPeer, client: ApiClient, fake_wechat: FakeWeChatServer
) -> None:
    report_until_confirm(peer, "o_holes_reporter")
    number = number_in(say(peer, "o_holes_reporter", "确认"))
    token = login(client, fake_wechat, "oMini_holes_officer")
    set_role(sessionmaker(bind=engine_of(live), expire_on_commit=False), "oMini_holes_officer",
             role="county_officer", region_code="140105")
    url = f"/api/v1/officer/reports/{number}/actions"
    assert client.post(url, json={"action": "acknowledge"}, headers=auth(token)).status_code == 200
    refused = client.post(url, json={"action": "deadline", "deadline": "9999-12-31"}, headers=auth(token))
    assert refused.status_code == 409
    assert refused.get_json() == {"code": "action_refused", "message": _too_far()}



# --- 6g: strictly typed token payloads ------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    {"u": True}, {"u": 1.0}, {"u": "1"}, {"u": [1]}, {"u": None}, {"u": 0}, {"u": -1},
    {"u": {"id": 1}}, {"user": 1}, [1], 1, "1", {"u": 1, "role": "province_officer"},
], ids=repr)
def test_a_signed_token_with_a_mistyped_user_id_is_401(
    client: ApiClient, fake_wechat: FakeWeChatServer, attack_app: Flask, payload: Any
) -> None:
    real = login(client, fake_wechat, "oMini_holes_first")  # user 1 (or the first on this backend)
    assert client.get("/api/v1/me", headers=auth(real)).status_code == 200
    signer = URLSafeTimedSerializer(attack_app.config["SECRET_KEY"], salt="hazardbot.api.token.v1")
    forged = signer.dumps(payload)
    resp = client.get("/api/v1/me", headers=auth(forged))
    assert resp.status_code == 401
    assert resp.get_json() == {"code": "unauthorized", "message": "登录信息无效，请重新登录。"}
    assert resp.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("days", [0, -1, 100_000])
def test_a_horizon_that_would_undo_the_limit_is_refused_at_start_up(days: int) -> None:
    with pytest.raises(ConfigError, match="deadline_horizon_days"):
        WorkflowSettings.from_config(
            load_config(environ={}, overrides={"workflow": {"deadline_horizon_days": days}}))
