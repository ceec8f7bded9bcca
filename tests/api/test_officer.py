"""Officers in the mini-program: the same pending list and steps as in chat, same rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Hazard, HazardEvent
from bot.services.platform.clock import local, utcnow
from tests.api.conftest import ApiClient, auth, login, set_role
from tests.api.test_reports import form, post_report
from tests.common.factories import ENTERPRISE, enterprise
from tests.fakes.wechat_api import FakeWeChatServer


def act(client: ApiClient, token: str, number: str, **body: Any):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/officer/reports/{number}/actions", json=body, headers=auth(token))


def officer(
    client: ApiClient,
    fake: FakeWeChatServer,
    db: sessionmaker[Session],
    openid: str,
    region: str,
    role: str = "county_officer",
) -> str:
    token = login(client, fake, openid)
    set_role(db, openid, role=role, region_code=region)
    return token


def test_an_officer_takes_a_report_through_the_lifecycle(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    with db() as s:
        ent_id = enterprise(s, ENTERPRISE).id
    reporter = login(client, fake_wechat, "oMini_reporter")
    number = post_report(client, reporter, form(enterprise_id=ent_id)).get_json()["number"]
    zhao = officer(client, fake_wechat, db, "oMini_zhao", "140105")

    pending = client.get("/api/v1/officer/pending", headers=auth(zhao)).get_json()["items"]
    assert [p["number"] for p in pending] == [number]
    assert pending[0]["photo_count"] == 2 and pending[0]["region_name"] == "小店区"
    assert "reporter_name" not in pending[0] and "13900000000" not in str(pending[0])

    acked = act(client, zhao, number, action="acknowledge")
    assert acked.status_code == 200 and acked.get_json()["state"] == "acknowledged"
    again = act(client, zhao, number, action="acknowledge")
    assert again.status_code == 409 and again.get_json()["code"] == "action_refused"
    assert "已受理" in again.get_json()["message"] or "当前状态" in again.get_json()["message"]

    graded = act(client, zhao, number, action="classify", level="major", basis="判定标准第十条")
    assert graded.status_code == 200
    assert (
        graded.get_json()["state"] == "rectifying"
        and graded.get_json()["level_label"] == "重大事故隐患"
    )
    # Within workflow.deadline_horizon_days (one year): 2099-12-31 is now refused (issue 16).
    deadline = (local(utcnow()).date() + timedelta(days=300)).isoformat()
    dated = act(client, zhao, number, action="deadline", deadline=deadline)
    assert dated.get_json()["deadline"] == deadline
    supervised = act(client, zhao, number, action="supervise")
    assert supervised.get_json()["supervising_unit"] == "小店区应急管理局"

    followed = client.get(f"/api/v1/reports/{number}", headers=auth(reporter)).get_json()
    assert followed["state"] == "rectifying" and followed["deadline"] == deadline
    with db() as s:
        hazard = s.scalars(select(Hazard).where(Hazard.number == number)).one()
        actions = s.scalars(
            select(HazardEvent.action)
            .where(HazardEvent.hazard_id == hazard.id)
            .order_by(HazardEvent.id)
        ).all()
    assert actions == ["submit", "acknowledge", "classify", "deadline", "supervise"]


def test_a_report_is_rejected_with_a_reason(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    with db() as s:
        ent_id = enterprise(s, ENTERPRISE).id
    reporter = login(client, fake_wechat, "oMini_r2")
    number = post_report(client, reporter, form(enterprise_id=ent_id, photos=[])).get_json()[
        "number"
    ]
    zhao = officer(client, fake_wechat, db, "oMini_zhao2", "140105")
    no_reason = act(client, zhao, number, action="reject")
    assert no_reason.status_code == 400 and no_reason.get_json()["field"] == "reason"
    rejected = act(client, zhao, number, action="reject", reason="不属于安全生产问题")
    assert rejected.status_code == 200 and rejected.get_json()["state"] == "rejected"


def test_officers_act_only_within_their_jurisdiction(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    with db() as s:
        ent_id = enterprise(s, ENTERPRISE).id  # 小店区, 太原市
    reporter = login(client, fake_wechat, "oMini_r3")
    number = post_report(client, reporter, form(enterprise_id=ent_id)).get_json()["number"]
    qingxu = officer(client, fake_wechat, db, "oMini_qingxu", "140121")
    assert client.get("/api/v1/officer/pending", headers=auth(qingxu)).get_json()["items"] == []
    foreign = act(client, qingxu, number, action="acknowledge")
    assert foreign.status_code == 409
    assert foreign.get_json()["message"] == f"没有找到编号为 {number} 的隐患，或您无权处理。"
    unknown = act(client, qingxu, "YH209901010001", action="acknowledge")
    assert unknown.get_json()["message"] == "没有找到编号为 YH209901010001 的隐患，或您无权处理。"
    # The city above the county may act; the reporter himself may not.
    city = officer(client, fake_wechat, db, "oMini_taiyuan", "140100", role="city_officer")
    assert act(client, city, number, action="acknowledge").status_code == 200
    mine = act(client, reporter, number, action="acknowledge")
    assert mine.status_code == 403 and mine.get_json()["code"] == "officers_only"
    assert client.get("/api/v1/officer/pending", headers=auth(reporter)).status_code == 403


def test_bad_action_bodies_are_refused(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    zhao = officer(client, fake_wechat, db, "oMini_zhao4", "140105")
    url = "/api/v1/officer/reports/YH202611240001/actions"
    for body, field in (
        ({}, "action"),
        ({"action": "explode"}, "action"),
        ({"action": "classify", "level": "huge"}, "level"),
        ({"action": "deadline", "deadline": "next week"}, "deadline"),
        ({"action": "merge"}, "into"),
    ):
        refused = client.post(url, json=body, headers=auth(zhao))
        assert refused.status_code == 400 and refused.get_json()["field"] == field, body
    assert (
        client.post(url, data="not json", headers=auth(zhao)).get_json()["code"] == "invalid_json"
    )
