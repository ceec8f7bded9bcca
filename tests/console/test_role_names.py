"""One name per role (issue 18): the chat's 绑定成功 reply, the console's header and the
console's history read the same table (``bot/services/people/roles.py``); the API's
``role_label`` is checked in ``tests/api/test_role_label.py``."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dev.peer import WeChatPeer
from bot.models import Enterprise, User
from bot.services.people.roles import ROLE_NAMES
from bot.services.platform.clock import utcnow
from tests.console.conftest import Console, invite


@pytest.mark.parametrize(("role", "where"), [
    ("county_officer", ("--region", "140105")),
    ("city_officer", ("--region", "140100")),
    ("province_officer", ("--region", "140000")),
    ("enterprise_manager", ("--enterprise", "太原晋钢钢铁有限公司")),
])
def test_chat_and_console_name_the_role_alike(console: Console, console_app: Flask, chat: WeChatPeer,
                                              db: sessionmaker[Session], role: str,
                                              where: tuple[str, str]) -> None:
    if where[0] == "--enterprise":
        with db() as s:
            steel = s.scalars(select(Enterprise.id).where(Enterprise.name == where[1])).one()
            where = ("--enterprise", str(steel))
    openid = f"o-role-{role}"
    reply = chat.send_text(openid, f"绑定 {invite(console_app, '--role', role, *where)}").content
    name = ROLE_NAMES[role]
    assert "绑定成功" in reply and name in reply, reply
    console.sign_in(openid)
    whoami = console.get("/console/").get_data(as_text=True).split('id="whoami">', 1)[1].split("<", 1)[0]
    assert f"· {name} ·" in whoami
    other = {n for r, n in ROLE_NAMES.items() if r != role}
    assert not any(f"· {n} ·" in whoami for n in other)


def test_the_refusal_page_names_the_roles_as_everywhere(console: Console, db: sessionmaker[Session]) -> None:
    with db() as s:
        s.add(User(openid="o-public-person", role="public", created_at=utcnow()))
        s.commit()
    page = console.sign_in("o-public-person").get_data(as_text=True)
    assert f"尚未绑定监管人员或{ROLE_NAMES['enterprise_manager']}身份" in page
