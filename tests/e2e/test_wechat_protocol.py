"""The /wechat endpoint as WeChat (and an attacker) sees it: modes, signatures, refusals, retries.

Every refused request must leave no trace: no user, no inbound log row, no dialogue, no hazard.
"""

from __future__ import annotations

import base64
import os
import threading
import time

import pytest
import requests
from sqlalchemy import Engine

from bot.dev.peer import WeChatPeer, build_message_xml, encrypt, sign
from bot.handlers import texts
from bot.models import Conversation, Hazard, HazardEvent, InboundMessage, User
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.e2e.chat import (
    code_in,
    conversation_of,
    count,
    engine_of,
    make_peer,
    number_in,
    one,
    report_until_confirm,
    say,
)
from tests.e2e.conftest import LiveServer

OPENID = "o_protocol_0001"


def text_xml(content: str = "举报", *, openid: str = OPENID, msg_id: int = 1001) -> str:
    return build_message_xml(
        "text", to_user="gh_hazardbot", from_user=openid, create_time=int(time.time()),
        msg_id=msg_id, Content=content,
    )


def post(
    live: LiveServer, params: dict[str, str] | list[tuple[str, str]], body: str | bytes
) -> requests.Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return requests.post(
        f"{live.url}/wechat", params=params, data=data,
        headers={"Content-Type": "text/xml"}, timeout=10,
    )


def safe_request(xml_inside: str, ciphertext: str | None = None) -> tuple[dict[str, str], str]:
    """Params and body of a safe-mode delivery whose signatures are right for ``ciphertext``."""
    ts, nonce = str(int(time.time())), "1234567890"
    cipher = ciphertext if ciphertext is not None else encrypt(TEST_AES_KEY, TEST_APPID, xml_inside)
    params = {
        "signature": sign(TEST_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
        "openid": OPENID, "encrypt_type": "aes",
        "msg_signature": sign(TEST_TOKEN, ts, nonce, cipher),
    }
    body = (
        "<xml><ToUserName><![CDATA[gh_hazardbot]]></ToUserName>"
        f"<Encrypt><![CDATA[{cipher}]]></Encrypt></xml>"
    )
    return params, body


def assert_nothing_recorded(engine: Engine) -> None:
    for model in (User, InboundMessage, Conversation, Hazard):
        assert count(engine, model) == 0, f"{model.__tablename__} is not empty"


# --- GET: server verification --------------------------------------------------------------

def test_get_echoes_echostr(live: LiveServer) -> None:
    resp = make_peer(live).verify_url("echo-8472619")
    assert resp.status_code == 200
    assert resp.text == "echo-8472619"


@pytest.mark.parametrize("tamper", ["bad_signature", "missing_params", "stale_timestamp"])
def test_get_with_bad_signature_is_403(live: LiveServer, tamper: str) -> None:
    ts = str(int(time.time()) - (360 if tamper == "stale_timestamp" else 0))
    params = {"signature": sign(TEST_TOKEN, ts, "42"), "timestamp": ts, "nonce": "42", "echostr": "x1"}
    if tamper == "bad_signature":
        params["signature"] = sign("another-token", ts, "42")
    if tamper == "missing_params":
        params = {"echostr": "x1"}
    resp = requests.get(f"{live.url}/wechat", params=params, timeout=10)
    assert resp.status_code == 403
    assert "x1" not in resp.text


# --- POST: the three modes -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
def test_each_mode_gets_a_correct_reply(live: LiveServer, mode: str) -> None:
    peer = make_peer(live, mode)
    reply = peer.send_text(OPENID, "举报")

    assert reply.status_code == 200
    assert reply.content == texts.ASK_ENTERPRISE
    assert reply.fields["ToUserName"] == OPENID and reply.fields["FromUserName"] == peer.to_user
    assert reply.fields["MsgType"] == "text"
    # Encrypted deliveries get encrypted replies; the peer checked MsgSignature and appid.
    assert ("<Encrypt>" in reply.body) == (mode != "plaintext")
    assert "<Content>" not in reply.body or mode == "plaintext"

    engine = engine_of(live)
    assert one(engine, InboundMessage).msg_type == "text"
    assert conversation_of(engine, OPENID).state == "enterprise"


# --- POST: refusals ------------------------------------------------------------------------

def _bad_signature(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare(text_xml(), from_user=OPENID)
    params = dict(req.params) | {"signature": "0" * 40}
    return post(live, params, req.body)


def _bad_msg_signature(live: LiveServer) -> requests.Response:
    req = make_peer(live, "safe").prepare(text_xml(), from_user=OPENID)
    params = dict(req.params) | {"msg_signature": sign("another-token", "1", "2", "3")}
    return post(live, params, req.body)


def _stale_timestamp(live: LiveServer) -> requests.Response:
    req = make_peer(live, "safe").prepare(text_xml(), from_user=OPENID, timestamp=int(time.time()) - 360)
    return post(live, req.params, req.body)


def _future_timestamp(live: LiveServer) -> requests.Response:
    req = make_peer(live, "safe").prepare(text_xml(), from_user=OPENID, timestamp=int(time.time()) + 360)
    return post(live, req.params, req.body)


def _missing_params(live: LiveServer) -> requests.Response:
    return post(live, {}, text_xml())


def _missing_nonce(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare(text_xml(), from_user=OPENID)
    return post(live, [(k, v) for k, v in req.params if k != "nonce"], req.body)


def _malformed_xml(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare("<xml><ToUserName>gh</ToUser", from_user=OPENID)
    return post(live, req.params, req.body)


def _not_xml(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare("举报", from_user=OPENID)
    return post(live, req.params, req.body)


def _not_utf8(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare(text_xml(), from_user=OPENID)
    return post(live, req.params, text_xml().encode("utf-8").replace(b"<xml>", b"<xml>\xff\xfe"))


def _body_too_large(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare(text_xml("隐" * 25_000), from_user=OPENID)
    assert len(req.body.encode("utf-8")) > 64 * 1024
    return post(live, req.params, req.body)


_BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "举报举报举报举报">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    "<xml><ToUserName><![CDATA[gh_hazardbot]]></ToUserName>"
    f"<FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content>&b;</Content><MsgId>1001</MsgId></xml>"
)


def _dtd_with_entity(live: LiveServer) -> requests.Response:
    req = make_peer(live, "plaintext").prepare(_BILLION_LAUGHS, from_user=OPENID)
    return post(live, req.params, req.body)


def _dtd_inside_ciphertext(live: LiveServer) -> requests.Response:
    return post(live, *safe_request(_BILLION_LAUGHS))


def _garbage_encrypt_not_base64(live: LiveServer) -> requests.Response:
    return post(live, *safe_request("", ciphertext="%%%not*base64%%%"))


def _garbage_encrypt_random_blocks(live: LiveServer) -> requests.Response:
    return post(live, *safe_request("", ciphertext=base64.b64encode(os.urandom(64)).decode()))


def _garbage_encrypt_odd_length(live: LiveServer) -> requests.Response:
    return post(live, *safe_request("", ciphertext=base64.b64encode(os.urandom(21)).decode()))


def _empty_encrypt(live: LiveServer) -> requests.Response:
    return post(live, *safe_request("", ciphertext=""))


def _ciphertext_for_another_appid(live: LiveServer) -> requests.Response:
    cipher = encrypt(TEST_AES_KEY, "wxsomeoneelse00001", text_xml())
    return post(live, *safe_request("", ciphertext=cipher))


def _encrypted_garbage_xml(live: LiveServer) -> requests.Response:
    return post(live, *safe_request("<xml><FromUserName>broken"))


REFUSALS = {
    "bad_signature": (_bad_signature, 403),
    "bad_msg_signature": (_bad_msg_signature, 403),
    "timestamp_6_minutes_old": (_stale_timestamp, 403),
    "timestamp_6_minutes_ahead": (_future_timestamp, 403),
    "missing_params": (_missing_params, 403),
    "missing_nonce": (_missing_nonce, 403),
    "malformed_xml": (_malformed_xml, 400),
    "not_xml": (_not_xml, 400),
    "not_utf8": (_not_utf8, 400),
    "body_over_64kb": (_body_too_large, 413),
    "dtd_with_entity": (_dtd_with_entity, 400),
    "dtd_inside_ciphertext": (_dtd_inside_ciphertext, 400),
    "garbage_encrypt_not_base64": (_garbage_encrypt_not_base64, 400),
    "garbage_encrypt_random_blocks": (_garbage_encrypt_random_blocks, 400),
    "garbage_encrypt_odd_length": (_garbage_encrypt_odd_length, 400),
    "empty_encrypt": (_empty_encrypt, 400),
    "ciphertext_for_another_appid": (_ciphertext_for_another_appid, 400),
    "encrypted_malformed_xml": (_encrypted_garbage_xml, 400),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_requests_leave_no_trace(live: LiveServer, case: str) -> None:
    send, status = REFUSALS[case]
    resp = send(live)

    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.text.strip() not in ("", "success")  # a short reason, never a reply or a trace
    assert "Traceback" not in resp.text and "<Encrypt>" not in resp.text
    assert_nothing_recorded(engine_of(live))


def _wire(
    kind: str, body: str, *, msg_id: str = "<MsgId>1002</MsgId>", sender: str = OPENID,
    created: str | None = None,
) -> str:
    created = created if created is not None else f"<CreateTime>{int(time.time())}</CreateTime>"
    return (
        f"<xml><ToUserName><![CDATA[gh_hazardbot]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>{created}"
        f"<MsgType><![CDATA[{kind}]]></MsgType>{body}{msg_id}</xml>"
    )


def _location(x: str, y: str) -> str:
    return _wire("location", f"<Location_X>{x}</Location_X><Location_Y>{y}</Location_Y><Label>x</Label>")


# Well-formed XML that WeChat would never send: each field must have WeChat's shape.
ODD_FIELDS = {
    "msgid_not_a_number": _wire("text", "<Content>举报</Content>", msg_id="<MsgId>abc</MsgId>"),
    "msgid_300_digits": _wire("text", "<Content>举报</Content>", msg_id=f"<MsgId>{'9' * 300}</MsgId>"),
    "content_nested": _wire("text", "<Content><b>举报</b></Content>"),
    "content_repeated": _wire("text", "<Content>举报</Content><Content>取消</Content>"),
    "content_with_attribute": _wire("text", '<Content lang="zh">举报</Content>'),
    "event_without_event": _wire("event", "<EventKey>x</EventKey>", msg_id=""),
    "sender_nested": _wire("text", "<Content>举报</Content>", sender="]]><x>1</x><![CDATA["),
    "sender_too_long": _wire("text", "<Content>举报</Content>", sender="o" * 300),
    "createtime_missing": _wire("text", "<Content>举报</Content>", created=""),
    "createtime_huge": _wire("event", "<Event>subscribe</Event>", msg_id="",
                             created=f"<CreateTime>{'9' * 23}</CreateTime>"),
    "location_not_a_number": _location("北纬", "112.5"),
    "location_nan": _location("nan", "inf"),
    "location_out_of_range": _location("137.8", "112.5"),
    "location_missing": _wire("location", "<Label>x</Label>"),
    "image_without_media_id": _wire("image", "<PicUrl>http://x/1.jpg</PicUrl>"),
    "no_msgtype": "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime></xml>",
    "other_root": "<root><FromUserName>o1</FromUserName><CreateTime>1</CreateTime></root>",
    "empty": "",
}


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
@pytest.mark.parametrize("case", list(ODD_FIELDS))
def test_odd_fields_are_400_not_500(live: LiveServer, case: str, mode: str) -> None:
    req = make_peer(live, mode).prepare(ODD_FIELDS[case], from_user=OPENID)
    resp = post(live, req.params, req.body)

    assert resp.status_code == 400, (resp.status_code, resp.text)
    assert_nothing_recorded(engine_of(live))


def test_endpoint_still_works_after_refusals(live: LiveServer) -> None:
    for send, _status in REFUSALS.values():
        send(live)
    assert say(make_peer(live), OPENID, "举报") == texts.ASK_ENTERPRISE
    assert count(engine_of(live), InboundMessage) == 1


# --- retries: WeChat sends a message up to three times ------------------------------------

def test_retried_msgid_acts_once_and_answers_the_same(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, OPENID, "举报")
    msg_id = peer.next_msg_id()
    replies = [peer.send_text(OPENID, "晋钢", msg_id=msg_id) for _ in range(3)]

    assert {r.status_code for r in replies} == {200}
    assert len({r.content for r in replies}) == 1
    assert "1. 太原晋钢钢铁有限公司" in replies[0].content
    engine = engine_of(live)
    assert count(engine, InboundMessage, InboundMessage.dedupe_key == f"msg:{msg_id}") == 1
    assert count(engine, InboundMessage) == 2
    assert conversation_of(engine, OPENID).state == "enterprise_choice"

    # The dialogue advanced once: choosing now works as after a single delivery.
    assert "已选择：太原晋钢钢铁有限公司" in say(peer, OPENID, "1")


def _concurrently(live: LiveServer, send: object, n: int = 3) -> list[tuple[int, str]]:
    """Deliver the same request from ``n`` threads at once, each with its own connection."""
    barrier = threading.Barrier(n)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def deliver() -> None:
        try:
            p = make_peer(live)
            barrier.wait(timeout=10)
            reply = send(p)  # type: ignore[operator]
            with lock:
                results.append((reply.status_code, reply.content))
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_concurrent_retries_of_a_first_message_act_once(live: LiveServer) -> None:
    msg_id = WeChatPeer.next_msg_id()
    results = _concurrently(live, lambda p: p.send_text(OPENID, "举报", msg_id=msg_id))

    assert results == [(200, texts.ASK_ENTERPRISE)] * 3
    engine = engine_of(live)
    assert count(engine, User) == 1
    assert count(engine, InboundMessage) == 1
    assert conversation_of(engine, OPENID).state == "enterprise"


def test_concurrent_retries_mid_dialogue_advance_once(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, OPENID, "举报", "晋钢", "1")
    msg_id = WeChatPeer.next_msg_id()
    text = "炉前平台护栏缺失，有坠落风险"
    results = _concurrently(live, lambda p: p.send_text(OPENID, text, msg_id=msg_id))

    assert len(results) == 3 and len(set(results)) == 1
    assert results[0][0] == 200 and "第 3 步" in results[0][1]
    engine = engine_of(live)
    assert count(engine, InboundMessage, InboundMessage.dedupe_key == f"msg:{msg_id}") == 1
    conversation = conversation_of(engine, OPENID)
    assert conversation.state == "photos"
    assert conversation.data["draft"]["description"] == text


@pytest.mark.parametrize("concurrent", [False, True], ids=["sequential", "concurrent"])
def test_retried_confirmation_creates_one_hazard(
    live: LiveServer, peer: WeChatPeer, concurrent: bool
) -> None:
    report_until_confirm(peer, OPENID)
    msg_id = WeChatPeer.next_msg_id()
    if concurrent:
        results = _concurrently(live, lambda p: p.send_text(OPENID, "确认", msg_id=msg_id))
    else:
        replies = [peer.send_text(OPENID, "确认", msg_id=msg_id) for _ in range(3)]
        results = [(r.status_code, r.content) for r in replies]

    assert len(set(results)) == 1
    status, content = results[0]
    assert status == 200 and "提交成功" in content
    number, code = number_in(content), code_in(content)  # anonymous: the same code each time
    engine = engine_of(live)
    hazard = one(engine, Hazard)
    assert hazard.number == number and hazard.anonymous
    assert count(engine, HazardEvent) == 1
    assert count(engine, InboundMessage, InboundMessage.dedupe_key == f"msg:{msg_id}") == 1
    # The code that was shown (three times, identically) is the one that opens the report.
    assert "已提交，等待受理" in say(make_peer(live), "o_someone_else", f"查询 {number} {code}")


def test_retried_subscribe_event_acts_once(live: LiveServer, peer: WeChatPeer) -> None:
    created = int(time.time())
    replies = [peer.send_event(OPENID, "subscribe", create_time=created) for _ in range(3)]

    assert {r.status_code for r in replies} == {200}
    assert len({r.content for r in replies}) == 1 and texts.WELCOME in replies[0].content
    engine = engine_of(live)
    assert count(engine, User) == 1
    assert one(engine, InboundMessage).dedupe_key.startswith(f"evt:{OPENID}:{created}")


def test_retried_menu_click_starts_one_dialogue(live: LiveServer, peer: WeChatPeer) -> None:
    created = int(time.time())
    replies = [peer.send_event(OPENID, "CLICK", "REPORT", create_time=created) for _ in range(3)]

    # Without dedupe the 2nd and 3rd would answer "您正在报告隐患".
    assert [r.content for r in replies] == [texts.ASK_ENTERPRISE] * 3
    engine = engine_of(live)
    assert count(engine, InboundMessage) == 1
    assert conversation_of(engine, OPENID).state == "enterprise"
    # Another event of the same user at another second is a new event.
    again = peer.send_event(OPENID, "CLICK", "REPORT", create_time=created + 1)
    assert texts.ALREADY_REPORTING in again.content
    assert count(engine, InboundMessage) == 2
