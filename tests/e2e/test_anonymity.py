"""An anonymous report keeps nothing that leads back to the person (whistleblower protection)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.chat import inbound_log
from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Hazard, HazardEvent, InboundMessage, Job, OutboxMessage, User
from bot.services.platform import retention
from bot.services.platform.clock import utcnow
from bot.services.platform.retention import RetentionSettings
from tests.common.db_search import mentions
from tests.e2e.chat import (
    DESCRIPTION,
    code_in,
    engine_of,
    execute,
    idle_for,
    jpeg_with_gps,
    number_in,
    one,
    report_until_confirm,
    rows,
    say,
    send_photo,
    user_of,
)
from tests.e2e.conftest import LiveServer
from tests.e2e.inspection_chat import scene_of
from tests.fakes.wechat_api import FakeWeChatServer

WHISTLEBLOWER = "o_whistle_0001"
STEEL = "太原晋钢钢铁有限公司"


def test_anonymous_report_and_its_photos_carry_no_link_to_the_reporter(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    fake_wechat.add_media("M_ANON", jpeg_with_gps())
    report_until_confirm(peer, WHISTLEBLOWER, photos=["M_ANON"])
    reply = say(peer, WHISTLEBLOWER, "确认")
    number, code = number_in(reply), code_in(reply)
    live.run_worker()

    user = user_of(engine, WHISTLEBLOWER)
    hazard = one(engine, Hazard, Hazard.number == number)
    assert hazard.anonymous and hazard.reporter_id is None
    assert hazard.reporter_name is None and hazard.reporter_phone is None
    assert code not in (hazard.query_code_hash or "")
    photo = one(engine, Attachment, Attachment.hazard_id == hazard.id)
    assert photo.status == "stored" and photo.uploader_id is None
    assert all(e.actor_id is None for e in rows(engine, HazardEvent, HazardEvent.hazard_id == hazard.id))
    assert user.id not in {hazard.reporter_id, photo.uploader_id}

    # The reply with the query code is kept only for WeChat's retry window.
    replies = [m.reply or "" for m in rows(engine, InboundMessage, InboundMessage.openid == WHISTLEBLOWER)]
    assert any(code in r for r in replies)
    execute(engine, update(InboundMessage).values(received_at=utcnow() - timedelta(minutes=11)))
    live.run_worker()
    replies = [m.reply or "" for m in rows(engine, InboundMessage, InboundMessage.openid == WHISTLEBLOWER)]
    assert not any(code in r for r in replies)

    # …and the code still works, for anyone who holds it.
    assert "已提交，等待受理" in say(peer, "o_someone_else", f"查询 {number} {code}")
    assert "查询码不正确" in say(peer, "o_someone_else", f"查询 {number}")




def test_after_the_retention_window_only_the_user_row_holds_the_reporters_openid(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    """A new follower scans the plant's poster at the gate and reports anonymously with a
    photo. Days later the plumbing (the inbound log with the hashed scan scene, the dialogue
    row, his last-message time, the outbox) no longer ties his openid to that moment."""
    engine = engine_of(live)
    openid = "o_gate_scanner_0001"
    fake_wechat.add_media("M_GATE", jpeg_with_gps())
    assert "匿名" in peer.send_event(openid, "subscribe", "qrscene_" + scene_of(live, STEEL)).content
    assert "第 3 步" in say(peer, openid, DESCRIPTION)
    assert "张照片" in send_photo(peer, openid, "M_GATE")
    assert "第 4 步" in say(peer, openid, "好了")
    assert "第 5 步" in say(peer, openid, "跳过")
    assert "第 6 步" in say(peer, openid, "2")
    assert "请核对" in say(peer, openid, "2")
    number = number_in(say(peer, openid, "确认"))
    live.run_worker()
    with Session(engine) as session:
        assert {"users.openid", "inbound_messages.openid", "inbound_messages.dedupe_key"} <= set(
            mentions(session, openid))

    later = utcnow() + timedelta(days=3)
    settings = RetentionSettings.from_config(live.app.config["HAZARDBOT"])
    with Session(engine) as session:
        inbound_log.purge_old_replies(session, now=later)
        session.commit()
        retention.run(session, now=later, settings=settings)
    with Session(engine) as session:
        assert mentions(session, openid) == ["users.openid"]
        user = session.scalars(select(User).where(User.openid == openid)).one()
        assert user.last_inbound_at is None
        hazard = session.scalars(select(Hazard).where(Hazard.number == number)).one()
        assert hazard.anonymous and hazard.reporter_id is None
        photo = session.scalars(select(Attachment).where(Attachment.hazard_id == hazard.id)).one()
        assert photo.status == "stored" and photo.uploader_id is None


def _anonymous_report_with_a_rejected_photo(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer, openid: str
) -> tuple[Hazard, list[Attachment]]:
    """An anonymous report whose first photo cannot be used: the reporter is told through the
    outbox while his draft still names him as the uploader; the second photo is kept.

    A hundred older photos of nobody come first, so that his photos' ids cannot be mistaken
    for the small counters in other keys (a dialogue's row id, a minute).
    """
    with Session(engine_of(live)) as session:
        session.add_all(Attachment(media_id=f"M_OLD_{i}", status="rejected", created_at=utcnow())
                        for i in range(100))
        session.commit()
    fake_wechat.add_media("M_UNUSABLE", b"not a picture at all", "image/jpeg")
    fake_wechat.add_media("M_USABLE", jpeg_with_gps())
    say(peer, openid, "举报", "晋钢", "1", DESCRIPTION)
    assert send_photo(peer, openid, "M_UNUSABLE").startswith("已收到第 1 张照片")
    assert send_photo(peer, openid, "M_USABLE").startswith("已收到第 2 张照片")
    live.run_worker()
    [rejected] = [m["text"]["content"] for m in fake_wechat.sent_messages(openid)][-1:]
    assert "第 1 张照片无法使用" in rejected
    assert "请核对" in say(peer, openid, "好了", "跳过", "2", "2")
    number = number_in(say(peer, openid, "确认"))
    live.run_worker()
    engine = engine_of(live)
    hazard = one(engine, Hazard, Hazard.number == number)
    photos = rows(engine, Attachment, Attachment.hazard_id == hazard.id)
    assert hazard.anonymous and sorted(p.status for p in photos) == ["rejected", "stored"]
    assert all(p.uploader_id is None for p in photos)
    return hazard, photos


def _fields(key: str) -> set[str]:
    """The parts of a key or payload: ``photo_rejected:117`` → {"photo_rejected", "117"}."""
    return set(re.split(r"[^0-9A-Za-z_]+", key))


def _names_the_hazard(key: str, text: str, hazard: Hazard, photos: list[Attachment]) -> bool:
    """Whether a row names the hazard (its number anywhere) or a photo of it (its id as a
    part of the key or payload; a text's "第 1 张" is the photo's place in the dialogue)."""
    return hazard.number in key + text or any(str(p.id) in _fields(key) for p in photos)


def _to_him(message: OutboxMessage, openid: str) -> bool:
    """Whether an outbox row is his, or names him (an openid anywhere in it)."""
    return message.openid == openid or openid in f"{message.key} {message.text or ''}"


def test_right_after_a_rejected_photo_no_outbox_or_job_row_joins_the_hazard_to_the_reporter(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    """Before any retention: the notice about the rejected photo reached him, and neither it
    nor any other outbox row or job carries both him and the hazard or its photos."""
    openid = "o_whistle_rejected_photo"
    hazard, photos = _anonymous_report_with_a_rejected_photo(live, peer, fake_wechat, openid)
    engine = engine_of(live)
    user = user_of(engine, openid)
    to_him = rows(engine, OutboxMessage, OutboxMessage.openid == openid)
    assert [m.kind for m in to_him] == ["photo_rejected"] and to_him[0].status == "sent"
    for message in rows(engine, OutboxMessage):
        if _to_him(message, openid):
            key, text = f"{message.key} {message.kind}", message.text or ""
            assert not _names_the_hazard(key, text, hazard, photos), (key, text)
    for job in rows(engine, Job):  # the photo jobs name the photos: they must not name him
        row = f"{job.key} {job.kind} {json.dumps(job.payload)} {job.last_error or ''}"
        assert openid not in row, row
        assert user.id not in {job.payload.get(k) for k in ("user_id", "uploader_id", "reporter_id")}, row


def test_after_retention_no_path_to_the_outbox_leaves_his_openid_beside_the_hazard(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    """Every way a message reaches an anonymous reporter through the outbox: a draft that
    expired (an earlier attempt he walked away from) and a rejected photo. Within the outbox
    window the rows hold his openid beside nothing that names the hazard; after it, as after
    the shorter windows, only his user row holds it (every text and JSON column searched)."""
    openid = "o_whistle_every_path"
    engine = engine_of(live)
    say(peer, openid, "举报", "晋钢", "1", DESCRIPTION)
    idle_for(engine, openid, timedelta(hours=25))
    live.run_worker()
    assert "已自动结束" in fake_wechat.sent_messages(openid)[-1]["text"]["content"]
    hazard, photos = _anonymous_report_with_a_rejected_photo(live, peer, fake_wechat, openid)
    to_him = rows(engine, OutboxMessage, OutboxMessage.openid == openid)
    assert sorted(m.kind for m in to_him) == ["dialogue_expired", "photo_rejected"]

    settings = RetentionSettings.from_config(live.app.config["HAZARDBOT"])
    for later, expected in (
        (utcnow() + timedelta(days=3), ["outbox.openid", "outbox.openid", "users.openid"]),
        (utcnow() + settings.outbox + timedelta(days=1), ["users.openid"]),
    ):
        with Session(engine) as session:
            inbound_log.purge_old_replies(session, now=later)
            session.commit()
            retention.run(session, now=later, settings=settings)
        with Session(engine) as session:
            assert sorted(mentions(session, openid)) == expected
            for message in session.scalars(select(OutboxMessage)):
                if _to_him(message, openid):
                    key, text = f"{message.key} {message.kind}", message.text or ""
                    assert not _names_the_hazard(key, text, hazard, photos), (key, text)
