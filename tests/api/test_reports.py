"""Reporting through the API: scan, search, upload (with retries), follow up."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Attachment, EnterpriseVisit, Hazard, OutboxMessage, User
from bot.services.platform.clock import utcnow
from bot.services.registry import qrcodes
from tests.api.conftest import ApiClient, auth, jpeg, login, set_role, user_of
from tests.common.factories import ENTERPRISE, enterprise, make_user
from tests.fakes.wechat_api import FakeWeChatServer

DESCRIPTION = "二号高炉出铁场除尘风机皮带断裂，粉尘大量外溢"


def form(**overrides: Any) -> dict[str, Any]:
    """A complete named report about a registry enterprise (photos fresh each call)."""
    photos = overrides.pop("photos", [jpeg(exif_gps=True), jpeg((30, 30, 200))])
    data: dict[str, Any] = {
        # Not in the registry unless a test names an enterprise_id (ids differ per backend).
        "enterprise_name": "某某铸造厂",
        "region_code": "140105",
        "description": DESCRIPTION,
        "anonymous": "false",
        "reporter_name": "李四",
        "reporter_phone": "13900000000",
        "location_lat": "37.86",
        "location_lng": "112.55",
        "location_label": "二号高炉",
    }
    data.update(overrides)
    data = {k: str(v) for k, v in data.items() if v is not None}
    data["photos"] = [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)]
    return data


def post_report(
    client: ApiClient, token: str, data: dict[str, Any], key: str | None = "key-0000001"
):  # type: ignore[no-untyped-def]
    headers = auth(token)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        "/api/v1/reports", data=data, headers=headers, content_type="multipart/form-data"
    )


@pytest.fixture
def ent_id(db: sessionmaker[Session]) -> int:
    with db() as s:
        return enterprise(s, ENTERPRISE).id


@pytest.fixture
def county_officer(db: sessionmaker[Session]) -> int:
    with db() as s:
        officer = make_user(s, role="county_officer", region_code="140105")
        s.commit()
        return officer.id


def count(db: sessionmaker[Session], model: type) -> int:
    with db() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_scanned_poster_names_its_enterprise(
    client: ApiClient, db: sessionmaker[Session], ent_id: int, fake_wechat: FakeWeChatServer
) -> None:
    with db() as s:
        ent = enterprise(s, ENTERPRISE)
        token = qrcodes.ensure_code(s, ent, utcnow()).token
        s.commit()
    for raw in (token, "e:" + token):
        found = client.get(f"/api/v1/qrcodes/{raw}")
        assert found.status_code == 200
        assert found.get_json()["enterprise"] == {
            "id": ent_id,
            "name": ENTERPRISE,
            "region_code": "140105",
            "region_name": "小店区",
        }
    assert "visit_recorded_at" not in found.get_json()
    officer = login(client, fake_wechat, "oMini_inspector")
    set_role(db, "oMini_inspector", role="county_officer", region_code="140105")
    visited = client.get(f"/api/v1/qrcodes/{token}", headers=auth(officer))
    assert visited.status_code == 200 and visited.get_json()["visit_recorded_at"]
    inspector_id = user_of(db, "oMini_inspector").id
    with db() as s:
        visit = s.scalars(select(EnterpriseVisit)).one()
        assert (visit.enterprise_id, visit.officer_id) == (ent_id, inspector_id)
    assert client.get(f"/api/v1/qrcodes/{token}", headers=auth("forged")).status_code == 401
    unknown = client.get("/api/v1/qrcodes/AAAAAAAAAAAAAAAAAAAAAA")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "unknown_qrcode"
    with db() as s:
        qrcodes.revoke_and_reissue(s, enterprise(s, ENTERPRISE), utcnow())
        s.commit()
    revoked = client.get(f"/api/v1/qrcodes/{token}")
    assert revoked.status_code == 410 and "已作废" in revoked.get_json()["message"]


def test_enterprises_and_counties_are_searched_by_name(client: ApiClient) -> None:
    found = client.get("/api/v1/enterprises", query_string={"q": "晋钢"}).get_json()["items"]
    assert found[0]["name"] == ENTERPRISE and found[0]["region_name"] == "小店区"
    counties = client.get("/api/v1/counties", query_string={"q": "小店"}).get_json()["items"]
    assert counties[0] == {"code": "140105", "name": "小店区", "city_name": "太原市"}
    for url in (
        "/api/v1/enterprises",
        "/api/v1/counties?q=",
        "/api/v1/enterprises?q=" + "钢" * 51,
        "/api/v1/enterprises?q=钢&limit=0",
        "/api/v1/enterprises?q=钢&limit=x",
    ):
        refused = client.get(url)
        assert refused.status_code == 400 and refused.get_json()["code"] in (
            "missing_parameter",
            "invalid_parameter",
        )


def test_a_named_report_with_photos_reaches_the_officers_scrubbed(
    client: ApiClient,
    fake_wechat: FakeWeChatServer,
    db: sessionmaker[Session],
    ent_id: int,
    county_officer: int,
    api_app: Flask,
) -> None:
    token = login(client, fake_wechat, "oMini_worker")
    made = post_report(client, token, form(enterprise_id=ent_id))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["state"] == "submitted" and body["state_label"] == "已提交，等待受理"
    assert (
        body["query_code"] is None
        and body["photo_count"] == 2
        and body["enterprise_name"] == ENTERPRISE
    )
    me = user_of(db, "oMini_worker")
    with db() as s:
        hazard = s.scalars(select(Hazard)).one()
        assert (hazard.number, hazard.reporter_id, hazard.reporter_phone) == (
            body["number"],
            me.id,
            "13900000000",
        )
        assert hazard.location_label == "二号高炉" and hazard.source == "public_report"
        photos = s.scalars(select(Attachment).where(Attachment.hazard_id == hazard.id)).all()
        assert [p.status for p in photos] == ["stored", "stored"]
        officer = s.get(User, county_officer)
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.openid == officer.openid)).all()  # type: ignore[union-attr]
        assert len(told) == 1 and hazard.number in told[0].text
    stored = Path(api_app.config["HAZARDBOT"]["media"]["dir"]) / photos[0].relpath  # type: ignore[operator]
    with Image.open(stored) as im:
        assert not im.getexif() and "exif" not in im.info  # GPS and device gone
    mine = client.get("/api/v1/reports", headers=auth(token)).get_json()["items"]
    assert [r["number"] for r in mine] == [body["number"]]
    status = client.get(f"/api/v1/reports/{body['number'].lower()}", headers=auth(token))
    assert status.status_code == 200 and status.get_json()["state"] == "submitted"


def test_a_retried_upload_makes_one_report(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session], ent_id: int
) -> None:
    token = login(client, fake_wechat, "oMini_retry")
    first = post_report(
        client,
        token,
        form(enterprise_id=ent_id, anonymous="true", reporter_name=None, reporter_phone=None),
        key="retry-key-1",
    )
    again = post_report(
        client,
        token,
        form(enterprise_id=ent_id, anonymous="true", reporter_name=None, reporter_phone=None),
        key="retry-key-1",
    )
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replay"] == "true"
    assert first.get_json()["query_code"]  # the replay still carries the code, shown once
    assert count(db, Hazard) == 1 and count(db, Attachment) == 2
    other = post_report(
        client,
        token,
        form(enterprise_id=ent_id, description="另一处：三号转炉平台栏杆缺失"),
        key="retry-key-1",
    )
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    # The same key from another person is another report.
    token2 = login(client, fake_wechat, "oMini_retry2")
    assert (
        post_report(client, token2, form(enterprise_id=ent_id), key="retry-key-1").status_code
        == 201
    )
    assert count(db, Hazard) == 2


def test_an_anonymous_report_keeps_no_link_and_is_followed_with_its_code(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session], ent_id: int
) -> None:
    token = login(client, fake_wechat, "oMini_anon")
    made = post_report(
        client,
        token,
        form(enterprise_id=ent_id, anonymous="true", reporter_name=None, reporter_phone=None),
    ).get_json()
    number, code = made["number"], made["query_code"]
    with db() as s:
        hazard = s.scalars(select(Hazard)).one()
        assert (
            hazard.reporter_id is None
            and hazard.reporter_name is None
            and hazard.query_code_hash != code
        )
        assert all(a.uploader_id is None for a in s.scalars(select(Attachment)))
    assert client.get("/api/v1/reports", headers=auth(token)).get_json()["items"] == []
    stranger = login(client, fake_wechat, "oMini_stranger")
    assert client.get(f"/api/v1/reports/{number}", headers=auth(stranger)).status_code == 404
    wrong = client.get(
        f"/api/v1/reports/{number}", query_string={"query_code": "WRONG234"}, headers=auth(stranger)
    )
    assert (
        wrong.status_code == 404
        and wrong.get_json()["message"] == "没有找到该报告，或查询码不正确。"
    )
    right = client.get(
        f"/api/v1/reports/{number}",
        query_string={"query_code": code.lower()},
        headers=auth(stranger),
    )
    assert right.status_code == 200 and right.get_json()["anonymous"] is True


def test_another_users_named_report_is_refused(
    client: ApiClient, fake_wechat: FakeWeChatServer, ent_id: int
) -> None:
    owner = login(client, fake_wechat, "oMini_owner")
    number = post_report(client, owner, form(enterprise_id=ent_id)).get_json()["number"]
    other = login(client, fake_wechat, "oMini_other")
    refused = client.get(f"/api/v1/reports/{number}", headers=auth(other))
    assert refused.status_code == 404 and refused.get_json()["code"] == "report_not_found"
    assert client.get("/api/v1/reports", headers=auth(other)).get_json()["items"] == []
    assert client.get(f"/api/v1/reports/{number}").status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"description": None}, 400, "missing_field", "description"),
        ({"description": "太短"}, 422, "invalid_description", "description"),
        ({"anonymous": None}, 400, "missing_field", "anonymous"),
        ({"anonymous": "maybe"}, 400, "invalid_field", "anonymous"),
        ({"reporter_phone": None}, 400, "missing_field", "reporter_phone"),
        ({"reporter_phone": "12345"}, 422, "invalid_contact", "reporter_phone"),
        ({"enterprise_id": "999999999"}, 422, "unknown_enterprise", "enterprise_id"),
        ({"enterprise_id": "abc"}, 400, "invalid_field", "enterprise_id"),
        (
            {"region_code": None},
            400,
            "missing_field",
            "region_code",
        ),
        (
            {"region_code": "140100"},
            422,
            "unknown_region",
            "region_code",
        ),
        ({"enterprise_name": None}, 400, "missing_field", "enterprise_name"),
        ({"location_lat": "91"}, 400, "invalid_field", "location_lat"),
        ({"location_lng": None}, 400, "invalid_field", "location_lat"),
        ({"colour": "red"}, 400, "unknown_field", "colour"),
        ({"photos": [jpeg()] * 10}, 400, "too_many_photos", "photos"),
        ({"photos": [b"GIF89a not really a picture"]}, 422, "photo_rejected", "photos"),
        ({"photos": [jpeg(), b"<html>fake.jpg</html>"]}, 422, "photo_rejected", "photos"),
        ({"photos": [jpeg()[:200]]}, 422, "photo_rejected", "photos"),
    ],
)
def test_bad_uploads_are_refused_and_write_nothing(
    client: ApiClient,
    fake_wechat: FakeWeChatServer,
    db: sessionmaker[Session],
    change: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    token = login(client, fake_wechat, "oMini_bad")
    refused = post_report(client, token, form(**change))
    assert refused.status_code == status, refused.get_json()
    assert refused.get_json()["code"] == code and refused.get_json()["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.get_json()["message"])
    assert count(db, Hazard) == 0 and count(db, Attachment) == 0


def test_an_unregistered_enterprise_is_reported_by_name_and_county(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    token = login(client, fake_wechat, "oMini_unreg")
    made = post_report(
        client,
        token,
        form(enterprise_id="", enterprise_name="某某铸造厂", region_code="140105", photos=[]),
    )
    assert made.status_code == 201 and made.get_json()["photo_count"] == 0
    with db() as s:
        assert s.scalars(select(Hazard.enterprise_name)).one() == "某某铸造厂"


def test_oversize_photos_and_bodies_are_refused(
    client: ApiClient, fake_wechat: FakeWeChatServer, db: sessionmaker[Session], api_app: Flask
) -> None:
    token = login(client, fake_wechat, "oMini_big")
    api_app.config["HAZARDBOT"]["media"]["max_bytes"] = 20_000
    big = jpeg(size=(1200, 900))
    noisy = Image.frombytes("RGB", (100, 100), random.Random(7).randbytes(100 * 100 * 3))
    buf = io.BytesIO()
    noisy.save(buf, format="PNG")
    assert len(buf.getvalue()) > 20_000
    too_big = post_report(client, token, form(photos=[jpeg(), buf.getvalue()]))
    assert too_big.status_code == 413 and too_big.get_json()["code"] == "photo_too_large"
    assert "第 2 张照片" in too_big.get_json()["message"]
    api_app.config["HAZARDBOT"]["dialogue"]["max_photos"] = 1
    body = post_report(client, token, form(photos=[big], location_label="很长" * 60_000))
    assert body.status_code == 413 and body.get_json()["code"] == "payload_too_large"
    assert count(db, Hazard) == 0


def test_uploads_need_a_login_and_an_idempotency_key(
    client: ApiClient, fake_wechat: FakeWeChatServer
) -> None:
    unauth = client.post(
        "/api/v1/reports",
        data=form(),
        headers={"Idempotency-Key": "k" * 10},
        content_type="multipart/form-data",
    )
    assert unauth.status_code == 401
    token = login(client, fake_wechat, "oMini_nokey")
    missing = post_report(client, token, form(), key=None)
    assert missing.status_code == 400 and missing.get_json()["code"] == "idempotency_key_required"
    bad = post_report(client, token, form(), key="short")
    assert bad.status_code == 400 and bad.get_json()["code"] == "invalid_idempotency_key"


def test_two_uploads_of_one_report_at_once_make_one_report(
    api_app: Flask, fake_wechat: FakeWeChatServer, db: sessionmaker[Session]
) -> None:
    """The phone gave up waiting and sent again while the first upload was still running."""
    from concurrent.futures import ThreadPoolExecutor

    token = login(api_app.test_client(), fake_wechat, "oMini_race")  # type: ignore[arg-type]

    def upload(_: int) -> tuple[int, dict[str, Any]]:
        response = post_report(api_app.test_client(), token, form(), key="race-key-01")  # type: ignore[arg-type]
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(upload, range(3)))
    assert count(db, Hazard) == 1
    created = [body for status, body in answers if status == 201]
    assert created and all(body == created[0] for body in created)
    assert all(status in (201, 409) for status, _ in answers)
