"""The simulator's server half: turn what the page's user did into a real WeChat delivery.

The browser could sign and encrypt by itself, but the page would then be a second, untested
implementation of the protocol. Doing it here with ``WeChatPeer`` -- the code the end-to-end
tests trust -- means the wire format a developer sees is the one the tests check, and the
request really goes over HTTP to ``/wechat`` like WeChat's, through every check it makes.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import requests

from bot.dev.peer import MODES, PeerProtocolError, WeChatPeer, build_message_xml

KINDS = ("text", "image", "location", "event")
# WeChat openids are 28 characters of base64url; the simulator's are shorter but alike.
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_EVENT = re.compile(r"^[A-Za-z_]{1,32}$")
MAX_TEXT_CHARS = 2000  # WeChat refuses longer text messages on the phone


class SimulatorInputError(ValueError):
    """The page sent something WeChat never would; the message is Chinese, for the page."""


@dataclass(frozen=True)
class Credentials:
    """What WeChat and the app share: from ``[wechat]`` in the config."""

    token: str
    appid: str
    encoding_aes_key: str


@dataclass(frozen=True)
class Exchange:
    """One delivery as the wire saw it, for the page to show beside the chat."""

    mode: str
    plain_xml: str  # the message before encryption
    request_url: str  # with WeChat's query: signature, timestamp, nonce, openid, ...
    request_body: str  # what was POSTed: plaintext, or the <Encrypt> envelope
    status: int
    response_body: str  # as received: encrypted in safe mode
    reply_xml: str | None  # decrypted and verified
    reply: str  # the text the phone would show; '' when the app answered 'success'/nothing
    error: str | None = None  # set when the reply breaks the protocol

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def message_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Check the page's fields for ``kind`` and name them as WeChat's XML does."""
    if kind == "text":
        content = _text(fields, "content", MAX_TEXT_CHARS)
        if not content.strip():
            raise SimulatorInputError("消息不能为空")
        return {"Content": content}
    if kind == "image":
        media_id = _text(fields, "media_id", 128)
        if not _MEDIA_ID.match(media_id):
            raise SimulatorInputError("图片 MediaId 无效，请重新选择图片")
        return {"PicUrl": _text(fields, "pic_url", 500), "MediaId": media_id}
    if kind == "location":
        lat = _number(fields, "lat", -90, 90, "纬度")
        lng = _number(fields, "lng", -180, 180, "经度")
        scale = int(_number(fields, "scale", 1, 20, "缩放级别", default=15))
        # WeChat: Location_X is the latitude, Location_Y the longitude.
        return {"Location_X": lat, "Location_Y": lng, "Scale": scale, "Label": _text(fields, "label", 300)}
    if kind == "event":
        event = _text(fields, "event", 32)
        if not _EVENT.match(event):
            raise SimulatorInputError("事件类型无效")
        return {"Event": event, "EventKey": _text(fields, "event_key", 128) or None}
    raise SimulatorInputError("消息类型无效（text、image、location 或 event）")


def check_openid(openid: Any) -> str:
    if not isinstance(openid, str) or not _OPENID.match(openid):
        raise SimulatorInputError("openid 只能包含字母、数字、下划线和连字符（最多 64 个）")
    return openid


def check_mode(mode: Any) -> str:
    if mode not in MODES:
        raise SimulatorInputError("模式无效（safe、compatible 或 plaintext）")
    return str(mode)


def deliver(
    endpoint: str, credentials: Credentials, *, mode: str, openid: str, kind: str,
    fields: dict[str, Any], timeout: float = 10,
) -> Exchange:
    """Sign (and encrypt) one message as WeChat does, POST it to ``endpoint``, read the reply.

    ``requests.RequestException`` propagates: the caller decides how to show "no answer".
    The endpoint is this very server, so it must serve requests concurrently (``flask run``
    and the test server do; a single sync worker would wait on itself until the timeout).
    """
    xml_fields = message_fields(kind, fields)
    with requests.Session() as http:
        peer = WeChatPeer(
            endpoint, token=credentials.token, appid=credentials.appid,
            encoding_aes_key=credentials.encoding_aes_key or None, mode=mode, http=http,
            timeout=timeout,
        )
        xml = build_message_xml(
            kind, to_user=peer.to_user, from_user=openid, create_time=int(time.time()),
            msg_id=None if kind == "event" else peer.next_msg_id(), **xml_fields,
        )
        prepared = peer.prepare(xml, from_user=openid)
        resp = http.post(
            endpoint, params=prepared.params, data=prepared.body.encode("utf-8"),
            headers={"Content-Type": "text/xml"}, timeout=timeout,
        )
        seen = Exchange(
            mode=mode, plain_xml=xml, request_url=str(resp.request.url), request_body=prepared.body,
            status=resp.status_code, response_body=resp.content.decode("utf-8", errors="replace"),
            reply_xml=None, reply="",
        )
        try:
            reply = peer.read_reply(resp.status_code, resp.content)
        except (PeerProtocolError, ValueError) as exc:
            return replace(seen, error=f"回复不符合协议：{exc}")
    return replace(seen, reply_xml=reply.xml, reply=reply.content)


def _text(fields: dict[str, Any], name: str, max_chars: int) -> str:
    value = fields.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SimulatorInputError(f"字段 {name} 应为文字")
    if len(value) > max_chars:
        raise SimulatorInputError(f"字段 {name} 太长（最多 {max_chars} 个字）")
    return value


def _number(
    fields: dict[str, Any], name: str, low: float, high: float, label: str,
    default: float | None = None,
) -> float:
    value = fields.get(name, default)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SimulatorInputError(f"{label}应为数字") from None
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        raise SimulatorInputError(f"{label}应在 {low:g} 到 {high:g} 之间")
    return number
