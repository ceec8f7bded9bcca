"""Helpers for the inspection chat tests: load the checklists, scan, walk the items."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Enterprise
from bot.services.inspections.checklists import load_checklists
from bot.services.platform.clock import utcnow
from bot.services.registry import qrcodes
from tests.e2e.chat import engine_of, say, send_photo
from tests.e2e.conftest import LiveServer

_ITEM = re.compile(r"第 (\d+)/(\d+) 项")
_LINK = re.compile(r"(https?://\S+/hazard-list\.(?:xlsx|pdf))")


def load_library(live: LiveServer) -> None:
    with Session(engine_of(live)) as session:
        load_checklists(session, now=utcnow())
        session.commit()


def scene_of(live: LiveServer, name: str) -> str:
    with Session(engine_of(live)) as session:
        enterprise = session.scalars(select(Enterprise).where(Enterprise.name == name)).one()
        code = qrcodes.ensure_code(session, enterprise, utcnow())
        session.commit()
        return qrcodes.scene_for(code)


def position(reply: str) -> tuple[int, int]:
    match = _ITEM.search(reply)
    assert match, f"no item in {reply!r}"
    return int(match.group(1)), int(match.group(2))


def links(live: LiveServer, reply: str) -> tuple[str, str]:
    """The two download links of the reply, pointed at the live server (the app's configured
    public address, app.public_base_url, is where a phone would go)."""
    found = _LINK.findall(reply)
    assert len(found) == 2, reply
    base = live.app.config["HAZARDBOT"]["app"]["public_base_url"]
    assert all(url.startswith(base + "/inspections/") for url in found), found
    return live.url + urlparse(found[0]).path, live.url + urlparse(found[1]).path


@dataclass
class Failure:
    """Answer "2" at the item whose text holds ``words``: a description and photos."""

    words: str
    description: str
    photos: list[str] = field(default_factory=list)


def walk(
    peer: WeChatPeer, openid: str, reply: str, *, failures: list[Failure],
    others: dict[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Answer every item from ``reply`` on until all are recorded: "1" unless the item's text
    holds the words of a failure (then "2", description, photos) or of ``others`` (that
    answer). Returns the last reply and the texts of the items seen, in order."""
    others = others or {}
    seen: list[str] = []
    while "所有检查项均已记录" not in reply:
        index, total = position(reply)
        item_text = reply[reply.index("项", reply.index(f"第 {index}/{total}")):]
        seen.append(item_text)
        failure = next((f for f in failures if f.words in item_text), None)
        other = next((a for w, a in others.items() if w in item_text), None)
        if failure is not None:
            assert "请描述" in say(peer, openid, "2")
            assert "现场照片" in say(peer, openid, failure.description)
            for media_id in failure.photos:
                assert "张照片" in send_photo(peer, openid, media_id)
            reply = say(peer, openid, "好了" if failure.photos else "跳过")
            assert "已登记隐患 YH" in reply, reply
        else:
            reply = say(peer, openid, other or "1")
        assert len(seen) <= total, "the walk did not end"
    return reply, seen
