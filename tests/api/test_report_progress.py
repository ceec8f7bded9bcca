"""What a reporter follows in the mini-program (issue 19): the status view shows the level, the
deadline, 督办, the unit in charge and the closing date (every answer checked against the OpenAPI
document by ``ApiClient``), anonymous reports with their query code; a named mini-program
reporter is told of each step by subscribe message, one consent each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import User
from bot.services.platform.clock import local, utcnow
from tests.api.conftest import ApiClient, auth, login
from tests.api.test_officer import act, officer
from tests.api.test_reports import form, post_report
from tests.common.factories import ENTERPRISE, enterprise, make_hazard
from tests.fakes.wechat_api import FakeWeChatServer

PROGRESS = "TplProgress0009"
UNIT = "小店区应急管理局"


@pytest.fixture
def api_settings() -> dict[str, Any]:
    return {"subscribe_progress": f"{PROGRESS} number=character_string1 status=phrase2 note=thing3"}


def _status(client: ApiClient, token: str, number: str, code: str | None = None) -> Any:
    query = f"?query_code={code}" if code else ""
    response = client.get(f"/api/v1/reports/{number}{query}", headers=auth(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_status_view_shows_level_deadline_supervision_unit_and_closing(
    api_app: Flask, client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session],
) -> None:
    with db() as s:
        ent_id = enterprise(s, ENTERPRISE).id
    reporter = login(client, fake_wechat, "oMini_follower")
    number = post_report(client, reporter, form(enterprise_id=ent_id)).get_json()["number"]
    first = _status(client, reporter, number)
    assert (first["state"], first["level"], first["unit"], first["supervising_unit"]) == (
        "submitted", None, UNIT, None)

    zhao = officer(client, fake_wechat, db, "oMini_zhao2", "140105")
    deadline = (local(utcnow()).date() + timedelta(days=40)).isoformat()
    for body in ({"action": "acknowledge"}, {"action": "classify", "level": "major"},
                 {"action": "deadline", "deadline": deadline}, {"action": "supervise"}):
        assert act(client, zhao, number, **body).status_code == 200, body
    followed = _status(client, reporter, number)
    assert followed["state_label"] == "整改中" and followed["level_label"] == "重大事故隐患"
    assert followed["deadline"] == deadline and followed["supervising_unit"] == UNIT
    assert followed["unit"] == UNIT and followed["closed_at"] is None
    assert followed["merged_into"] is None and followed["reject_reason"] is None
    assert "oMini_zhao2" not in str(followed)
    [listed] = client.get("/api/v1/reports", headers=auth(reporter)).get_json()["items"]
    assert listed == followed

    # A duplicate is merged into it, another report is not taken on: each says why.
    dup = post_report(client, reporter, form(enterprise_id=ent_id), key="key-0000002").get_json()["number"]
    other = post_report(client, reporter, form(), key="key-0000003").get_json()["number"]
    assert act(client, zhao, dup, action="acknowledge").status_code == 200
    assert act(client, zhao, dup, action="merge", into=number).status_code == 200
    assert act(client, zhao, other, action="reject", reason="该厂已于去年关闭").status_code == 200
    assert _status(client, reporter, dup)["merged_into"] == number
    assert _status(client, reporter, other)["reject_reason"] == "该厂已于去年关闭"


def test_an_anonymous_report_is_followed_with_its_code(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session],
) -> None:
    someone = login(client, fake_wechat, "oMini_anon")
    created = post_report(client, someone, form(anonymous="true", reporter_name=None,
                                                reporter_phone=None)).get_json()
    number, code = created["number"], created["query_code"]
    zhao = officer(client, fake_wechat, db, "oMini_zhao3", "140105")
    assert act(client, zhao, number, action="acknowledge").status_code == 200
    assert act(client, zhao, number, action="classify", level="general").status_code == 200
    assert client.get(f"/api/v1/reports/{number}", headers=auth(someone)).status_code == 404
    followed = _status(client, someone, number, code)
    assert followed["anonymous"] and followed["level_label"] == "一般隐患" and followed["unit"] == UNIT
    assert client.get("/api/v1/reports", headers=auth(someone)).get_json()["items"] == []


def test_a_named_mini_program_reporter_is_told_by_subscribe_message(
    api_app: Flask, client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session],
) -> None:
    reporter = login(client, fake_wechat, "oMini_subscriber")
    assert client.post("/api/v1/subscriptions", json={"results": {PROGRESS: "accept"}},
                       headers=auth(reporter)).status_code == 200
    fake_wechat.accept_subscription("oMini_subscriber", PROGRESS)
    number = post_report(client, reporter, form()).get_json()["number"]
    zhao = officer(client, fake_wechat, db, "oMini_zhao4", "140105")
    assert act(client, zhao, number, action="acknowledge").status_code == 200
    api_app.extensions["worker"].run_once()
    assert client.post("/api/v1/subscriptions", json={"results": {PROGRESS: "accept"}},
                       headers=auth(reporter)).status_code == 200
    fake_wechat.accept_subscription("oMini_subscriber", PROGRESS)
    assert act(client, zhao, number, action="classify", level="general").status_code == 200
    api_app.extensions["worker"].run_once()
    told = [{k: v["value"] for k, v in m["data"].items()}
            for m in fake_wechat.subscribe_messages("oMini_subscriber")]
    assert [t["phrase2"] for t in told] == ["已受理", "已定级"]
    assert told[1]["character_string1"] == number and told[1]["thing3"] == "已定级，企业正在整改"


def test_an_inspectors_findings_are_not_listed_as_his_reports(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session],
) -> None:
    """An inspection's findings carry the inspector as ``reporter_id`` (the weekly figures need
    it); 我的报告 in chat never listed them, and neither does the API now."""
    zhao = officer(client, fake_wechat, db, "oMini_inspector", "140105")
    own = post_report(client, zhao, form(), key="key-inspector-1").get_json()["number"]
    with db() as s:
        inspector = s.scalars(select(User).where(User.openid == "mp:oMini_inspector")).one()
        finding = make_hazard(s, enterprise=enterprise(s, ENTERPRISE), source="joint_inspection",
                              reporter=inspector, state="acknowledged")
        s.commit()
        found_number = finding.number
    listed = [item["number"] for item in
              client.get("/api/v1/reports", headers=auth(zhao)).get_json()["items"]]
    assert listed == [own] and found_number not in listed
