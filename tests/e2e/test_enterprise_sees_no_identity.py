"""What the enterprise sees of a report carries no identity, whoever typed it and however.

A worker writes his name, phone, 身份证, e-mail and workshop into the description, once
anonymously and once under another (recorded) name. The reporter is warned at the description
step that the enterprise will not see those details and the officers will; the officers then
read the description as typed (chat notice, API list, console page), while the enterprise's
manager reads it without them: his chat notice, the plan dialogue's label, the console page,
and the API, which gives him nothing of the hazard at all.

One app serves the three front ends, as in production: chat through a WeChat peer over HTTP,
the console through WeChat web authorization on the fake server, the mini-program API with
every answer checked against its OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from bot import create_app
from bot.dev.peer import WeChatPeer
from bot.models import Enterprise
from tests.api.conftest import ApiClient, auth, login
from tests.conftest import app_config
from tests.console.conftest import BASE_URL, Console
from tests.e2e.chat import (
    bind_as,
    engine_of,
    invite,
    number_in,
    one,
    received,
    report_until_confirm,
    say,
)
from tests.e2e.conftest import LiveServer
from tests.fakes.wechat_api import FakeWeChatServer

SELF_INTRO = ("我叫王小明，电话139 1234 5678，身份证140105199001011234，邮箱wxm@example.com，"
              "我是三车间的，三号炉冷却水管泄漏")
HAZARD_TEXT = "三号炉冷却水管泄漏"
# Each of these names the worker (or narrows him down to a handful of people).
IDENTIFYING = ("王小明", "139 1234", "5678", "140105199001011234", "wxm@example.com", "三车间")
WARNING = "提示：您的描述中含有电话、姓名等个人信息，企业将看不到这些信息，但监管人员可以看到。"
ANONYMOUS, NAMED = "o_self_intro_anon", "o_self_intro_named"
OFFICER, MANAGER = "o_intro_officer", "o_intro_manager"
ENTERPRISE = "太原晋钢钢铁有限公司"


@pytest.fixture
def app(
    clean_db: Engine, database_url: str, tmp_path: Path, fake_wechat: FakeWeChatServer
) -> Iterator[Flask]:
    """Live mode with chat, the mini-program API and the console's web authorization."""
    app = create_app(app_config(
        database_url, tmp_path / "instance",
        app={"public_base_url": BASE_URL},
        wechat={"api_base_url": fake_wechat.base_url},
        api={"miniprogram_appid": fake_wechat.mini_appid, "miniprogram_secret": fake_wechat.mini_secret},
        console={"oauth_base_url": fake_wechat.root_url + "connect/",
                 "oauth_api_base_url": fake_wechat.root_url},
    ))
    app.test_client_class = ApiClient
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def leaked(text: str) -> list[str]:
    return [s for s in IDENTIFYING if s in text]


def test_the_reporter_is_warned_once_and_his_description_kept_as_typed(
    live: LiveServer, peer: WeChatPeer
) -> None:
    assert "第 2 步" in say(peer, ANONYMOUS, "举报", "晋钢", "1")
    reply = say(peer, ANONYMOUS, SELF_INTRO)
    assert reply.startswith(WARNING) and "第 3 步" in reply
    reply = say(peer, ANONYMOUS, "跳过")
    assert "第 4 步" in reply and "个人信息" not in reply
    summary = say(peer, ANONYMOUS, "跳过", "2", "2")
    assert SELF_INTRO in summary and "个人信息" not in summary  # his own words, as he typed them

    # An ordinary description gets no warning.
    assert "第 2 步" in say(peer, NAMED, "举报", "晋钢", "1")
    reply = say(peer, NAMED, "二号车间除尘器泄爆口朝向人员通道，且未设置隔离区")
    assert reply.startswith("第 3 步") and "个人信息" not in reply


def test_officers_read_it_whole_and_the_enterprise_without_the_identity(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    engine = engine_of(live)
    credit_code = one(engine, Enterprise, Enterprise.name == ENTERPRISE).credit_code
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(credit_code))
    client: ApiClient = live.app.test_client()  # type: ignore[assignment]
    api_officer = login(client, fake_wechat, "oMini_intro_officer")
    api_manager = login(client, fake_wechat, "oMini_intro_manager")
    for token, args in ((api_officer, ("--role", "county_officer", "--region", "140105")),
                        (api_manager, ("--role", "enterprise_manager", "--enterprise", str(credit_code)))):
        bound = client.post("/api/v1/me/binding", json={"code": invite(live, *args)}, headers=auth(token))
        assert bound.status_code == 200, bound.get_json()

    # One anonymous report, one under another name: the description is the same.
    report_until_confirm(peer, ANONYMOUS, description=SELF_INTRO)
    anonymous = number_in(say(peer, ANONYMOUS, "确认"))
    report_until_confirm(peer, NAMED, description=SELF_INTRO, contact="赵六 13700001111")
    named = number_in(say(peer, NAMED, "确认"))
    live.run_worker()

    # Officers: the chat notice and the API list as typed (the recorded name is not in it).
    notices = received(fake_wechat, OFFICER)
    assert len(notices) == 2 and all("140105199001011234" in n and "王小明" in n for n in notices)
    pending = client.get("/api/v1/officer/pending", headers=auth(api_officer)).get_json()["items"]
    assert {i["number"]: i["description"] for i in pending} == {anonymous: SELF_INTRO, named: SELF_INTRO}

    # The manager in the API: no hazard of his reaches him there, in any form.
    for path in ("/api/v1/officer/pending", f"/api/v1/reports/{anonymous}", f"/api/v1/reports/{named}",
                 "/api/v1/reports"):
        answer = client.get(path, headers=auth(api_manager))
        assert answer.status_code in (200, 403, 404), (path, answer.status_code)
        assert not leaked(answer.get_data(as_text=True)) and HAZARD_TEXT not in answer.get_data(as_text=True)

    # The officer grades both: the enterprise is told.
    for number in (anonymous, named):
        assert say(peer, OFFICER, f"受理 {number}").startswith(f"已受理 {number}")
        assert "一般隐患" in say(peer, OFFICER, f"定级 {number} 一般")
    live.run_worker()
    assigned = received(fake_wechat, MANAGER)
    assert len(assigned) == 2 and all(n.startswith("【隐患整改通知】") for n in assigned)
    for notice in assigned:
        assert not leaked(notice), notice
        assert HAZARD_TEXT in notice and "***" in notice

    # …and the plan dialogue names the hazard by its description: scrubbed too.
    for number in (anonymous, named):
        label = say(peer, MANAGER, f"整改 {number}")
        assert number in label and "1/5 整改责任人" in label
        assert not leaked(label), label
        say(peer, MANAGER, "取消")

    # The console: the manager's page without the identity, the officer's as typed.
    console = Console(live.app.test_client(), fake_wechat)
    console.sign_in(MANAGER)
    for number in (anonymous, named):
        page = console.get(f"/console/hazards/{number}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert HAZARD_TEXT in html and not leaked(html), leaked(html)
    console.sign_in(OFFICER)
    for number in (anonymous, named):
        page = console.get(f"/console/hazards/{number}")
        assert page.status_code == 200 and SELF_INTRO in page.get_data(as_text=True)
