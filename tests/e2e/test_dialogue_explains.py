"""The dialogue explains itself, through the WeChat peer as a person meets it: typos and
greetings, an over-long description, a draft resumed after 2 hours and one expired after 25,
the anonymous reporter told no message will come."""

from __future__ import annotations

from datetime import timedelta

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import Attachment, Hazard
from tests.e2e.chat import (
    DESCRIPTION,
    conversation_of,
    count,
    engine_of,
    idle_for,
    number_in,
    one,
    report_until_confirm,
    say,
    send_photo,
)
from tests.e2e.conftest import LiveServer

WORKER = "o_explained_worker"


def test_typos_and_greetings_get_the_command_meant(live: LiveServer, peer: WeChatPeer) -> None:
    for typed, meant in (("jubao", "举报"), ("举包", "举报"), ("查寻", "查询")):
        reply = say(peer, WORKER, typed)
        assert reply.startswith(f"没看懂“{typed}”。您是不是想发“{meant}”？\n"), reply
        assert reply.endswith(texts.GUIDE)
    assert say(peer, WORKER, "在吗") == texts.GREETING + texts.GUIDE
    assert conversation_of(engine_of(live), WORKER).state == "idle"


def test_an_over_long_description_is_kept_with_its_real_length(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, WORKER, "举报", "晋钢", "1")
    long_text = "二号车间除尘器泄爆口朝向人员通道。" + "除尘管道积尘严重" * 623  # 5,001 characters
    reply = say(peer, WORKER, long_text)
    assert f"您的描述有 {len(long_text)} 字，超过了 1000 字的上限，内容已暂存。" in reply
    assert "回复“保留”只保留前 1000 字" in reply
    assert conversation_of(engine_of(live), WORKER).state == "description"
    assert say(peer, WORKER, "保留").startswith("已保留前 1000 字。\n第 3 步")
    assert conversation_of(engine_of(live), WORKER).data["draft"]["description"] == long_text[:1000]


def test_refused_description_answers_say_why(live: LiveServer, peer: WeChatPeer) -> None:
    say(peer, WORKER, "举报", "晋钢", "1")
    assert say(peer, WORKER, "跳过").startswith("隐患描述不能跳过：")
    assert say(peer, WORKER, "2").startswith("“2”不是隐患描述：")
    assert say(peer, WORKER, "确认").startswith("还没有隐患描述，暂时不能提交。")
    assert "第 3 步" in say(peer, WORKER, DESCRIPTION)


def test_a_draft_left_for_two_hours_is_offered_back(live: LiveServer, peer: WeChatPeer) -> None:
    engine = engine_of(live)
    say(peer, WORKER, "举报", "晋钢", "1", DESCRIPTION)
    assert "张照片" in send_photo(peer, WORKER, "MEDIA_R1")
    idle_for(engine, WORKER, timedelta(hours=2))

    reply = say(peer, WORKER, "好了")
    assert reply.startswith("您有一份未提交的隐患报告（2 小时前填写，太原晋钢"), reply
    assert "已填到第 3 步" in reply and "回复“继续”接着填写" in reply
    assert say(peer, WORKER, "继续") == texts.RESUMED + texts.PHOTOS_EXPECTED
    assert say(peer, WORKER, "好了") == texts.ASK_LOCATION
    assert count(engine, Attachment) == 1  # the photo sent before the pause is still there


def test_a_draft_may_be_started_over_after_a_pause(live: LiveServer, peer: WeChatPeer) -> None:
    engine = engine_of(live)
    say(peer, WORKER, "举报", "晋钢", "1", DESCRIPTION)
    send_photo(peer, WORKER, "MEDIA_R2")
    idle_for(engine, WORKER, timedelta(hours=3))
    assert "回复“重新开始”放弃它并重新报告" in say(peer, WORKER, "你好")
    assert say(peer, WORKER, "重新开始") == texts.ASK_ENTERPRISE
    assert count(engine, Attachment) == 0


def test_a_draft_left_for_25_hours_has_expired(live: LiveServer, peer: WeChatPeer) -> None:
    engine = engine_of(live)
    say(peer, WORKER, "举报", "晋钢", "1", DESCRIPTION)
    idle_for(engine, WORKER, timedelta(hours=25))
    reply = say(peer, WORKER, "好了")
    assert reply.startswith("上一次报告超过 24 小时没有继续，已自动结束")
    assert conversation_of(engine, WORKER).state == "idle"


def test_the_anonymous_reporter_is_told_no_message_will_come(live: LiveServer, peer: WeChatPeer) -> None:
    report_until_confirm(peer, WORKER)
    reply = say(peer, WORKER, "确认")
    number = number_in(reply)
    assert "匿名报告不会收到任何办理通知" in reply and f"查询 {number} " in reply
    assert one(engine_of(live), Hazard, Hazard.number == number).anonymous
