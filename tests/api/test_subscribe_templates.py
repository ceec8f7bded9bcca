"""GET /subscriptions tells the mini-program which subscribe templates to ask each person for,
so its front end hard-codes no template ids (they differ per deployment and per role)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.services.messaging.subscribe_messages import SubscribeSettings
from tests.api.conftest import ApiClient, auth, login, set_role
from tests.common.factories import ENTERPRISE, enterprise
from tests.fakes.wechat_api import FakeWeChatServer


@pytest.fixture
def api_settings() -> dict[str, Any]:
    return {
        "subscribe_progress": "TplProgress number=character_string1 status=phrase2",
        "subscribe_deadline": "TplDeadline number=character_string1 deadline=date2",
        "subscribe_new_report": "TplNew number=character_string1 enterprise=thing2",
        "subscribe_template_ids": "TplProgress,TplDeadline,TplNew",
    }


def templates(client: ApiClient, token: str) -> list[tuple[str, str]]:
    body = client.get("/api/v1/subscriptions", headers=auth(token)).get_json()
    return [(t["purpose"], t["template_id"]) for t in body["templates"]]


def test_each_role_is_asked_for_the_templates_of_the_messages_it_gets(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    public = login(client, fake_wechat, "oMini_public")
    assert templates(client, public) == [("progress", "TplProgress")]

    manager = login(client, fake_wechat, "oMini_manager")
    with db() as s:
        ent_id = enterprise(s, ENTERPRISE).id
    set_role(db, "oMini_manager", role="enterprise_manager", enterprise_id=ent_id)
    assert templates(client, manager) == [("progress", "TplProgress"), ("deadline", "TplDeadline")]

    officer = login(client, fake_wechat, "oMini_officer")
    set_role(db, "oMini_officer", role="county_officer", region_code="140105")
    assert templates(client, officer) == [("progress", "TplProgress"), ("new_report", "TplNew")]


def test_the_templates_come_alongside_the_consents_recorded(
    client: ApiClient, fake_wechat: FakeWeChatServer
) -> None:
    token = login(client, fake_wechat, "oMini_sub")
    [(_, template_id)] = templates(client, token)
    client.post("/api/v1/subscriptions", json={"results": {template_id: "accept"}}, headers=auth(token))
    body = client.get("/api/v1/subscriptions", headers=auth(token)).get_json()
    assert body["items"] == [{"template_id": "TplProgress", "remaining": 1, "last_answer": "accept"}]
    assert body["templates"] == [{"purpose": "progress", "template_id": "TplProgress"}]


def test_a_group_without_a_template_is_not_asked_for() -> None:
    """Nothing could be sent with it, so asking would only waste the user's tap."""
    settings = SubscribeSettings.from_config({"subscribe_new_report": "TplNew number=character_string1"})
    assert settings.to_request("public") == []
    assert settings.to_request("manager") == []
    assert settings.to_request("officer") == [("new_report", "TplNew")]
