"""解绑 in chat: asked first, done on "解绑 确认", and the dialogue begun under the role ends."""

from __future__ import annotations

import pytest

from bot.handlers import texts
from bot.handlers.commands import Command, CommandError, parse_command
from bot.handlers.core import State
from tests.unit.handlers.fake_port import TODAY, Chat, FakeChat


def test_parsed() -> None:
    assert parse_command("解绑", today=TODAY) == Command("unbind", action="ask")
    assert parse_command("解绑 确认", today=TODAY) == Command("unbind", action="confirm")
    with pytest.raises(CommandError, match="用法：解绑"):
        parse_command("解绑 全部", today=TODAY)


def test_asks_then_unbinds() -> None:
    chat = Chat(FakeChat(user_role="officer"))
    asked = chat.say("解绑")
    assert "确认解绑请回复“解绑 确认”" in asked and "县级监管人员" in asked
    assert ("unbind",) not in chat.port.calls
    done = chat.say("解绑 确认")
    assert "已解除绑定（原身份：县级监管人员）" in done and ("unbind",) in chat.port.calls
    assert chat.state is State.IDLE
    assert chat.say("解绑") == texts.UNBIND_NOTHING


def test_the_public_have_nothing_to_unbind() -> None:
    chat = Chat(FakeChat(user_role="public"))
    assert chat.say("解绑") == texts.UNBIND_NOTHING
    assert chat.say("受理") == texts.NOT_BOUND
