"""The Official Account's menus: read from a TOML file, checked against WeChat's limits, pushed.

Why checked here, with a message per button: WeChat refuses a bad menu with one errcode
(40016, 40018, …) that does not say which button is wrong, and a push that half worked
(the default menu replaced, a conditional one refused) would leave officers with the public
menu. Everything is checked before the first call.

The file (``bot/data/menus.toml``) holds ``[[button]]`` (everyone's menu) and ``[[conditional]]``
tables with a ``role`` (``officer``, ``manager``) and their own ``button``s; each role's menu
matches the user tag ``MENU_TAGS[role]``, which the worker keeps in step with people's roles.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from bot.handlers.menu_keys import KEYS
from bot.services.messaging.menu_tags import MENU_TAGS, TagError
from bot.wechat.adapters import WeChatUserTagger
from bot.wechat.client import HazardWeChatClient

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "menus.toml"
MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_NAME_BYTES = 16  # a top button (WeChat: 4 汉字 shown; 16 bytes accepted)
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024


class MenuError(ValueError):
    """A menu file that cannot be pushed, or WeChat's refusal; the message says what to fix."""


@dataclass(frozen=True)
class Menus:
    """What is pushed: the default menu's buttons and each role's (WeChat's JSON shape)."""

    default: list[dict[str, Any]]
    conditional: dict[str, list[dict[str, Any]]]


def load(path: Path = DEFAULT_FILE) -> Menus:
    """Read and check a menu file; :raises MenuError: naming the first thing wrong."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MenuError(f"无法读取菜单文件 {path}：{exc}") from exc
    unknown = set(raw) - {"button", "conditional"}
    if unknown:
        raise MenuError(f"菜单文件中有不认识的项：{'、'.join(sorted(unknown))}"
                        "（只允许 button 和 conditional）")
    default = _buttons(raw.get("button"), "默认菜单")
    conditional: dict[str, list[dict[str, Any]]] = {}
    for n, table in enumerate(_list(raw.get("conditional", []), "conditional"), 1):
        role = table.get("role") if isinstance(table, dict) else None
        if role not in MENU_TAGS:
            raise MenuError(f"第 {n} 个 conditional 的 role 须为 {'、'.join(MENU_TAGS)} 之一，"
                            f"而不是 {role!r}")
        if role in conditional:
            raise MenuError(f"角色 {role} 的菜单写了两次")
        extra = set(table) - {"role", "button"}
        if extra:
            raise MenuError(f"角色 {role} 的菜单中有不认识的项：{'、'.join(sorted(extra))}")
        conditional[role] = _buttons(table.get("button"), f"角色 {role} 的菜单")
    return Menus(default=default, conditional=conditional)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MenuError(f"{where} 须为表格数组（[[{where}]]）")
    return value


def _buttons(value: Any, where: str) -> list[dict[str, Any]]:
    buttons = _list(value if value is not None else [], f"{where}的 button")
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError(f"{where}须有 1–{MAX_BUTTONS} 个一级按钮，现有 {len(buttons)} 个")
    return [_button(b, f"{where}第 {n} 个按钮", top=True) for n, b in enumerate(buttons, 1)]


def _button(value: Any, where: str, *, top: bool) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MenuError(f"{where}须为表格")
    name = value.get("name")
    limit = MAX_NAME_BYTES if top else MAX_SUB_NAME_BYTES
    if not isinstance(name, str) or not name.strip():
        raise MenuError(f"{where}缺少 name")
    if len(name.encode()) > limit:
        raise MenuError(f"{where}“{name}”太长：{len(name.encode())} 字节，上限 {limit} 字节")
    where = f"{where}“{name}”"
    allowed = {"name", "key", "url", "type"} | ({"sub_button"} if top else set())
    extra = set(value) - allowed
    if extra:
        raise MenuError(f"{where}中有不认识的项：{'、'.join(sorted(extra))}")
    if "sub_button" in value:
        subs = _list(value["sub_button"], f"{where}的 sub_button")
        if not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            raise MenuError(f"{where}须有 1–{MAX_SUB_BUTTONS} 个二级按钮，现有 {len(subs)} 个")
        if {"key", "url", "type"} & set(value):
            raise MenuError(f"{where}有二级按钮，不能再有 key、url 或 type")
        return {"name": name, "sub_button": [
            _button(s, f"{where}的第 {n} 个二级按钮", top=False) for n, s in enumerate(subs, 1)
        ]}
    return {"name": name, **_action(value, where)}


def _action(value: dict[str, Any], where: str) -> dict[str, Any]:
    kind = value.get("type") or ("view" if "url" in value else "click")
    if kind == "click":
        key = value.get("key")
        if not isinstance(key, str) or not key:
            raise MenuError(f"{where}缺少 key（或 url）")
        if len(key.encode()) > MAX_KEY_BYTES:
            raise MenuError(f"{where}的 key 太长：上限 {MAX_KEY_BYTES} 字节")
        if key not in KEYS:
            raise MenuError(f"{where}的 key “{key}”没有对应的命令，可用：{'、'.join(KEYS)}")
        return {"type": "click", "key": key}
    if kind == "view":
        url = value.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MenuError(f"{where}的 url 须以 https:// 或 http:// 开头")
        if len(url.encode()) > MAX_URL_BYTES:
            raise MenuError(f"{where}的 url 太长：上限 {MAX_URL_BYTES} 字节")
        return {"type": "view", "url": url}
    raise MenuError(f"{where}的 type 须为 click 或 view，而不是 {kind!r}")


def push(client: HazardWeChatClient, menus: Menus) -> dict[str, int]:
    """Replace the menus WeChat holds with ``menus``; returns each role's tag id.

    The default menu first (``menu/create`` replaces it), then the old conditional menus go
    and the new ones come, each matching its role's tag (created when missing).
    """
    try:
        tags = WeChatUserTagger(client).tag_ids(tuple(MENU_TAGS[role] for role in menus.conditional))
        client.menu.create({"button": menus.default})
        for old in (client.menu.get() or {}).get("conditionalmenu", []):
            client.menu.del_conditional(old["menuid"])
        role_tags = {role: tags[MENU_TAGS[role]] for role in menus.conditional}
        for role, buttons in menus.conditional.items():
            client.menu.add_conditional(
                {"button": buttons, "matchrule": {"tag_id": str(role_tags[role])}}
            )
    except (WeChatClientException, requests.RequestException, TagError) as exc:
        raise MenuError(f"微信拒绝或未响应：{exc}") from exc
    return role_tags


def show(client: HazardWeChatClient) -> dict[str, Any]:
    """What WeChat holds now (``menu/get``): ``menu`` and ``conditionalmenu``; {} for none."""
    try:
        return dict(client.menu.get() or {})
    except (WeChatClientException, requests.RequestException) as exc:
        raise MenuError(f"微信拒绝或未响应：{exc}") from exc


def delete(client: HazardWeChatClient) -> None:
    """Remove every menu, conditional ones included (``menu/delete``)."""
    try:
        client.menu.delete()
    except (WeChatClientException, requests.RequestException) as exc:
        raise MenuError(f"微信拒绝或未响应：{exc}") from exc
