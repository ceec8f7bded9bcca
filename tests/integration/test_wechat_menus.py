"""``flask wechat menu push|show|delete`` against the fake WeChat server.

What is shown: after a push WeChat holds exactly what bot/data/menus.toml says (the default
menu, and one conditional menu per role matching that role's user tag); a second push replaces
rather than adds; show prints what WeChat holds; delete leaves nothing; a file WeChat would
refuse (or that names a key no command answers) is refused with a message that says which
button is wrong, before anything is sent; an outage is a clear error, not a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from bot.services.messaging.menu_tags import MENU_TAGS
from bot.wechat.menus import DEFAULT_FILE
from tests.fakes.wechat_api import FakeWeChatServer

MENU_PATHS = ("/cgi-bin/menu/create", "/cgi-bin/menu/addconditional", "/cgi-bin/menu/delete")


def menu_cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["wechat", "menu", *args])


def as_wechat(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The TOML's buttons as WeChat stores them (a click button gets ``type = "click"``)."""
    out = []
    for b in buttons:
        if "sub_button" in b:
            out.append({"name": b["name"], "sub_button": as_wechat(b["sub_button"])})
        else:
            out.append({"name": b["name"], "type": "click", "key": b["key"]})
    return out


def test_push_makes_wechat_hold_the_file(app: Flask, fake_wechat: FakeWeChatServer) -> None:
    spec = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    result = menu_cli(app, "push")
    assert result.exit_code == 0, result.output
    assert "已推送默认菜单" in result.output

    held = fake_wechat.menu()
    assert held["menu"]["button"] == as_wechat(spec["button"])
    names = [b["name"] for b in held["menu"]["button"]]
    assert names == ["我要举报", "查询进度", "我的"]
    assert [s["name"] for s in held["menu"]["button"][2]["sub_button"]] == ["我的报告", "帮助", "绑定身份"]

    # One conditional menu per role, matching the tag that role's people are given.
    assert set(fake_wechat.tags()) == set(MENU_TAGS.values())
    by_rule = {c["matchrule"]["tag_id"]: c["button"] for c in held["conditionalmenu"]}
    assert len(by_rule) == len(spec["conditional"]) == 2
    for table in spec["conditional"]:
        tag_id = fake_wechat.tag_id(MENU_TAGS[table["role"]])
        assert by_rule[str(tag_id)] == as_wechat(table["button"]), table["role"]
    assert [b["name"] for b in by_rule[str(fake_wechat.tag_id("监管人员"))]] == ["待办", "周报", "我的"]

    # A second push replaces: still one menu per role, and no tag created twice.
    assert menu_cli(app, "push").exit_code == 0
    again = fake_wechat.menu()
    assert len(again["conditionalmenu"]) == len(spec["conditional"])
    assert again["menu"] == held["menu"]
    assert sum(c.path == "/cgi-bin/tags/create" for c in fake_wechat.calls) == len(MENU_TAGS)

    shown = menu_cli(app, "show")
    assert shown.exit_code == 0 and "我要举报" in shown.output and '"REPORT"' in shown.output

    deleted = menu_cli(app, "delete", "--yes")
    assert deleted.exit_code == 0 and "已删除" in deleted.output
    assert fake_wechat.menu() == {}
    assert "没有菜单" in menu_cli(app, "show").output


BAD_FILES = [
    ("four top buttons",
     "".join(f'[[button]]\nname = "按钮{n}"\nkey = "HELP"\n' for n in range(4)),
     "须有 1–3 个一级按钮，现有 4 个"),
    ("a top name over 16 bytes",
     '[[button]]\nname = "我要举报一个隐患"\nkey = "REPORT"\n',
     "太长：24 字节，上限 16 字节"),
    ("six sub-buttons",
     '[[button]]\nname = "我的"\n' + '[[button.sub_button]]\nname = "帮助"\nkey = "HELP"\n' * 6,
     "须有 1–5 个二级按钮，现有 6 个"),
    ("a key no command answers",
     '[[button]]\nname = "举报"\nkey = "REPROT"\n',
     "key “REPROT”没有对应的命令"),
    ("a key over 128 bytes",
     f'[[button]]\nname = "举报"\nkey = "{"K" * 129}"\n',
     "key 太长：上限 128 字节"),
    ("an unknown role",
     '[[button]]\nname = "帮助"\nkey = "HELP"\n[[conditional]]\nrole = "boss"\n'
     '[[conditional.button]]\nname = "帮助"\nkey = "HELP"\n',
     "role 须为 officer、manager 之一"),
    ("not TOML", '[[button]\nname = "帮助"\n', "无法读取菜单文件"),
    ("no buttons", 'title = "菜单"\n', "不认识的项：title"),
]


@pytest.mark.parametrize(("text", "message"), [(t, m) for _, t, m in BAD_FILES],
                         ids=[name for name, _, _ in BAD_FILES])
def test_a_bad_file_is_refused_and_nothing_is_pushed(
    app: Flask, fake_wechat: FakeWeChatServer, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "menus.toml"
    path.write_text(text, encoding="utf-8")
    result = menu_cli(app, "push", "--file", str(path))
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert not [c for c in fake_wechat.calls if c.path in MENU_PATHS]
    assert fake_wechat.menu() == {}


def test_check_pushes_nothing(app: Flask, fake_wechat: FakeWeChatServer) -> None:
    result = menu_cli(app, "push", "--check")
    assert result.exit_code == 0 and "菜单文件无误：默认菜单 3 个按钮，角色菜单 2 个" in result.output
    assert fake_wechat.calls == []


def test_an_outage_is_a_clear_error(app: Flask, fake_wechat: FakeWeChatServer) -> None:
    fake_wechat.set_down()
    result = menu_cli(app, "push")
    assert result.exit_code != 0 and "微信拒绝或未响应" in result.output, result.output
    fake_wechat.set_down(False)
    assert fake_wechat.menu() == {}
