"""The shipped pinyin table reads the commands, and a typo's characters, as pypinyin does."""

from __future__ import annotations

import pytest
from pypinyin import lazy_pinyin

from bot.handlers import suggest

COMMANDS = sorted(set(suggest.PUBLIC_COMMANDS + suggest.OFFICER_COMMANDS + suggest.MANAGER_COMMANDS))


@pytest.mark.parametrize("word", COMMANDS)
def test_every_command_sounds_as_pypinyin_says(word: str) -> None:
    assert suggest._sound(word) == "".join(lazy_pinyin(word))


TYPOS = ["举包", "查寻", "受里", "帮主", "不与受里", "我似员工", "整该", "代办", "督半"]


@pytest.mark.parametrize("typo", TYPOS)
def test_a_typo_sounds_as_pypinyin_says(typo: str) -> None:
    assert suggest._sound(typo) == "".join(lazy_pinyin(typo))


def test_what_is_not_chinese_stands_for_itself() -> None:
    assert suggest._sound("举报？") == "jubao？"
