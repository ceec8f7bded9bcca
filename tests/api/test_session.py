"""Login, tokens, roles and consent: what a mini-program user (and an officer) sees."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core.exceptions import OpenAPIError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import MiniProgramAccount, SubscribeConsent, User
from bot.services.people import bindings
from bot.services.platform.clock import utcnow
from tests.api.conftest import ApiClient, auth, check_against_spec, login, user_of
from tests.fakes.wechat_api import FakeWeChatServer


def test_the_document_is_served_and_describes_every_route(
    client: ApiClient, api_app: Flask
) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for rule in api_app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/open311/")):
            path = rule.rule.replace("<", "{").replace(">", "}")
            served |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert served == documented


def test_unknown_paths_and_methods_answer_json_errors(client: ApiClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    wrong = client.delete("/api/v1/session")
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert wrong.get_json()["message"] == "不支持该请求方法。"


def test_login_trades_the_code_through_wechat_once(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    fake_wechat.add_login_code("c0de-1", "oMini_alice", unionid="uAlice")
    first = client.post("/api/v1/session", json={"code": "c0de-1"})
    assert first.status_code == 201
    body = first.get_json()
    assert body["user"]["role"] == "public" and body["expires_in"] == 7200
    call = [c for c in fake_wechat.calls if c.path == "/sns/jscode2session"][0]
    assert call.query["js_code"] == "c0de-1" and call.query["appid"] == fake_wechat.mini_appid
    assert "access_token" not in call.query  # jscode2session needs none: no token fetched
    assert not [c for c in fake_wechat.calls if c.path == "/cgi-bin/token"]

    me = client.get("/api/v1/me", headers=auth(body["token"]))
    assert me.status_code == 200 and me.get_json()["id"] == body["user"]["id"]
    with db() as s:
        account = s.scalars(select(MiniProgramAccount)).one()
        assert (account.openid, account.unionid) == ("oMini_alice", "uAlice")
        assert s.get(User, account.user_id).openid == "mp:oMini_alice"  # type: ignore[union-attr]

    again = client.post("/api/v1/session", json={"code": "c0de-1"})
    assert again.status_code == 401 and again.get_json()["code"] == "login_refused"
    assert again.get_json()["message"] == "登录凭证无效或已使用，请重新登录。"
    # The same person logging in again is the same user.
    token2 = login(client, fake_wechat, "oMini_alice")
    assert client.get("/api/v1/me", headers=auth(token2)).get_json()["id"] == body["user"]["id"]


def test_login_refuses_bad_bodies_and_reports_wechat_down(
    client: ApiClient, fake_wechat: FakeWeChatServer
) -> None:
    assert client.post("/api/v1/session", data="code=1").get_json()["code"] == "invalid_json"
    missing = client.post("/api/v1/session", json={})
    assert missing.status_code == 400 and missing.get_json()["field"] == "code"
    assert client.post("/api/v1/session", json={"code": 5}).status_code == 400
    fake_wechat.set_down()
    down = client.post("/api/v1/session", json={"code": "whatever"})
    assert down.status_code == 503 and down.get_json()["code"] == "login_unavailable"


def test_tokens_are_checked_and_expire(
    client: ApiClient, api_app: Flask, fake_wechat: FakeWeChatServer
) -> None:
    token = login(client, fake_wechat, "oMini_bob")
    for header in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer forged.token.x"},
        auth(token[:-2] + "xx"),
    ):
        refused = client.get("/api/v1/me", headers=header)
        assert refused.status_code == 401 and refused.get_json()["code"] == "unauthorized"
    api_app.config["HAZARDBOT"]["api"]["token_max_age_seconds"] = -1
    expired = client.get("/api/v1/me", headers=auth(token))
    assert expired.status_code == 401 and expired.get_json()["code"] == "token_expired"
    assert expired.get_json()["message"] == "登录已过期，请重新登录。"


def test_an_officer_binds_with_the_same_one_time_code_as_in_chat(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    token = login(client, fake_wechat, "oMini_officer")
    assert client.get("/api/v1/officer/pending", headers=auth(token)).status_code == 403
    with db() as s:
        code = bindings.issue_code(
            s, role="county_officer", region_code="140105", name="赵科长", now=utcnow()
        )
        s.commit()
    bad = client.post("/api/v1/me/binding", json={"code": "WRONGCODE99"}, headers=auth(token))
    assert bad.status_code == 422 and bad.get_json()["message"].startswith("绑定码不正确")
    bound = client.post("/api/v1/me/binding", json={"code": code}, headers=auth(token))
    assert bound.status_code == 200
    assert bound.get_json()["user"] | {} == bound.get_json()["user"]
    assert (
        bound.get_json()["user"]["role"] == "county_officer"
        and bound.get_json()["user"]["kind"] == "officer"
    )
    assert bound.get_json()["scope"] == "小店区"
    assert client.get("/api/v1/officer/pending", headers=auth(token)).status_code == 200
    used = client.post("/api/v1/me/binding", json={"code": code}, headers=auth(token))
    assert used.status_code == 422 and "已被使用" in used.get_json()["message"]
    assert user_of(db, "oMini_officer").region_code == "140105"


def test_subscribe_consents_are_counted_per_template(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    token = login(client, fake_wechat, "oMini_sub")
    for _ in range(2):
        ok = client.post(
            "/api/v1/subscriptions",
            json={"results": {"TPL_progress": "accept", "TPL_other": "reject"}},
            headers=auth(token),
        )
        assert ok.status_code == 200
    items = {
        c["template_id"]: c
        for c in client.get("/api/v1/subscriptions", headers=auth(token)).get_json()["items"]
    }
    assert items["TPL_progress"]["remaining"] == 2 and items["TPL_other"]["remaining"] == 0
    client.post(
        "/api/v1/subscriptions", json={"results": {"TPL_progress": "filter"}}, headers=auth(token)
    )
    with db() as s:
        row = s.scalars(
            select(SubscribeConsent).where(SubscribeConsent.template_id == "TPL_progress")
        ).one()
        assert (row.remaining, row.last_answer) == (2, "accept")
        assert utcnow() - row.updated_at < timedelta(minutes=1)
    for bad in ({"results": []}, {"results": {"T": 1}}, {}):
        assert (
            client.post("/api/v1/subscriptions", json=bad, headers=auth(token)).status_code == 400
        )
    refused = client.post(
        "/api/v1/subscriptions", json={"results": {"bad id!": "accept"}}, headers=auth(token)
    )
    assert refused.status_code == 422 and refused.get_json()["code"] == "consent_refused"
    maybe = client.post(
        "/api/v1/subscriptions", json={"results": {"TPL_x": "maybe"}}, headers=auth(token)
    )
    assert maybe.status_code == 422


def test_the_response_check_catches_an_answer_the_document_does_not_describe(
    api_app: Flask, fake_wechat: FakeWeChatServer
) -> None:
    """The fixture every API test relies on is not a rubber stamp."""
    plain = FlaskClient(api_app)
    token = login(plain, fake_wechat, "oMini_honest")
    good = plain.get("/api/v1/me", headers=auth(token))
    check_against_spec(good)
    good.set_data(b'{"id": "seven"}')
    with pytest.raises(OpenAPIError):
        check_against_spec(good)
    teapot = plain.get("/api/v1/me", headers=auth(token))
    teapot.status_code = 418
    with pytest.raises(OpenAPIError):
        check_against_spec(teapot)


def test_dev_mode_logs_in_without_wechat(
    clean_db: Engine, database_url: str, tmp_path: Path
) -> None:
    """The simulator's world: no mini-program account, any code is a stable dev identity."""
    from bot import create_app
    from tests.conftest import app_config

    app = create_app(app_config(database_url, tmp_path / "i", app={"dev_mode": True}))
    app.test_client_class = ApiClient
    try:
        client = app.test_client()
        first = client.post("/api/v1/session", json={"code": "tester-1"}).get_json()
        again = client.post("/api/v1/session", json={"code": "tester-1"}).get_json()
        other = client.post("/api/v1/session", json={"code": "tester-2"}).get_json()
        assert first["user"]["id"] == again["user"]["id"] != other["user"]["id"]
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()


def test_live_mode_without_a_mini_program_account_says_login_is_unavailable(app: Flask) -> None:
    app.test_client_class = ApiClient
    refused = app.test_client().post("/api/v1/session", json={"code": "abc"})
    assert refused.status_code == 503 and refused.get_json()["message"] == "暂时无法登录，请稍后再试。"
