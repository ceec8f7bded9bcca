"""Helpers for end-to-end chat tests: talk like a phone, read what the database kept.

Tests stay short and read as a conversation: ``say(peer, openid, "举报", "晋钢", "1")``
returns the last reply a person would see; ``report_until_confirm`` walks a whole report up
to the summary. Database reads go through ``rows`` / ``one`` / ``count`` on a fresh session.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from PIL import Image
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer, build_message_xml
from bot.models import Conversation, User
from tests.conftest import TEST_AES_KEY, TEST_APPID, TEST_TOKEN
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

T = TypeVar("T")

DESCRIPTION = "二号车间除尘器泄爆口朝向人员通道，且未设置隔离区"
_NUMBER = re.compile(r"编号：(YH\d+)")
_CODE = re.compile(r"查询码：([A-Z0-9]+)")
_BINDING_CODE = re.compile(r"绑定码：([A-Z0-9]+)")


def make_peer(live: LiveServer, mode: str = "safe", *, appid: str = TEST_APPID) -> WeChatPeer:
    """A WeChat peer in ``mode`` (plaintext, compatible, safe) against the live app."""
    return WeChatPeer(
        f"{live.url}/wechat", token=TEST_TOKEN, appid=appid,
        encoding_aes_key=None if mode == "plaintext" else TEST_AES_KEY, mode=mode,
    )


def say(peer: WeChatPeer, openid: str, *texts: str) -> str:
    """Send each text in turn as ``openid``; every answer must be 200; returns the last reply."""
    content = ""
    for text in texts:
        reply = peer.send_text(openid, text)
        assert reply.status_code == 200, (text, reply.status_code, reply.body)
        content = reply.content
    return content


def send_photo(peer: WeChatPeer, openid: str, media_id: str) -> str:
    reply = peer.send_image(openid, media_id, f"http://mmbiz.example/{media_id}.jpg")
    assert reply.status_code == 200, reply.body
    return reply.content


def send_location(peer: WeChatPeer, openid: str, lat: float, lng: float, label: str = "") -> str:
    """A WeChat location message (＋ → 位置): GCJ-02, Location_X the latitude."""
    reply = peer.send_location(openid, lat, lng, label=label)
    assert reply.status_code == 200, reply.body
    return reply.content


def send_kind(peer: WeChatPeer, openid: str, kind: str, **fields: Any) -> str:
    """Send a message of any type (voice, video, …) as WeChat would render it."""
    xml = build_message_xml(
        kind, to_user=peer.to_user, from_user=openid, create_time=int(time.time()),
        msg_id=peer.next_msg_id(), **fields,
    )
    reply = peer.post(xml, from_user=openid)
    assert reply.status_code == 200, reply.body
    return reply.content


def report_until_confirm(
    peer: WeChatPeer,
    openid: str,
    *,
    enterprise: str = "晋钢",
    pick: str = "1",
    county: str | None = None,
    county_pick: str | None = None,
    description: str = DESCRIPTION,
    photos: Sequence[str] = (),
    location: tuple[float, float, str] | None = None,
    contact: str | None = None,
    possibly_major: bool = False,
) -> str:
    """Walk a report from "举报" to the summary; returns the summary text.

    ``pick="0"`` reports an unregistered enterprise (then ``county`` and, if the county is
    ambiguous, ``county_pick``); ``contact=None`` reports anonymously; ``possibly_major`` is
    the reporter's answer to "可能是重大事故隐患吗？".
    """
    assert "企业名称" in say(peer, openid, "举报")
    say(peer, openid, enterprise)
    reply = say(peer, openid, pick)
    if pick == "0":
        assert "所在的县" in reply, reply
        assert county is not None
        reply = say(peer, openid, county)
        if county_pick is not None:
            assert "请回复序号" in reply, reply
            reply = say(peer, openid, county_pick)
    assert "第 2 步" in reply, reply
    assert "第 3 步" in say(peer, openid, description)
    for media_id in photos:
        assert "张照片" in send_photo(peer, openid, media_id)
    assert "第 4 步" in say(peer, openid, "好了" if photos else "跳过")
    if location is not None:
        lat, lng, label = location
        reply = peer.send_location(openid, lat, lng, label=label).content
    else:
        reply = say(peer, openid, "跳过")
    assert "第 5 步" in reply, reply
    if contact is None:
        reply = say(peer, openid, "2")
    else:
        assert "姓名和手机号" in say(peer, openid, "1")
        reply = say(peer, openid, contact)
    assert "第 6 步" in reply, reply
    reply = say(peer, openid, "1" if possibly_major else "2")
    assert "请核对" in reply, reply
    return reply


def invite(live: LiveServer, *args: str) -> str:
    """Issue a binding code with ``flask users invite ARGS`` and return it."""
    result = live.app.test_cli_runner().invoke(args=["users", "invite", *args])
    assert result.exit_code == 0, result.output
    match = _BINDING_CODE.search(result.output)
    assert match, result.output
    return match.group(1)


def bind_as(live: LiveServer, peer: WeChatPeer, openid: str, *invite_args: str) -> str:
    """Make ``openid`` an officer or manager as a person would: an admin's code, then "绑定"."""
    reply = say(peer, openid, f"绑定 {invite(live, *invite_args)}")
    assert reply.startswith("绑定成功"), reply
    return reply


def received(fake_wechat: FakeWeChatServer, openid: str) -> list[str]:
    """The texts the bot pushed to ``openid`` (through the outbox), in order."""
    return [m["text"]["content"] for m in fake_wechat.sent_messages(openid)]


def number_in(reply: str) -> str:
    match = _NUMBER.search(reply)
    assert match, f"no hazard number in {reply!r}"
    return match.group(1)


def code_in(reply: str) -> str:
    match = _CODE.search(reply)
    assert match, f"no query code in {reply!r}"
    return match.group(1)


# --- the database -------------------------------------------------------------------------

def engine_of(live: LiveServer) -> Engine:
    return live.app.extensions["engine"]  # type: ignore[no-any-return]


def rows(engine: Engine, model: type[T], *where: Any) -> list[T]:
    with Session(engine) as session:
        return list(session.scalars(select(model).where(*where)))  # type: ignore[call-overload]


def one(engine: Engine, model: type[T], *where: Any) -> T:
    found = rows(engine, model, *where)
    assert len(found) == 1, f"expected one {model.__name__}, found {len(found)}"  # type: ignore[attr-defined]
    return found[0]


def count(engine: Engine, model: type[Any], *where: Any) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def user_of(engine: Engine, openid: str) -> User:
    return one(engine, User, User.openid == openid)


def conversation_of(engine: Engine, openid: str) -> Conversation:
    user = user_of(engine, openid)
    return one(engine, Conversation, Conversation.user_id == user.id)


def execute(engine: Engine, statement: Any) -> None:
    with Session(engine) as session:
        session.execute(statement)
        session.commit()


def idle_for(engine: Engine, openid: str, idle: timedelta) -> None:
    """Pretend the person's dialogue last moved ``idle`` ago (instead of waiting that long)."""
    user = user_of(engine, openid)
    with Session(engine) as session:
        row = session.scalars(select(Conversation).where(Conversation.user_id == user.id)).one()
        row.updated_at = row.updated_at - idle
        session.commit()


def bind_worker(engine: Engine, openid: str, enterprise_id: int) -> None:
    """Make ``openid`` a worker of the enterprise, as the binding flow will later do."""
    execute(engine, update(User).where(User.openid == openid).values(enterprise_id=enterprise_id))


# --- pictures -----------------------------------------------------------------------------

def jpeg_with_gps(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small phone-like JPEG carrying a maker and a GPS position in its EXIF."""
    image = Image.new("RGB", (64, 48), color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 52.0, 10.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    return buf.getvalue()
