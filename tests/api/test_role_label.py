"""The API names each role as the chat and the console do (``role_label`` of ``/me``)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.services.people.roles import ROLE_NAMES
from tests.api.conftest import ApiClient, auth, login, set_role
from tests.fakes.wechat_api import FakeWeChatServer


@pytest.mark.parametrize("role", ["public", "worker", "enterprise_manager", "county_officer", "city_officer",
                                  "province_officer"])
def test_me_carries_the_roles_one_name(client: ApiClient, fake_wechat: FakeWeChatServer,
                                       db: sessionmaker[Session], role: str) -> None:
    token = login(client, fake_wechat, f"o-api-{role}")
    if role != "public":
        set_role(db, f"o-api-{role}", role=role, region_code="140105" if role.endswith("officer") else None,
                 enterprise_id=None)
    me = client.get("/api/v1/me", headers=auth(token)).get_json()
    assert me["role"] == role and me["role_label"] == ROLE_NAMES[role]
