"""待办 for a province officer with 64 open items, through the WeChat peer: the true total,
most urgent first, every item reachable with 更多, every page within WeChat's 2,048 bytes."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.services.platform.clock import local, utcnow
from tests.common.factories import enterprise, make_hazard
from tests.e2e.chat import bind_as, engine_of, say
from tests.e2e.conftest import LiveServer

PROVINCE = "o_todo_province"
_LINE = re.compile(r"^\d+\. (YH\d+) .*｜(超期(\d+)天|剩(\d+)天|今天到期|已等.*)$", re.M)


def _open_items(live: LiveServer) -> dict[str, int]:
    """20 reports past their 受理时限 and 44 awaiting verification with deadlines ahead: the
    number → the days left (negative: overdue) that 待办 should show."""
    now = utcnow()
    today = local(now).date()
    expected: dict[str, int] = {}
    with Session(engine_of(live)) as session:
        plant = enterprise(session, "太原晋钢钢铁有限公司")
        for k in range(20):
            hazard = make_hazard(session, enterprise=plant, reported_at=now - timedelta(days=30 - k))
            hazard.ack_due_at = now - timedelta(days=k + 1)
            expected[hazard.number] = (local(hazard.ack_due_at).date() - today).days
        for k in range(44):
            hazard = make_hazard(session, enterprise=plant, state="awaiting_verification",
                                 reported_at=now - timedelta(days=40 + k))
            hazard.deadline = today + timedelta(days=k % 15)
            expected[hazard.number] = k % 15
        session.commit()
    return expected


def _days(match: re.Match[str]) -> int:
    if match.group(3):
        return -int(match.group(3))
    return int(match.group(4)) if match.group(4) else 0


def test_a_province_officer_pages_through_64_items_most_urgent_first(
    live: LiveServer, peer: WeChatPeer
) -> None:
    expected = _open_items(live)
    bind_as(live, peer, PROVINCE, "--role", "province_officer", "--region", "140000")

    reply = say(peer, PROVINCE, "待办")
    assert reply.startswith("待办（共 64 项，超期的在前，其余按剩余天数）："), reply
    seen: list[tuple[str, int]] = []
    pages = 0
    while True:
        pages += 1
        assert len(reply.encode()) <= 2048, len(reply.encode())
        seen += [(m.group(1), _days(m)) for m in _LINE.finditer(reply)]
        if "已全部列出" in reply:
            break
        assert "回复“更多”查看后面的" in reply, reply
        assert pages < 20
        reply = say(peer, PROVINCE, "更多")
        assert "共 64 项" in reply
    assert sorted(n for n, _ in seen) == sorted(expected)  # each once, none left out
    assert [d for _, d in seen] == sorted(expected[n] for n, _ in seen)  # overdue first, then days left
    assert all(expected[n] == d for n, d in seen)
    assert seen[0][1] == -20
    assert say(peer, PROVINCE, "更多") == "没有更多待办了。回复“待办”从头查看。"
