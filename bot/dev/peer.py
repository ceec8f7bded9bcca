"""A WeChat peer that plays the WeChat server (and the user's phone) against our endpoint.

It is written from the public Official Account protocol (公众号消息加解密) with only the stdlib,
``cryptography`` and ``requests`` -- deliberately *not* with wechatpy, which the server uses.
A peer built on the same library as the server would share its bugs and agree with it
about them; an independent implementation is what makes an end-to-end test mean something.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MODES = ("plaintext", "compatible", "safe")
# WeChat pads with PKCS#7 to 32 bytes, not to AES's 16: a peer padding to 16 would produce
# ciphertexts WeChat never sends, so the server's tolerance of them proves nothing.
BLOCK_SIZE = 32

# MsgIds are unique across all peers of a process (the server may de-duplicate on MsgId
# globally) and increase per peer. itertools.count is atomic under the GIL.
_MSG_IDS = itertools.count(time.time_ns() // 1000)

# Required fields per known kind, in the order WeChat writes them.
_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("Content",),
    "image": ("PicUrl", "MediaId"),
    "voice": ("MediaId", "Format"),  # then Recognition, when WeChat transcribed it
    "video": ("MediaId", "ThumbMediaId"),
    "shortvideo": ("MediaId", "ThumbMediaId"),
    "location": ("Location_X", "Location_Y", "Scale", "Label"),
    "event": ("Event",),
}


class PeerProtocolError(ValueError):
    """The endpoint's reply breaks the protocol (bad signature, wrong mode, unparsable)."""


def sign(*parts: str) -> str:
    """SHA-1 hex of the sorted, concatenated parts: WeChat's ``signature``/``msg_signature``."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _aes_key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 base64 characters (32 bytes)")
    return key


def _cipher(key: bytes) -> Cipher:
    # WeChat uses the first 16 key bytes as the IV -- fixed IV, by protocol, not by choice.
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(
    encoding_aes_key: str, appid: str, plaintext: str, *, random16: bytes | None = None
) -> str:
    """Encrypt ``plaintext`` as WeChat does; ``random16`` makes the output deterministic."""
    key = _aes_key(encoding_aes_key)
    prefix = secrets.token_bytes(16) if random16 is None else random16
    if len(prefix) != 16:
        raise ValueError("random16 must be exactly 16 bytes")
    msg = plaintext.encode("utf-8")
    payload = prefix + struct.pack(">I", len(msg)) + msg + appid.encode("utf-8")
    pad = BLOCK_SIZE - len(payload) % BLOCK_SIZE  # 1..32: a full block when already aligned
    payload += bytes([pad]) * pad
    enc = _cipher(key).encryptor()
    return base64.b64encode(enc.update(payload) + enc.finalize()).decode("ascii")


def decrypt(encoding_aes_key: str, appid: str, ciphertext_b64: str) -> str:
    """Decrypt a WeChat ciphertext; ``ValueError`` on bad base64/padding/length or appid."""
    raw = base64.b64decode(ciphertext_b64, validate=True)
    if not raw or len(raw) % 16:
        raise ValueError("ciphertext length is not a multiple of the AES block")
    dec = _cipher(_aes_key(encoding_aes_key)).decryptor()
    plain = dec.update(raw) + dec.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK_SIZE or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad PKCS#7 padding")
    body = plain[16:-pad]
    if len(body) < 4:
        raise ValueError("truncated payload")
    (length,) = struct.unpack(">I", body[:4])
    if 4 + length > len(body):
        raise ValueError("message length exceeds payload")
    found = body[4 + length :].decode("utf-8", errors="replace")
    if found != appid:
        raise ValueError(f"appid mismatch: expected {appid!r}, got {found!r}")
    return body[4 : 4 + length].decode("utf-8")


def _cdata(value: str) -> str:
    # "]]>" cannot appear inside CDATA; split it across two sections.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(tag: str, value: Any) -> str:
    # WeChat writes numbers bare and strings as CDATA; bool is excluded as it is an int.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<{tag}>{value}</{tag}>"
    return f"<{tag}>{_cdata(str(value))}</{tag}>"


def build_message_xml(
    kind: str, *, to_user: str, from_user: str, create_time: int, msg_id: int | None = None,
    **fields: Any,
) -> str:
    """Render an inbound message as WeChat does.

    Known kinds (text, image, voice, video, shortvideo, location, event) check their required
    fields; any other kind (link, file, ...) is rendered as given, so tests can exercise
    unsupported types.
    Extra fields are appended (e.g. a LOCATION event's Latitude). MsgId only for non-events.
    """
    known = _KIND_FIELDS.get(kind, ())
    if missing := [name for name in known if name not in fields]:
        raise ValueError(f"{kind} message needs {', '.join(missing)}")
    ordered = [n for n in known if n in fields] + [n for n in fields if n not in known]
    parts = [
        _element("ToUserName", to_user),
        _element("FromUserName", from_user),
        _element("CreateTime", int(create_time)),
        _element("MsgType", kind),
        *(_element(name, fields[name]) for name in ordered if fields[name] is not None),
    ]
    if kind != "event" and msg_id is not None:
        parts.append(_element("MsgId", int(msg_id)))
    return "<xml>" + "".join(parts) + "</xml>"


def _flatten(root: ET.Element) -> dict[str, str]:
    fields: dict[str, str] = {}

    def walk(elem: ET.Element, prefix: str) -> None:
        for child in elem:
            name = prefix + child.tag
            fields[name] = child.text or ""
            walk(child, name + ".")  # news/image replies nest: "Image.MediaId"

    walk(root, "")
    return fields


@dataclass(frozen=True)
class PeerRequest:
    """What the peer is about to send: the ordered query and the body."""

    params: list[tuple[str, str]]
    body: str

    @property
    def query(self) -> dict[str, str]:
        return dict(self.params)


@dataclass
class PeerReply:
    """The endpoint's answer; ``xml`` is decrypted and ``None`` when there is no XML reply."""

    status_code: int
    body: str
    xml: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> str:
        return self.fields.get("Content", "")


class WeChatPeer:
    """Sends messages to a WeChat endpoint exactly as the WeChat server would."""

    def __init__(
        self, url: str, *, token: str, appid: str, encoding_aes_key: str | None = None,
        mode: str = "safe", to_user: str = "gh_hazardbot", http: requests.Session | None = None,
        timeout: float = 10,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if mode != "plaintext":
            if not encoding_aes_key:
                raise ValueError(f"{mode} mode needs an encoding_aes_key")
            _aes_key(encoding_aes_key)  # fail at construction, not at the first send
        self.url = url
        self.token = token
        self.appid = appid
        self.encoding_aes_key = encoding_aes_key
        self.mode = mode
        self.to_user = to_user
        self.http = http or requests.Session()
        self.timeout = timeout

    @staticmethod
    def next_msg_id() -> int:
        return next(_MSG_IDS)

    @staticmethod
    def _stamp(timestamp: int | None, nonce: str | None) -> tuple[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        # WeChat sends ~10 random digits as the nonce.
        return ts, nonce or str(secrets.randbelow(9 * 10**9) + 10**9)

    def prepare(
        self, xml: str, *, from_user: str, timestamp: int | None = None, nonce: str | None = None
    ) -> PeerRequest:
        """Build the query (in WeChat's order) and body for ``xml`` without sending it."""
        ts, nonce = self._stamp(timestamp, nonce)
        params = [("signature", sign(self.token, ts, nonce)), ("timestamp", ts), ("nonce", nonce)]
        params.append(("openid", from_user))
        if self.mode == "plaintext":
            return PeerRequest(params, xml)
        assert self.encoding_aes_key is not None
        ciphertext = encrypt(self.encoding_aes_key, self.appid, xml)
        params.append(("encrypt_type", "aes"))
        params.append(("msg_signature", sign(self.token, ts, nonce, ciphertext)))
        enc = _element("Encrypt", ciphertext)
        if self.mode == "compatible":
            head, sep, tail = xml.rpartition("</xml>")
            body = head + enc + sep + tail if sep else xml + enc
        else:
            body = "<xml>" + _element("ToUserName", self._to_user_of(xml)) + enc + "</xml>"
        return PeerRequest(params, body)

    def _to_user_of(self, xml: str) -> str:
        try:
            return ET.fromstring(xml).findtext("ToUserName") or self.to_user
        except ET.ParseError:  # tests may send deliberately broken XML
            return self.to_user

    def post(
        self, xml: str, *, from_user: str, timestamp: int | None = None, nonce: str | None = None
    ) -> PeerReply:
        """POST ``xml`` as WeChat would and return the (decrypted, verified) reply."""
        req = self.prepare(xml, from_user=from_user, timestamp=timestamp, nonce=nonce)
        resp = self.http.post(
            self.url,
            params=req.params,
            data=req.body.encode("utf-8"),
            headers={"Content-Type": "text/xml"},
            timeout=self.timeout,
        )
        return self.read_reply(resp.status_code, resp.content)

    def read_reply(self, status_code: int, raw: bytes) -> PeerReply:
        """Interpret a reply; raises ``PeerProtocolError`` where WeChat would reject it."""
        # Decode ourselves: requests assumes ISO-8859-1 for text/* without a charset.
        body = raw.decode("utf-8", errors="replace")
        reply = PeerReply(status_code=status_code, body=body)
        text = body.strip()
        if not 200 <= status_code < 300 or text in ("", "success"):
            return reply
        try:
            root = ET.fromstring(text)
        except ET.ParseError as exc:
            raise PeerProtocolError(f"reply is not XML: {text[:80]!r}") from exc
        encrypted = root.find("Encrypt") is not None
        if encrypted != (self.mode != "plaintext") and self.mode != "compatible":
            kind = "encrypted" if encrypted else "plaintext"
            raise PeerProtocolError(f"{kind} reply in {self.mode} mode")
        if encrypted:
            text = self._open(root)
            root = ET.fromstring(text)
        reply.xml = text
        reply.fields = _flatten(root)
        return reply

    def _open(self, root: ET.Element) -> str:
        ciphertext = root.findtext("Encrypt") or ""
        stamp = [root.findtext(tag) or "" for tag in ("TimeStamp", "Nonce")]
        expected = sign(self.token, *stamp, ciphertext)
        if root.findtext("MsgSignature") != expected:
            raise PeerProtocolError("reply MsgSignature does not match")
        if not self.encoding_aes_key:
            raise PeerProtocolError("encrypted reply but the peer has no EncodingAESKey")
        return decrypt(self.encoding_aes_key, self.appid, ciphertext)

    def _send(
        self, kind: str, openid: str, msg_id: int | None, create_time: int | None,
        timestamp: int | None, **fields: Any,
    ) -> PeerReply:
        if kind != "event" and msg_id is None:
            msg_id = self.next_msg_id()
        create_time = int(time.time()) if create_time is None else create_time
        xml = build_message_xml(
            kind, to_user=self.to_user, from_user=openid, create_time=create_time,
            msg_id=msg_id, **fields,
        )
        return self.post(xml, from_user=openid, timestamp=timestamp)

    def send_text(
        self, openid: str, content: str, *, msg_id: int | None = None,
        create_time: int | None = None, timestamp: int | None = None,
    ) -> PeerReply:
        return self._send("text", openid, msg_id, create_time, timestamp, Content=content)

    def send_image(
        self, openid: str, media_id: str, pic_url: str = "", *, msg_id: int | None = None,
        create_time: int | None = None, timestamp: int | None = None,
    ) -> PeerReply:
        return self._send(
            "image", openid, msg_id, create_time, timestamp, PicUrl=pic_url, MediaId=media_id
        )

    def send_voice(
        self, openid: str, media_id: str, recognition: str | None = None, *, fmt: str = "amr",
        msg_id: int | None = None, create_time: int | None = None, timestamp: int | None = None,
    ) -> PeerReply:
        """A voice message; ``recognition`` is WeChat's transcript (None: recognition is off)."""
        return self._send(
            "voice", openid, msg_id, create_time, timestamp, MediaId=media_id, Format=fmt,
            Recognition=recognition,
        )

    def send_video(
        self, openid: str, media_id: str, thumb_media_id: str, *, short: bool = False,
        msg_id: int | None = None, create_time: int | None = None, timestamp: int | None = None,
    ) -> PeerReply:
        """A video (``short``: a 小视频 filmed in the chat, MsgType shortvideo)."""
        return self._send(
            "shortvideo" if short else "video", openid, msg_id, create_time, timestamp,
            MediaId=media_id, ThumbMediaId=thumb_media_id,
        )

    def send_location(
        self, openid: str, lat: float, lng: float, *, label: str = "", scale: int = 15,
        msg_id: int | None = None, create_time: int | None = None, timestamp: int | None = None,
    ) -> PeerReply:
        # WeChat: Location_X is the latitude, Location_Y the longitude.
        return self._send(
            "location", openid, msg_id, create_time, timestamp,
            Location_X=float(lat), Location_Y=float(lng), Scale=int(scale), Label=label,
        )

    def send_event(
        self, openid: str, event: str, event_key: str | None = None, *,
        create_time: int | None = None, timestamp: int | None = None, **fields: Any,
    ) -> PeerReply:
        """Events carry no MsgId; extra ``fields`` cover e.g. a LOCATION event's Latitude."""
        return self._send(
            "event", openid, None, create_time, timestamp, Event=event, EventKey=event_key, **fields
        )

    def verify_url(self, echostr: str) -> requests.Response:
        """The GET server verification; Official Accounts get a plain echostr even in safe mode."""
        ts, nonce = self._stamp(None, None)
        params = [("signature", sign(self.token, ts, nonce)), ("timestamp", ts), ("nonce", nonce)]
        params.append(("echostr", echostr))
        return self.http.get(self.url, params=params, timeout=self.timeout)
