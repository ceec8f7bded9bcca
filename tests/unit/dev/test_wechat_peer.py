"""The WeChat peer against wechatpy: two independent implementations must agree.

The endpoint in this file is a minimal wechatpy echo bot (not ours) so that a failure here
points at the peer, not at the application.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Flask, Response, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature
from werkzeug.serving import make_server

from bot.dev.peer import (
    PeerProtocolError,
    WeChatPeer,
    build_message_xml,
    decrypt,
    encrypt,
    sign,
)

TOKEN = "peer-test-token"
APPID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OPENID = "oUser_peer_test"
WECHAT_QUERY = ["signature", "timestamp", "nonce", "openid"]  # WeChat's order


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


# -- signatures and crypto ----------------------------------------------------------------


def test_sign_known_vectors() -> None:
    assert sign("a", "b", "c") == hashlib.sha1(b"abc").hexdigest()
    assert sign("c", "a", "b") == hashlib.sha1(b"abc").hexdigest()
    # WeChat's documented example values for signature and msg_signature.
    assert sign("token", "1409304348", "xxxxxx") == _sha1("token", "1409304348", "xxxxxx")
    assert sign(TOKEN, "1", "2", "enc==") == _sha1(TOKEN, "1", "2", "enc==")
    check_signature(TOKEN, sign(TOKEN, "1700000000", "123456"), "1700000000", "123456")


@pytest.mark.parametrize("length", [0, 1, 11, 12, 13, 31, 32, 33, 200])
def test_encrypt_pads_to_32_and_roundtrips(length: int) -> None:
    text = "x" * length
    ciphertext = encrypt(AES_KEY, APPID, text, random16=b"R" * 16)
    key = base64.b64decode(AES_KEY + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(ciphertext)) + dec.finalize()
    pad = plain[-1]
    assert len(plain) % 32 == 0 and 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad
    assert plain[:16] == b"R" * 16 and struct.unpack(">I", plain[16:20]) == (length,)
    assert decrypt(AES_KEY, APPID, ciphertext) == text


def test_encrypt_is_deterministic_only_with_random16() -> None:
    assert encrypt(AES_KEY, APPID, "hi", random16=b"0" * 16) == encrypt(
        AES_KEY, APPID, "hi", random16=b"0" * 16
    )
    assert encrypt(AES_KEY, APPID, "hi") != encrypt(AES_KEY, APPID, "hi")


def test_peer_ciphertext_decrypts_with_wechatpy() -> None:
    peer = WeChatPeer("http://unused", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY)
    xml = build_message_xml(
        "text", to_user="gh_x", from_user=OPENID, create_time=1, msg_id=7, Content="隐患 ]]> 测试"
    )
    req = peer.prepare(xml, from_user=OPENID, timestamp=1700000000, nonce="42")
    q = req.query
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    assert crypto.decrypt_message(req.body, q["msg_signature"], q["timestamp"], q["nonce"]) == xml
    assert parse_message(xml).content == "隐患 ]]> 测试"

    tampered = req.body.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AB", 1)
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(tampered, q["msg_signature"], q["timestamp"], q["nonce"])
    with pytest.raises(InvalidAppIdException):
        WeChatCrypto(TOKEN, AES_KEY, "wxother").decrypt_message(
            req.body, q["msg_signature"], q["timestamp"], q["nonce"]
        )


def test_wechatpy_reply_decrypts_and_verifies_in_peer() -> None:
    peer = WeChatPeer("http://unused", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY)
    reply_xml = "<xml><ToUserName><![CDATA[u]]></ToUserName><Content><![CDATA[收到]]></Content></xml>"
    encrypted = WeChatCrypto(TOKEN, AES_KEY, APPID).encrypt_message(reply_xml, "99", "1700000000")
    reply = peer.read_reply(200, encrypted.encode())
    assert reply.xml == reply_xml and reply.content == "收到"

    root = ET.fromstring(encrypted)
    enc = root.findtext("Encrypt") or ""
    with pytest.raises(PeerProtocolError, match="MsgSignature"):
        peer.read_reply(200, encrypted.replace(enc, ("B" if enc[0] == "A" else "A") + enc[1:]).encode())
    other = WeChatCrypto(TOKEN, AES_KEY, "wxother").encrypt_message(reply_xml, "99", "1700000000")
    with pytest.raises(ValueError, match="appid"):
        peer.read_reply(200, other.encode())
    wrong_token = WeChatCrypto("nope", AES_KEY, APPID).encrypt_message(reply_xml, "9", "1")
    with pytest.raises(PeerProtocolError):
        peer.read_reply(200, wrong_token.encode())


def test_decrypt_rejects_garbage() -> None:
    good = encrypt(AES_KEY, APPID, "hello")
    with pytest.raises(ValueError):
        decrypt(AES_KEY, "wxother", good)
    with pytest.raises(ValueError):
        decrypt(AES_KEY, APPID, "not base64!!")
    with pytest.raises(ValueError):
        decrypt(AES_KEY, APPID, base64.b64encode(b"x" * 15).decode())
    raw = bytearray(base64.b64decode(good))
    raw[-1] ^= 0xFF  # corrupts the last block, hence the padding
    with pytest.raises(ValueError):
        decrypt(AES_KEY, APPID, base64.b64encode(bytes(raw)).decode())


# -- message XML --------------------------------------------------------------------------


def test_build_message_xml_parses_with_wechatpy() -> None:
    common: dict[str, Any] = {"to_user": "gh_x", "from_user": OPENID, "create_time": 1700000000}
    image = parse_message(
        build_message_xml("image", msg_id=5, PicUrl="http://p/1.jpg", MediaId="m1", **common)
    )
    assert (image.type, image.media_id, image.image, image.id) == (
        "image", "m1", "http://p/1.jpg", 5
    )
    loc = parse_message(
        build_message_xml(
            "location", msg_id=6, Location_X=37.87, Location_Y=112.55, Scale=15, Label="太原",
            **common,
        )
    )
    # wechatpy keeps Location_X/Y and Scale as strings.
    assert loc.type == "location" and loc.location == ("37.87", "112.55") and loc.label == "太原"
    xml = build_message_xml("event", msg_id=8, Event="subscribe", **common)
    assert "MsgId" not in xml and "EventKey" not in xml
    assert parse_message(xml).event == "subscribe"
    click = parse_message(build_message_xml("event", Event="CLICK", EventKey="REPORT", **common))
    assert (click.event, click.key) == ("click", "REPORT")
    with pytest.raises(ValueError, match="MediaId"):
        build_message_xml("image", PicUrl="x", **common)


# -- against a live wechatpy endpoint -----------------------------------------------------


class EchoEndpoint:
    """A minimal wechatpy bot: echoes text, records what it received, can misbehave."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.reply_mode = "auto"  # auto | success | plaintext | wrong_appid
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
        app = Flask(__name__)
        app.add_url_rule("/wechat", view_func=self.view, methods=["GET", "POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/wechat"

    def view(self) -> Response | str:
        args = request.args
        try:
            check_signature(TOKEN, args["signature"], args["timestamp"], args["nonce"])
        except InvalidSignatureException:
            return Response("bad signature", status=403)
        if request.method == "GET":
            return args["echostr"]
        body = request.get_data()
        encrypted = args.get("encrypt_type") == "aes"
        xml = body
        if encrypted:
            ts, nonce = args["timestamp"], args["nonce"]
            xml = self.crypto.decrypt_message(body, args["msg_signature"], ts, nonce)
        msg = parse_message(xml)
        self.received.append({
            "query": request.query_string.decode(), "body": body.decode(),
            "xml": xml if isinstance(xml, str) else xml.decode(),
            "content_type": request.content_type, "msg": msg,
        })
        if self.reply_mode == "success":
            return "success"
        out = create_reply(f"echo:{getattr(msg, 'content', msg.type)}", msg).render()
        if self.reply_mode == "wrong_appid":
            crypto = WeChatCrypto(TOKEN, AES_KEY, "wxother")
            out = crypto.encrypt_message(out, args["nonce"], args["timestamp"])
        elif encrypted and self.reply_mode != "plaintext":
            out = self.crypto.encrypt_message(out, args["nonce"], args["timestamp"])
        return Response(out.encode("utf-8"), content_type="text/xml")  # no charset on purpose


@pytest.fixture()
def endpoint() -> Iterator[EchoEndpoint]:
    ep = EchoEndpoint()
    thread = threading.Thread(target=ep.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield ep
    ep.server.shutdown()
    ep.server.server_close()
    thread.join(timeout=5)


def _peer(endpoint: EchoEndpoint, mode: str, **kw: Any) -> WeChatPeer:
    return WeChatPeer(
        endpoint.url, token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY, mode=mode, **kw
    )


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
def test_send_text_each_mode(endpoint: EchoEndpoint, mode: str) -> None:
    reply = _peer(endpoint, mode).send_text(OPENID, "你好 <b>&", msg_id=123)
    assert reply.status_code == 200 and reply.content == "echo:你好 <b>&"
    assert reply.fields["ToUserName"] == OPENID and reply.fields["MsgType"] == "text"
    seen = endpoint.received[-1]
    assert seen["content_type"] == "text/xml" and seen["msg"].id == 123
    keys = [kv.split("=")[0] for kv in seen["query"].split("&")]
    root = ET.fromstring(seen["body"])
    if mode == "plaintext":
        assert keys == WECHAT_QUERY
        assert root.find("Encrypt") is None and reply.xml == reply.body
    else:
        assert keys == WECHAT_QUERY + ["encrypt_type", "msg_signature"]
        assert "<Encrypt>" in reply.body and reply.xml and "echo:" in reply.xml
        tags = [child.tag for child in root]
        if mode == "safe":
            assert tags == ["ToUserName", "Encrypt"]
        else:
            assert "Content" in tags and tags[-1] == "Encrypt"


def test_other_kinds_and_msg_ids(endpoint: EchoEndpoint) -> None:
    peer = _peer(endpoint, "safe")
    assert peer.send_image(OPENID, "media-1", "http://p/1.jpg").content == "echo:image"
    assert peer.send_location(OPENID, 37.87, 112.55, label="太原").content == "echo:location"
    assert peer.send_event(OPENID, "subscribe").content == "echo:event"
    image, loc, event = (r["msg"] for r in endpoint.received)
    assert image.media_id == "media-1" and loc.location == ("37.87", "112.55")
    assert event.event == "subscribe" and "MsgId" not in endpoint.received[-1]["xml"]
    assert image.id < loc.id
    assert peer.next_msg_id() > loc.id


def test_verify_url_returns_plain_echostr(endpoint: EchoEndpoint) -> None:
    resp = _peer(endpoint, "safe").verify_url("echo-123")
    assert resp.status_code == 200 and resp.text == "echo-123"


def test_success_and_error_replies(endpoint: EchoEndpoint) -> None:
    endpoint.reply_mode = "success"
    reply = _peer(endpoint, "safe").send_text(OPENID, "hi")
    assert (reply.body, reply.xml, reply.fields, reply.content) == ("success", None, {}, "")
    bad = WeChatPeer(endpoint.url, token="wrong", appid=APPID, encoding_aes_key=AES_KEY)
    reply = bad.send_text(OPENID, "hi")
    assert reply.status_code == 403 and reply.fields == {} and reply.xml is None


def test_protocol_violations_raise(endpoint: EchoEndpoint) -> None:
    endpoint.reply_mode = "plaintext"
    with pytest.raises(PeerProtocolError, match="plaintext reply in safe mode"):
        _peer(endpoint, "safe").send_text(OPENID, "hi")
    assert _peer(endpoint, "compatible").send_text(OPENID, "hi").content == "echo:hi"
    endpoint.reply_mode = "wrong_appid"
    with pytest.raises(ValueError, match="appid"):
        _peer(endpoint, "safe").send_text(OPENID, "hi")
    with pytest.raises(ValueError):
        WeChatPeer(endpoint.url, token=TOKEN, appid=APPID, mode="safe")
