"""The dialogue explains itself: typos get the command meant, greetings the menu, a kept
draft is offered back, and every refusal says why."""

from __future__ import annotations

import pytest

from bot.handlers import texts
from bot.handlers.core import State
from bot.handlers.suggest import closest_command
from tests.unit.handlers.fake_port import Chat, FakeChat, image


@pytest.mark.parametrize(("typed", "meant"), [
    ("jubao", "举报"), ("Jubao", "举报"), ("举包", "举报"), ("查寻", "查询"), ("chaxun", "查询"),
    ("帮主", "帮助"), ("查寻 YH202611240001", "查询 YH202611240001"),
])
def test_a_typo_gets_the_command_it_sounds_like(typed: str, meant: str) -> None:
    chat = Chat()
    reply = chat.say(typed)
    assert reply == f"没看懂“{typed}”。您是不是想发“{meant}”？\n" + texts.GUIDE
    assert chat.state is State.IDLE


def test_an_officers_typo_names_his_command_with_its_number() -> None:
    assert closest_command("受里 YH202611240001", "officer") == "受理 YH202611240001"
    assert closest_command("受里", "public") != "受理"  # the public is not taught officers' verbs


def test_a_sentence_gets_no_suggestion() -> None:
    assert closest_command("二号车间除尘器泄爆口朝向人员通道", "public") is None
    assert closest_command("举报", "public") is None  # a command is not a typo


@pytest.mark.parametrize("hello", ["你好", "在吗", "您好", "hello", "你好，在吗？", "你好,在吗"])
def test_a_greeting_gets_a_friendly_answer_and_the_menu(hello: str) -> None:
    chat = Chat()
    assert chat.say(hello) == texts.GREETING + texts.GUIDE


def test_a_greeting_mid_report_goes_back_to_the_question() -> None:
    chat = Chat()
    chat.say("举报")
    reply = chat.say("你好")
    assert reply == texts.GREETING + texts.ASK_ENTERPRISE
    assert chat.state is State.ENTERPRISE


def _paused_at_photos() -> Chat:
    chat = Chat()
    for said in ("举报", "晋钢", "1", "二号车间行车吊钩缺少防脱钩装置"):
        chat.say(said)
    assert chat.state is State.PHOTOS
    chat.dialogue.data["paused_minutes"] = 125  # what the channel marks after dialogue.idle_minutes
    return chat


def test_a_kept_draft_is_offered_and_resumed() -> None:
    chat = _paused_at_photos()
    reply = chat.say("好了")
    assert reply.startswith("您有一份未提交的隐患报告（2 小时前填写，")
    assert "已填到第 3 步" in reply and "回复“继续”接着填写，回复“重新开始”放弃它并重新报告。" in reply
    assert chat.state is State.PHOTOS  # "好了" was not taken as the answer
    again = chat.say("好了")
    assert again.startswith(texts.RESUME_EXPECTED)
    assert chat.say("继续") == texts.RESUMED + texts.PHOTOS_EXPECTED
    assert chat.draft.description == "二号车间行车吊钩缺少防脱钩装置"
    assert chat.say("好了") == texts.ASK_LOCATION


def test_a_kept_draft_may_be_started_over() -> None:
    port = FakeChat()
    chat = Chat(port)
    for said in ("举报", "晋钢", "1"):
        chat.say(said)
    chat.send(image("m1"))
    chat.dialogue.data["paused_minutes"] = 40
    assert "40 分钟前填写" in chat.say("在吗")
    assert chat.say("重新开始") == texts.ASK_ENTERPRISE
    assert chat.state is State.ENTERPRISE and chat.draft.photo_ids == []
    assert port.discarded, "the old draft's photos are discarded"


@pytest.mark.parametrize(("state_words", "sent", "why"), [
    (("举报", "晋钢", "1", "二号车间行车吊钩缺少防脱钩装置", "跳过"), "image",
     "这一步不需要照片，这张照片没有保存。"),
    (("举报", "晋钢", "1", "二号车间行车吊钩缺少防脱钩装置", "跳过", "跳过"), "确认",
     "还没到提交的时候，需要先回答这一步。"),
])
def test_a_refused_answer_says_why(state_words: tuple[str, ...], sent: str, why: str) -> None:
    chat = Chat()
    for said in state_words:
        chat.say(said)
    reply = chat.send(image("m9")) if sent == "image" else chat.say(sent)
    assert reply.startswith(why + "\n")
