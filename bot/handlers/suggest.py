"""The command a person probably meant, for text the dialogue did not understand.

Why pinyin as well as edit distance: typos on a phone keyboard are mostly homophones picked
from the candidate bar (举包, 查寻, 受里) or the pinyin itself typed without choosing (jubao);
their characters differ from the command's, their sounds don't. Both become toneless
syllables, each character read with its most common reading from ``bot/data/pinyin.txt``
(written from pypinyin by ``scripts/pinyin_table.py``; pypinyin's own dictionaries would cost
every worker about 55 MiB), and ``difflib`` finds the nearest.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from importlib import resources

from bot.handlers.incoming import fold

# What anyone may send; officers and managers also get their verbs.
PUBLIC_COMMANDS = ("举报", "查询", "帮助", "取消", "我的报告", "绑定", "我是员工")
OFFICER_COMMANDS = (
    "受理", "不予受理", "定级", "限期", "督办", "验收", "退回", "合并", "待办", "举报人", "处罚",
    "奖励", "周报", "检查", "解绑",
)
MANAGER_COMMANDS = ("待办", "整改", "提交整改", "自查", "解绑")
_ROLE_COMMANDS = {"officer": OFFICER_COMMANDS, "manager": MANAGER_COMMANDS}
_HEAD = re.compile(r"^(?P<head>[A-Za-z]+|[^\sA-Za-z\d:：,，]+)(?P<rest>.*)$")
_LATIN = re.compile(r"^[a-z]+$")


@cache
def _syllables() -> tuple[tuple[str, str], ...]:
    """(syllable, every character read so): read on the first suggestion, about 200 KiB."""
    text = resources.files("bot.data").joinpath("pinyin.txt").read_text(encoding="utf-8")
    return tuple((sound, chars) for sound, chars in (line.split(" ", 1) for line in text.splitlines()))


def _char_sound(char: str) -> str:
    for sound, chars in _syllables():
        if char in chars:
            return sound
    return char  # not a Chinese character: it stands for itself


@cache
def _sound(word: str) -> str:
    return "".join(_char_sound(char) for char in word)


def commands_for(role: str) -> tuple[str, ...]:
    return PUBLIC_COMMANDS + _ROLE_COMMANDS.get(role, ())


def closest_command(text: str, role: str = "public") -> str | None:
    """The whole message as it was probably meant ("受里 YH2026…" → "受理 YH2026…"), or None.

    Only the first word is compared, and only a short one: a sentence is a sentence, not a
    mistyped command.
    """
    match = _HEAD.match(fold(text))
    if match is None:
        return None
    head, rest = match.group("head"), match.group("rest")
    if len(head) > 8:
        return None
    commands = commands_for(role)
    if head.lower() in commands:
        return None
    word = head.lower()
    if _LATIN.match(word):  # "jubao": the pinyin typed without picking the characters
        found = difflib.get_close_matches(word, [_sound(c) for c in commands], n=1, cutoff=0.8)
        named = [c for c in commands if found and _sound(c) == found[0]]
    else:
        named = difflib.get_close_matches(word, commands, n=1, cutoff=0.5)
        if not named:
            by_sound = {_sound(c): c for c in commands}
            found = difflib.get_close_matches(_sound(word), list(by_sound), n=1, cutoff=0.8)
            named = [by_sound[found[0]]] if found else []
    return named[0] + rest if named else None
