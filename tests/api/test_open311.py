"""Open311 GeoReport v2: graded reports only, and nothing that could point at the reporter."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from tests.api.conftest import ApiClient
from tests.common.factories import ENTERPRISE, enterprise, make_hazard, make_user

REPORTED = datetime(2026, 11, 20, 7, 42, 13, tzinfo=UTC)  # 15:42:13 in Taiyuan


def test_public_requests_show_graded_reports_without_identity(
    client: ApiClient, db: sessionmaker[Session]
) -> None:
    with db() as s:
        ent = enterprise(s, ENTERPRISE)
        worker = make_user(s, role="worker", enterprise_id=ent.id, name="李四", phone="13900000000")
        graded = make_hazard(
            s,
            enterprise=ent,
            state="rectifying",
            level="major",
            reporter=worker,
            reporter_name="李四",
            reporter_phone="13900000000",
            reported_at=REPORTED,
            description="李四发现二号高炉煤气泄漏",
        )
        graded.supervising_unit = "太原市应急管理局"
        closed = make_hazard(
            s, enterprise=ent, state="closed", level="general", reported_at=REPORTED
        )
        closed.closed_at = REPORTED
        hidden = [
            make_hazard(s, enterprise=ent, state=state, reported_at=REPORTED).number
            for state in ("submitted", "acknowledged", "rejected")
        ]
        numbers = graded.number, closed.number
        s.commit()

    found = client.get(
        "/open311/v2/requests.json",
        query_string={"start_date": "2026-11-01", "end_date": "2026-11-30"},
    )
    assert found.status_code == 200
    items = {r["service_request_id"]: r for r in found.get_json()}
    assert set(items) == set(numbers) and not set(hidden) & set(items)
    major = items[numbers[0]]
    assert major == {
        "service_request_id": numbers[0],
        "status": "open",
        "status_notes": "整改中",
        "service_name": "重大事故隐患",
        "service_code": "major",
        "agency_responsible": "太原市应急管理局",
        "requested_datetime": "2026-11-20T00:00:00+08:00",
        "updated_datetime": None,
        "expected_datetime": None,
        "address": f"{ENTERPRISE}（小店区）",
    }
    text = found.get_data(as_text=True)
    assert "李四" not in text and "13900000000" not in text and "煤气泄漏" not in text
    assert items[numbers[1]]["status"] == "closed"

    only_closed = client.get(
        "/open311/v2/requests.json?status=closed&start_date=2026-11-01"
    ).get_json()
    assert [r["service_request_id"] for r in only_closed] == [numbers[1]]
    general = client.get("/open311/v2/requests.json?service_code=general&start_date=2026-11-01")
    assert [r["service_request_id"] for r in general.get_json()] == [numbers[1]]
    one = client.get(f"/open311/v2/requests/{numbers[0]}.json")
    assert one.status_code == 200 and one.get_json()[0]["service_code"] == "major"
    for number in hidden:
        assert client.get(f"/open311/v2/requests/{number}.json").status_code == 404


def test_services_discovery_and_bad_parameters(client: ApiClient) -> None:
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").get_json()]
    assert codes == ["general", "major"]
    assert (
        client.get("/open311/v2/discovery.json")
        .get_json()["endpoints"][0]["url"]
        .endswith("/open311/v2")
    )
    for query in (
        "start_date=yesterday",
        "status=pending",
        "service_code=minor",
        "start_date=2026-12-01&end_date=2026-11-01",
    ):
        refused = client.get(f"/open311/v2/requests.json?{query}")
        assert refused.status_code == 400 and refused.get_json()[0]["code"] == 400
