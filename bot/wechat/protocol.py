"""The Official Account message protocol: signatures, safe-mode crypto, parsing, replies.

wechatpy does the crypto and parsing; we add what it leaves out: constant-time signature
checks, a timestamp window against replays, a refusal of DTDs (no entity expansion), and
one exception type whose message is safe to log and whose status is right for WeChat.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.handlers.incoming import Incoming

log = logging.getLogger(__name__)


class ProtocolError(Exception):
    """A request that is not a valid WeChat delivery; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class WireSettings:
    token: str
    appid: str
    encoding_aes_key: str
    timestamp_tolerance: int


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(settings: WireSettings, args: dict[str, str], *, now: float | None = None) -> None:
    """Verify ``signature`` over token, timestamp and nonce, and that the timestamp is fresh."""
    signature, timestamp, nonce = args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", "")
    if not (signature and timestamp and nonce):
        raise ProtocolError(403, "missing signature parameters")
    expected = sha1_signature(settings.token, timestamp, nonce)
    if not hmac.compare_digest(expected, signature.lower()):
        raise ProtocolError(403, "bad signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise ProtocolError(403, "bad timestamp") from None
    if abs((time.time() if now is None else now) - sent) > settings.timestamp_tolerance:
        raise ProtocolError(403, "timestamp outside the allowed window")


def open_body(settings: WireSettings, args: dict[str, str], body: bytes) -> tuple[str, bool]:
    """The plaintext XML of a delivery and whether it came encrypted (reply the same way)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "body is not UTF-8") from None
    _refuse_dtd(text)
    if args.get("encrypt_type", "raw").lower() != "aes":
        return text, False
    if not settings.encoding_aes_key:
        raise ProtocolError(400, "encrypted message but no EncodingAESKey configured")
    msg_signature = args.get("msg_signature", "")
    encrypt = _encrypt_field(text)
    expected = sha1_signature(settings.token, args.get("timestamp", ""), args.get("nonce", ""), encrypt)
    if not hmac.compare_digest(expected, msg_signature.lower()):
        raise ProtocolError(403, "bad msg_signature")
    try:
        plain = _crypto(settings).decrypt_message(
            {"Encrypt": encrypt}, msg_signature, args["timestamp"], args["nonce"]
        )
    except Exception as exc:  # noqa: BLE001 - wechatpy raises anything on garbage
        raise ProtocolError(400, f"cannot decrypt: {type(exc).__name__}") from None
    _refuse_dtd(plain)
    return plain, True


def parse(xml: str) -> Incoming:
    """Parse the plaintext XML into an ``Incoming``; malformed XML is a 400."""
    try:
        msg = parse_message(xml)
        openid, create_time = msg.source, int(msg.time)
    except Exception as exc:  # noqa: BLE001 - xmltodict/wechatpy raise many kinds
        raise ProtocolError(400, f"malformed message XML: {type(exc).__name__}") from None
    if not openid:
        raise ProtocolError(400, "message without FromUserName")
    common = {"openid": str(openid)[:64], "create_time": create_time}
    msg_id = str(msg.id) if getattr(msg, "id", 0) else None
    match msg.type:
        case "text":
            return Incoming(kind="text", msg_id=msg_id, text=(msg.content or "")[:2000], **common)
        case "image":
            return Incoming(kind="image", msg_id=msg_id, media_id=msg.media_id or "",
                            pic_url=msg.image or "", **common)
        case "location":
            return Incoming(kind="location", msg_id=msg_id, lat=float(msg.location_x),
                            lng=float(msg.location_y), label=msg.label or "", **common)
        case "event":
            event = msg._data.get("Event", "")
            return Incoming(kind="event", event=str(event), event_key=str(msg._data.get("EventKey") or ""),
                            **common)
        case _:
            return Incoming(kind="other", msg_id=msg_id, **common)


def render_reply(settings: WireSettings, xml_in: str, text: str, *, encrypted: bool, nonce: str) -> str:
    """A passive text reply, encrypted when the delivery was; ``success`` when silent."""
    if not text:
        return "success"
    reply = TextReply(content=text, message=parse_message(xml_in)).render()
    if encrypted:
        return str(_crypto(settings).encrypt_message(reply, nonce or "0", str(int(time.time()))))
    return str(reply)


def _crypto(settings: WireSettings) -> WeChatCrypto:
    return WeChatCrypto(settings.token, settings.encoding_aes_key, settings.appid)


def _encrypt_field(xml: str) -> str:
    import xmltodict

    try:
        data = xmltodict.parse(xml)["xml"]
        encrypt = data["Encrypt"]
    except Exception:  # noqa: BLE001
        raise ProtocolError(400, "malformed encrypted envelope") from None
    if not isinstance(encrypt, str) or not encrypt:
        raise ProtocolError(400, "empty Encrypt field")
    return encrypt


def _refuse_dtd(xml: str) -> None:
    # WeChat never sends a DTD; refusing one rules out entity-expansion attacks outright.
    if "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():
        raise ProtocolError(400, "DTDs are not accepted")
