"""WeChat's 2,048-byte limit on a text reply, kept by the longest replies we send: 帮助 for
each role, and every checklist item of an inspection with its basis (待办 of a province is
paged within it: test_officer_todo.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Enterprise
from tests.e2e.chat import bind_as, engine_of, say
from tests.e2e.conftest import LiveServer
from tests.e2e.inspection_chat import load_library, position

WECHAT_TEXT_BYTES = 2048
STEEL = "太原晋钢钢铁有限公司"


def _fits(reply: str) -> None:
    assert reply and len(reply.encode()) <= WECHAT_TEXT_BYTES, (len(reply.encode()), reply[:80])


def test_help_fits_for_every_role(live: LiveServer, peer: WeChatPeer) -> None:
    with Session(engine_of(live)) as session:
        credit_code = session.scalars(select(Enterprise.credit_code).where(Enterprise.name == STEEL)).one()
    _fits(say(peer, "o_size_public", "帮助"))
    bind_as(live, peer, "o_size_county", "--role", "county_officer", "--region", "140105")
    bind_as(live, peer, "o_size_province", "--role", "province_officer", "--region", "140000")
    bind_as(live, peer, "o_size_manager", "--role", "enterprise_manager", "--enterprise", str(credit_code))
    for openid in ("o_size_county", "o_size_province", "o_size_manager"):
        reply = say(peer, openid, "帮助")
        assert "【" in reply.split("\n\n", 1)[1]  # the role's own commands are there
        _fits(reply)
        say(peer, openid, "举报", "晋钢", "1")
        _fits(say(peer, openid, "帮助"))  # with the question it goes back to


def test_every_checklist_item_with_its_basis_fits(live: LiveServer, peer: WeChatPeer) -> None:
    load_library(live)
    bind_as(live, peer, "o_size_inspector", "--role", "county_officer", "--region", "140105")
    reply = say(peer, "o_size_inspector", f"检查 {STEEL}")
    if "请回复序号" in reply:
        reply = say(peer, "o_size_inspector", "1")
    total = position(reply)[1]
    longest = 0
    for _ in range(total):
        _fits(reply)
        longest = max(longest, len(reply.encode()))
        if "所有检查项均已记录" in reply:
            break
        reply = say(peer, "o_size_inspector", "1")
    _fits(reply)
    assert longest > 600, "the walk showed the items with their basis"
