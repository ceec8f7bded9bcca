"""An abandoned dialogue is ended by the worker, and the person is told through WeChat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Conversation, OutboxMessage
from tests.e2e.chat import jpeg_with_gps, say, send_photo
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

WALKER = "o_walked_away"


def _age_dialogue(live: LiveServer, minutes: int) -> None:
    with Session(live.app.extensions["engine"]) as session:
        row = session.scalars(select(Conversation)).one()
        session.execute(
            update(Conversation)
            .where(Conversation.id == row.id)
            .values(updated_at=row.updated_at - timedelta(minutes=minutes))
        )
        session.commit()


def test_idle_dialogue_is_ended_once_with_a_message(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    say(peer, WALKER, "举报", "晋钢", "1", "高炉煤气区域固定式一氧化碳报警器不报警")
    fake_wechat.add_media("M_EXP", jpeg_with_gps())
    send_photo(peer, WALKER, "M_EXP")

    _age_dialogue(live, 24 * 60 - 1)  # a draft is kept for dialogue.draft_hours (24)
    live.run_worker()
    assert fake_wechat.sent_messages(WALKER) == []  # not idle long enough yet

    _age_dialogue(live, 2)
    live.run_worker()
    live.run_worker()  # a second pass must not send again

    sent = fake_wechat.sent_messages(WALKER)
    assert len(sent) == 1
    assert "超过 24 小时没有继续，已自动结束" in sent[0]["text"]["content"]
    with Session(live.app.extensions["engine"]) as session:
        assert session.scalars(select(Conversation.state)).one() == "idle"
        assert session.scalars(select(Attachment)).all() == []
        assert session.scalars(select(OutboxMessage.status)).one() == "sent"

    # Coming back later starts cleanly, without a second notice.
    assert "企业名称" in say(peer, WALKER, "举报")
