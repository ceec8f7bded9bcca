"""An anonymous report keeps nothing that leads back to the person (whistleblower protection)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.chat import inbound_log
from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Hazard, HazardEvent, InboundMessage, User
from bot.services.platform import retention
from bot.services.platform.clock import utcnow
from bot.services.platform.retention import RetentionSettings
from tests.common.db_search import mentions
from tests.e2e.chat import (
    DESCRIPTION,
    code_in,
    engine_of,
    execute,
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
