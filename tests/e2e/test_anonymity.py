"""An anonymous report keeps nothing that leads back to the person (whistleblower protection)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Hazard, HazardEvent, InboundMessage
from bot.services.clock import utcnow
from tests.e2e.chat import (
    code_in,
    engine_of,
    execute,
    jpeg_with_gps,
    number_in,
    one,
    report_until_confirm,
    rows,
    say,
    user_of,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

WHISTLEBLOWER = "o_whistle_0001"


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


