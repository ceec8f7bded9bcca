"""The fake WeChat server's menus and user tags, with WeChat's limits: a menu WeChat would
refuse is refused here too, so a test of ``flask wechat menu push`` can fail for real.

A mixin of ``FakeWeChatServer`` (``tests/fakes/wechat_api.py``), which holds the state
(``_menu``, ``_conditional``, ``_tags``, ``_tagged``) under its ``_lock`` and routes the calls.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from werkzeug.wrappers import Response

ERRMSGS = {
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40023: "invalid sub button size",
    40032: "invalid openid list size",
    40055: "invalid button url",
    40097: "invalid args",
    45157: "invalid tag name",
    45158: "tag name too long",
    45159: "invalid tag id",
    46002: "not exist menu",
    46003: "menu no exist",
    65301: "no conditional menu",
}


def _json(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _error(errcode: int) -> Response:
    return _json({"errcode": errcode, "errmsg": ERRMSGS.get(errcode, "error")})


class MenusAndTags:
    """menu/create, get, delete, addconditional, delconditional; tags/create, get,
    members/batchtagging, batchuntagging, getidlist."""

    _lock: threading.Lock

    def _init_menus(self) -> None:
        self._menu: list[dict[str, Any]] | None = None
        self._conditional: dict[str, dict[str, Any]] = {}  # menuid → {"button", "matchrule"}
        self._menu_ids = itertools.count(208379533)
        self._tags: dict[int, str] = {}  # id → name (WeChat's own tags 0–2 are not listed)
        self._tag_ids = itertools.count(100)
        self._tagged: dict[int, set[str]] = {}  # tag id → openids

    def menu(self) -> dict[str, Any]:
        """What ``menu/get`` would answer: {"menu": …, "conditionalmenu": […]}, {} for none."""
        with self._lock:
            return self._menu_answer()

    def tags(self) -> dict[str, set[str]]:
        """Each user tag by name, with the openids carrying it."""
        with self._lock:
            return {name: set(self._tagged.get(tag_id, ())) for tag_id, name in self._tags.items()}

    def tag_id(self, name: str) -> int | None:
        """The id WeChat gave the tag named ``name`` (None: no such tag)."""
        with self._lock:
            return next((tag_id for tag_id, n in self._tags.items() if n == name), None)

    def menu_routes(self) -> dict[tuple[str, str], Any]:
        return {
            ("POST", "/cgi-bin/menu/create"): self._menu_create,
            ("GET", "/cgi-bin/menu/get"): self._menu_get,
            ("GET", "/cgi-bin/menu/delete"): self._menu_delete,
            ("POST", "/cgi-bin/menu/addconditional"): self._menu_add_conditional,
            ("POST", "/cgi-bin/menu/delconditional"): self._menu_del_conditional,
            ("POST", "/cgi-bin/tags/create"): self._tags_create,
            ("GET", "/cgi-bin/tags/get"): self._tags_get,
            ("POST", "/cgi-bin/tags/members/batchtagging"): self._tags_tag,
            ("POST", "/cgi-bin/tags/members/batchuntagging"): self._tags_untag,
            ("POST", "/cgi-bin/tags/getidlist"): self._tags_of_user,
        }

    def _menu_answer(self) -> dict[str, Any]:
        if self._menu is None:
            return {}
        answer: dict[str, Any] = {"menu": {"button": self._menu}}
        if self._conditional:
            answer["conditionalmenu"] = [
                {"button": m["button"], "matchrule": m["matchrule"], "menuid": menuid}
                for menuid, m in self._conditional.items()
            ]
        return answer

    def _menu_create(self, query: dict[str, str], body: Any) -> Response:
        buttons = body.get("button") if isinstance(body, dict) else None
        errcode = _menu_errcode(buttons)
        if errcode:
            return _error(errcode)
        with self._lock:
            self._menu = buttons
        return _json({"errcode": 0, "errmsg": "ok"})

    def _menu_get(self, query: dict[str, str], body: Any) -> Response:
        with self._lock:
            answer = self._menu_answer()
        return _json(answer) if answer else _error(46003)

    def _menu_delete(self, query: dict[str, str], body: Any) -> Response:
        with self._lock:
            self._menu = None
            self._conditional.clear()  # WeChat deletes the conditional menus with it
        return _json({"errcode": 0, "errmsg": "ok"})

    def _menu_add_conditional(self, query: dict[str, str], body: Any) -> Response:
        buttons = body.get("button") if isinstance(body, dict) else None
        rule = body.get("matchrule") if isinstance(body, dict) else None
        errcode = _menu_errcode(buttons)
        if errcode:
            return _error(errcode)
        with self._lock:
            if self._menu is None:
                return _error(46002)  # a default menu must exist first
            if not isinstance(rule, dict) or not rule.get("tag_id"):
                return _error(40097)
            if not str(rule["tag_id"]).isdigit() or int(rule["tag_id"]) not in self._tags:
                return _error(45159)
            menuid = str(next(self._menu_ids))
            self._conditional[menuid] = {"button": buttons, "matchrule": rule}
        return _json({"menuid": menuid})

    def _menu_del_conditional(self, query: dict[str, str], body: Any) -> Response:
        menuid = str(body.get("menuid", "")) if isinstance(body, dict) else ""
        with self._lock:
            if self._conditional.pop(menuid, None) is None:
                return _error(65301)
        return _json({"errcode": 0, "errmsg": "ok"})

    def _tags_create(self, query: dict[str, str], body: Any) -> Response:
        tag = body.get("tag") if isinstance(body, dict) else None
        name = tag.get("name") if isinstance(tag, dict) else None
        if not isinstance(name, str) or not name:
            return _error(45157)
        if len(name) > 30:
            return _error(45158)
        with self._lock:
            if name in self._tags.values():
                return _json({"errcode": 45157, "errmsg": "invalid tag name"})  # a duplicate
            tag_id = next(self._tag_ids)
            self._tags[tag_id] = name
        return _json({"tag": {"id": tag_id, "name": name}})

    def _tags_get(self, query: dict[str, str], body: Any) -> Response:
        with self._lock:
            tags = [{"id": tag_id, "name": name, "count": len(self._tagged.get(tag_id, ()))}
                    for tag_id, name in self._tags.items()]
        return _json({"tags": tags})

    def _tags_tag(self, query: dict[str, str], body: Any) -> Response:
        return self._tags_batch(body, add=True)

    def _tags_untag(self, query: dict[str, str], body: Any) -> Response:
        return self._tags_batch(body, add=False)

    def _tags_batch(self, body: Any, *, add: bool) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("openid_list"), list):
            return _error(40097)
        openids = [str(o) for o in body["openid_list"]]
        if not 1 <= len(openids) <= 50:
            return _error(40032 if openids else 40097)
        with self._lock:
            tag_id = body.get("tagid")
            if not isinstance(tag_id, int) or tag_id not in self._tags:
                return _error(45159)
            members = self._tagged.setdefault(tag_id, set())
            if add:
                members.update(openids)
            else:
                members.difference_update(openids)
        return _json({"errcode": 0, "errmsg": "ok"})

    def _tags_of_user(self, query: dict[str, str], body: Any) -> Response:
        openid = body.get("openid") if isinstance(body, dict) else None
        with self._lock:
            ids = sorted(t for t, members in self._tagged.items() if openid in members)
        return _json({"tagid_list": ids})


def _menu_errcode(buttons: Any) -> int:
    """WeChat's errcode for a menu it would refuse (0: accepted): 3 buttons of 16 bytes,
    5 sub-buttons of 60 bytes, keys of 128 bytes, click and view buttons only."""
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016
    for button in buttons:
        if not isinstance(button, dict) or len(str(button.get("name", "")).encode()) not in range(1, 17):
            return 40018
        subs = button.get("sub_button")
        if subs:
            if not isinstance(subs, list) or len(subs) > 5:
                return 40023
            for sub in subs:
                if not isinstance(sub, dict) or len(str(sub.get("name", "")).encode()) not in range(1, 61):
                    return 40018
                if _action_errcode(sub):
                    return _action_errcode(sub)
        elif _action_errcode(button):
            return _action_errcode(button)
    return 0


def _action_errcode(button: dict[str, Any]) -> int:
    if button.get("type") == "click":
        return 0 if 1 <= len(str(button.get("key", "")).encode()) <= 128 else 40019
    if button.get("type") == "view":
        return 0 if str(button.get("url", "")).startswith(("http://", "https://")) else 40055
    return 40017
