"""The Official Account's menu buttons: each click key stands for the command a person would type.

Why a click becomes its typed text (not an intent of its own): every reply, refusal and
role check of the typed command then holds for the button too, with nothing to keep in step.
WeChat sends a click as ``<Event>CLICK</Event>`` with the button's ``EventKey`` and no MsgId;
``as_typed`` keeps the event and key, so a retried click is still recognised as the same one.
The menus themselves (``bot/data/menus.toml``) may only use the keys listed here.
"""

from __future__ import annotations

from dataclasses import replace

from bot.handlers.incoming import Incoming

# Click key → the command it stands for, exactly as typed.
KEYS: dict[str, str] = {
    "REPORT": "举报",
    "QUERY": "查询",
    "MY_REPORTS": "我的报告",
    "HELP": "帮助",
    "BIND": "绑定",
    "UNBIND": "解绑",  # asks first; only "解绑 确认" gives the role up
    "TODO": "待办",
    "WEEKLY": "周报",
    "SELF_CHECK": "自查",
}


def typed_text(key: str) -> str | None:
    """The command a click key stands for, or None for a key we never put in a menu."""
    return KEYS.get(key)


def as_typed(msg: Incoming) -> Incoming:
    """A menu click as the text message its button stands for; anything else unchanged."""
    if msg.kind != "event" or msg.event.lower() != "click":
        return msg
    text = typed_text(msg.event_key)
    if text is None:
        return msg
    return replace(msg, kind="text", text=text)
