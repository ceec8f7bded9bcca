"""SQL statements per chat step, counted with SQLAlchemy events over a real dialogue.

Each message of a report, sent through the WeChat peer in safe mode, costs at most a few
statements (issue 17: ≤ 5 per ordinary step on average, ≤ 12 for the confirmation). The
count is of statements sent to the database (``before_cursor_execute``; the transaction's
BEGIN left out, as PostgreSQL's driver sends it without the event), not of time: it
does not depend on the machine, and it rises the moment a step loads the same row twice or
flushes per change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event

from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from tests.e2e.chat import DESCRIPTION, engine_of, number_in, say
from tests.e2e.conftest import LiveServer

ORDINARY_MEAN = 5.0
CONFIRMATION = 12
STEPS = ["举报", "晋钢", "1", DESCRIPTION, "跳过", "跳过", "2", "2"]


class StatementCounter:
    """Statements sent on ``engine`` since the last ``take``; each one's SQL kept to show."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[str] = []

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            return  # SQLite's BEGIN IMMEDIATE (bot/db.py): PostgreSQL's driver sends its BEGIN unseen
        self.seen.append(" ".join(statement.split())[:120])

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def counter(live: LiveServer) -> Iterator[StatementCounter]:
    with StatementCounter(engine_of(live)) as counting:
        yield counting


def test_a_report_costs_few_statements_per_step(
    peer: WeChatPeer, counter: StatementCounter
) -> None:
    say(peer, "o_count_warmup", "帮助")  # the user row exists and caches are warm, as in a day's use
    counter.take()
    ordinary: dict[str, list[str]] = {}
    for i, text in enumerate(STEPS):
        reply = say(peer, "o_count", text)
        assert reply and reply != texts.BUSY, (text, reply)
        ordinary[f"{i}:{text[:6]}"] = counter.take()
    number_in(say(peer, "o_count", "确认"))
    confirmation = counter.take()

    if os.environ.get("HAZARDBOT_SHOW_STATEMENTS"):
        for step, seen in [*ordinary.items(), ("确认", confirmation)]:
            print(f"--- {step}: {len(seen)}", *seen, sep="\n  ")
    per_step = {step: len(seen) for step, seen in ordinary.items()}
    mean = sum(per_step.values()) / len(per_step)
    assert mean <= ORDINARY_MEAN, (mean, per_step)
    assert len(confirmation) <= CONFIRMATION, confirmation
