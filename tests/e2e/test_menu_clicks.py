"""A menu click through the WeChat peer answers exactly as typing its command does.

Every button of bot/data/menus.toml is clicked (``<Event>CLICK</Event>`` with its key) by one
person while another of the same role types the command the key stands for; both must get
the same reply, and a reply that is not WeChat's silent "success". The officers' and
managers' buttons are clicked by people bound to those roles.
"""

from __future__ import annotations

import pytest

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.handlers.menu_keys import KEYS
from bot.models import Enterprise
from bot.wechat.menus import load
from tests.e2e.chat import bind_as, engine_of, one, say
from tests.e2e.conftest import LiveServer

ENTERPRISE = "太原晋钢钢铁有限公司"


def leaves(buttons: list[dict[str, object]]) -> list[str]:
    keys: list[str] = []
    for button in buttons:
        subs = button.get("sub_button")
        keys += leaves(subs) if isinstance(subs, list) else [str(button["key"])]
    return keys


MENUS = load()
CASES = [("public", key) for key in leaves(MENUS.default)] + [
    (role, key) for role, buttons in MENUS.conditional.items() for key in leaves(buttons)
]


def make_role(live: LiveServer, peer: WeChatPeer, openid: str, role: str) -> None:
    if role == "officer":
        bind_as(live, peer, openid, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    elif role == "manager":
        credit_code = one(engine_of(live), Enterprise, Enterprise.name == ENTERPRISE).credit_code
        bind_as(live, peer, openid, "--role", "enterprise_manager", "--enterprise", str(credit_code),
                "--name", "钱经理")


@pytest.mark.parametrize(("role", "key"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_a_click_answers_as_the_typed_command(
    live: LiveServer, peer: WeChatPeer, role: str, key: str
) -> None:
    clicker, typist = f"o_click_{role}", f"o_type_{role}"
    make_role(live, peer, clicker, role)
    make_role(live, peer, typist, role)
    clicked = peer.send_event(clicker, "CLICK", key)
    assert clicked.status_code == 200 and clicked.body != "success", "a button must get an answer"
    typed = say(peer, typist, KEYS[key])
    assert clicked.content == typed
    assert clicked.content != texts.GUIDE, "the button did nothing"


def test_the_report_button_starts_a_report(live: LiveServer, peer: WeChatPeer) -> None:
    assert peer.send_event("o_click_report", "CLICK", "REPORT").content == texts.ASK_ENTERPRISE


def test_a_click_in_the_middle_of_a_description_is_the_command_not_the_text(
    live: LiveServer, peer: WeChatPeer
) -> None:
    """Typed at the description step, "绑定" is a description; clicked, 绑定身份 is the command,
    and the draft waits for its description."""
    typist, clicker = "o_type_mid_report", "o_click_mid_report"
    for who in (typist, clicker):
        assert "第 2 步" in say(peer, who, "举报", "晋钢", "1")
    assert say(peer, typist, KEYS["BIND"]).startswith("描述太短了")  # typed: the description "绑定"
    clicked = peer.send_event(clicker, "CLICK", "BIND").content
    assert clicked.startswith(say(peer, "o_idle_typist", KEYS["BIND"])) and "描述太短" not in clicked
    assert clicked.endswith("第 2 步：请描述隐患情况：在哪个车间或部位、有什么问题。")  # the step it left
    assert "第 3 步" in say(peer, clicker, "炼钢车间除尘器泄爆片缺失")
