"""Subscribe-message consents: one accept allows one message, and nothing is sent without one."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.services.messaging import subscriptions
from bot.services.messaging.subscriptions import ConsentError
from tests.common.factories import T0, make_user


def test_each_accept_allows_one_message(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        user = make_user(s)
        subscriptions.record(s, user, {"TPL1": "accept"}, allowed=(), now=T0)
        subscriptions.record(s, user, {"TPL1": "accept"}, allowed=(), now=T0)
        assert subscriptions.take_one(s, user.id, "TPL1")
        assert subscriptions.take_one(s, user.id, "TPL1")
        assert not subscriptions.take_one(s, user.id, "TPL1")
        assert not subscriptions.take_one(s, user.id, "TPL2")
        subscriptions.record(s, user, {"TPL1": "accept"}, allowed=(), now=T0)
        subscriptions.record(s, user, {"TPL1": "ban"}, allowed=(), now=T0)
        assert not subscriptions.take_one(s, user.id, "TPL1")


def test_only_configured_templates_and_known_answers(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        user = make_user(s)
        with pytest.raises(ConsentError, match="不支持的订阅模板"):
            subscriptions.record(s, user, {"OTHER": "accept"}, allowed={"TPL1"}, now=T0)
        with pytest.raises(ConsentError, match="没有收到订阅结果"):
            subscriptions.record(s, user, {}, allowed=(), now=T0)
        rows = subscriptions.record(s, user, {"TPL1": "accept"}, allowed={"TPL1"}, now=T0)
        assert [(r.template_id, r.remaining) for r in rows] == [("TPL1", 1)]
        for _ in range(60):
            subscriptions.record(s, user, {"TPL1": "accept"}, allowed={"TPL1"}, now=T0)
        assert subscriptions.consents_of(s, user)[0].remaining == subscriptions.MAX_REMAINING
