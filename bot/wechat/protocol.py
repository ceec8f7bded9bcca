"""The Official Account message protocol: signatures, safe-mode crypto, parsing, replies.

wechatpy does the crypto and the replies; the flat XML of a delivery is read by the standard
library's expat parser (``_elements``), as wechatpy read it through xmltodict. We add what
wechatpy leaves out: constant-time signature checks, a timestamp window against replays, a
refusal of DTDs (no entity expansion), and one exception type whose message is safe to log
and whose status is right for WeChat."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.handlers.incoming import Incoming
from bot.handlers.menu_keys import as_typed

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


_MAX_TIMESTAMP_DIGITS = 12  # Unix seconds have 10 digits until the year 2286


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
    # WeChat sends Unix seconds as ASCII digits. Anything else (a sign, a huge number that no
    # float can hold, non-ASCII digits that int() would still accept) is refused before any
    # arithmetic: int("9" * 400) minus a float raised OverflowError, a 500.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _MAX_TIMESTAMP_DIGITS):
        raise ProtocolError(403, "bad timestamp")
    if abs((time.time() if now is None else now) - int(timestamp)) > settings.timestamp_tolerance:
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
    """Parse the plaintext XML into an ``Incoming``; malformed XML is a 400.

    Every field is checked for the shape WeChat sends (a single string, a number where a
    number belongs): a nested or repeated element, a non-numeric MsgId or a coordinate that is
    not a finite number is a 400 here rather than a 500 (or a stored NaN) further on.
    """
    return parse_delivery(xml)[0]


def parse_delivery(xml: str) -> tuple[Incoming, str]:
    """``parse``, and the account the message was sent to (its ToUserName): the reply comes
    from there, so ``render_reply`` needs no second parse of the XML."""
    data = _elements(xml)
    target = data.get("ToUserName")
    try:
        return _incoming(data), target if isinstance(target, str) else ""
    except ValueError as exc:  # int() or float() of a field that is not a number
        raise ProtocolError(400, f"malformed message XML: {type(exc).__name__}") from None


def _elements(xml: str) -> dict[str, Any]:
    """The children of the ``<xml>`` root by name, as xmltodict gives them (and as wechatpy
    parsed them before): text stripped, None when empty, a list for a repeated element, a dict
    for one with children or attributes (WeChat sends neither; ``_field`` refuses both).

    One parse by expat in C (DTDs are refused before this, so no entity is ever expanded), not
    xmltodict's callbacks in Python: this runs twice on every message.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise ProtocolError(400, "malformed message XML: not well-formed") from None
    if root.tag != "xml":
        raise ProtocolError(400, "malformed message XML: the root is not <xml>")
    data: dict[str, Any] = {}
    for child in root:
        value: Any = {"children": len(child)} if len(child) or child.attrib else (
            (child.text or "").strip() or None)
        if child.tag in data:
            before = data[child.tag]
            data[child.tag] = [*before, value] if isinstance(before, list) else [before, value]
        else:
            data[child.tag] = value
    return data


# Far beyond any limit of ours (the body itself is capped): a too-long description is then
# told its real length, not the length of what was cut off here.
MAX_TEXT_CHARS = 20_000


def _incoming(data: dict[str, Any]) -> Incoming:
    kind = _field(data, "MsgType").lower()
    if not kind:
        raise ProtocolError(400, "message without a MsgType")
    openid = _field(data, "FromUserName")
    if not openid or len(openid) > 64:
        raise ProtocolError(400, "message without a valid FromUserName")
    create_time = int(_field(data, "CreateTime"))
    if not 0 <= create_time < 2**32:
        raise ProtocolError(400, "CreateTime out of range")
    msg_id = _field(data, "MsgId") or None
    if msg_id is not None and not (msg_id.isascii() and msg_id.isdigit() and len(msg_id) <= 20):
        raise ProtocolError(400, "MsgId is not a 64-bit number")
    common: dict[str, Any] = {"openid": openid, "create_time": create_time}
    match kind:
        case "text":
            text = _field(data, "Content")[:MAX_TEXT_CHARS]
            return Incoming(kind="text", msg_id=msg_id, text=text, **common)
        case "image":
            media_id = _field(data, "MediaId")
            if not media_id or len(media_id) > 128:
                raise ProtocolError(400, "image without a valid MediaId")
            return Incoming(kind="image", msg_id=msg_id, media_id=media_id,
                            pic_url=_field(data, "PicUrl")[:500], **common)
        case "voice":
            # Recognition: WeChat's own transcript, present when speech recognition is on.
            return Incoming(kind="voice", msg_id=msg_id, media_id=_media_id(data, "MediaId"),
                            media_format=_field(data, "Format")[:16].lower(),
                            recognition=_field(data, "Recognition")[:2000], **common)
        case "video" | "shortvideo":
            return Incoming(kind="video", msg_id=msg_id, media_id=_media_id(data, "MediaId"),
                            thumb_media_id=_field(data, "ThumbMediaId")[:128], **common)
        case "location":
            lat, lng = float(_field(data, "Location_X")), float(_field(data, "Location_Y"))
            if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90 and abs(lng) <= 180):
                raise ProtocolError(400, "location out of range")
            return Incoming(kind="location", msg_id=msg_id, lat=lat, lng=lng,
                            label=_field(data, "Label")[:300], **common)
        case "event":
            event = _field(data, "Event")
            if not event:
                raise ProtocolError(400, "event without an Event")
            # A menu click arrives as the command its button stands for (menu_keys).
            return as_typed(Incoming(kind="event", event=event,
                                     event_key=_field(data, "EventKey")[:200], **common))
        case _:
            return Incoming(kind="other", msg_id=msg_id, **common)


def _media_id(data: dict[str, Any], name: str) -> str:
    media_id = _field(data, name)
    if not media_id or len(media_id) > 128:
        raise ProtocolError(400, f"message without a valid {name}")
    return media_id


def _field(data: dict[str, Any], name: str) -> str:
    """One element's text; '' when absent. A nested or repeated element is malformed."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError(400, f"{name} is not a single text element")
    return value.strip() if name != "Content" else value


def render_reply(
    settings: WireSettings, text: str, *, account: str, openid: str, encrypted: bool, nonce: str
) -> str:
    """A passive text reply from ``account`` to ``openid``, encrypted when the delivery was;
    ``success`` when silent."""
    if not text:
        return "success"
    reply = TextReply(content=text, source=account, target=openid).render()
    if encrypted:
        return str(_crypto(settings).encrypt_message(reply, nonce or "0", str(int(time.time()))))
    return str(reply)


@lru_cache(maxsize=8)
def _crypto(settings: WireSettings) -> WeChatCrypto:
    """One per account and key (it holds nothing but them), not one per message."""
    return WeChatCrypto(settings.token, settings.encoding_aes_key, settings.appid)


def _encrypt_field(xml: str) -> str:
    try:
        encrypt = _elements(xml).get("Encrypt")
    except ProtocolError:
        raise ProtocolError(400, "malformed encrypted envelope") from None
    if not isinstance(encrypt, str) or not encrypt:
        raise ProtocolError(400, "empty Encrypt field")
    return encrypt


def _refuse_dtd(xml: str) -> None:
    # WeChat never sends a DTD; refusing one rules out entity-expansion attacks outright.
    if "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():
        raise ProtocolError(400, "DTDs are not accepted")
