"""Who gets into the console and what each one sees: sign-in, scope, CSRF, escaping, expiry."""

from __future__ import annotations

from pathlib import Path

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.models import Hazard, HazardEvent, User
from tests.common.factories import enterprise, make_hazard, make_user
from tests.conftest import app_config
from tests.console.conftest import BASE_URL, Console, hazard_numbers


def _hazard(db: sessionmaker[Session], **kw: object) -> str:
    with db() as s:
        ent = kw.pop("enterprise_name_of", "太原晋钢钢铁有限公司")
        hazard = make_hazard(s, enterprise=enterprise(s, str(ent)), **kw)  # type: ignore[arg-type]
        s.commit()
        return hazard.number


def test_bound_officer_signs_in_through_wechat(console: Console, demo: dict[str, User]) -> None:
    response = console.sign_in(demo["county-xiaodian"].openid)
    assert response.status_code == 302 and response.location.endswith("/console/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = console.get("/console/").get_data(as_text=True)
    assert "演示科长（小店区）" in page and "县级监管人员" in page and "小店区" in page


def test_inside_wechat_the_login_goes_straight_to_authorization_and_back(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    number = _hazard(db)
    response = console.get(f"/console/hazards/{number}")  # a link from a chat message
    assert response.status_code == 302
    wechat = {"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"}
    response = console.get(response.location, headers=wechat)
    assert response.status_code == 302 and "/console/login/wechat" in response.location
    console.fake.authorize_as(demo["county-xiaodian"].openid)
    start = console.get(response.location)
    back = requests.get(start.location, allow_redirects=False, timeout=5).headers["Location"]
    response = console.get(back.removeprefix(BASE_URL))
    assert response.status_code == 302 and response.location == f"/console/hazards/{number}"


def test_unbound_and_non_officer_openids_are_refused(console: Console, db: sessionmaker[Session]) -> None:
    with db() as s:
        worker = make_user(s, role="worker", openid="o_worker_console")
        s.commit()
    for openid in ("o_never_bound", worker.openid):
        response = console.sign_in(openid)
        assert response.status_code == 403
        assert "尚未绑定监管人员或企业安全负责人身份" in response.get_data(as_text=True)
        assert console.get("/console/hazards").status_code == 302  # still signed out


def test_a_forged_oauth_state_signs_nobody_in(console: Console, demo: dict[str, User]) -> None:
    console.fake.authorize_as(demo["county-xiaodian"].openid)
    console.get("/console/login/wechat")
    response = console.get("/console/oauth/callback?code=abc&state=forged", follow_redirects=True)
    assert "微信授权已失效" in response.get_data(as_text=True)
    assert console.get("/console/hazards").status_code == 302


def test_dev_login_does_not_exist_in_live_mode(console: Console, demo: dict[str, User]) -> None:
    console.get("/console/login")
    assert console.post("/console/login/dev", {"user_id": demo["admin"].id}).status_code == 404


def test_another_countys_hazard_is_not_found(console: Console, demo: dict[str, User],
                                             db: sessionmaker[Session]) -> None:
    mine = _hazard(db, description="小店区的隐患")
    foreign = _hazard(db, enterprise_name_of="清徐宏达焦化钢铁有限公司", description="清徐县的隐患")
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.get(f"/console/hazards/{mine}").status_code == 200
    response = console.get(f"/console/hazards/{foreign}")
    assert response.status_code == 404 and "清徐县的隐患" not in response.get_data(as_text=True)
    # Acting on it by a hand-made POST is refused the same way, and writes nothing.
    assert console.post(f"/console/hazards/{foreign}/act/acknowledge").status_code == 404
    ledger = console.get("/console/hazards?q=YH&region=140121").get_data(as_text=True)
    assert foreign not in ledger
    # The city officer above both counties sees both.
    console.sign_in(demo["city-taiyuan"].openid)
    assert console.get(f"/console/hazards/{foreign}").status_code == 200


def test_a_manager_sees_only_graded_hazards_of_his_enterprise(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    ungraded = _hazard(db, state="submitted")
    graded = _hazard(db, state="rectifying", level="general")
    other = _hazard(db, enterprise_name_of="清徐宏达焦化钢铁有限公司", state="rectifying", level="major")
    console.sign_in(demo["manager"].openid)
    assert console.get(f"/console/hazards/{graded}").status_code == 200
    assert console.get(f"/console/hazards/{ungraded}").status_code == 404
    assert console.get(f"/console/hazards/{other}").status_code == 404
    numbers = hazard_numbers(console.get("/console/hazards?q=YH").get_data(as_text=True))
    assert graded in numbers and ungraded not in numbers and other not in numbers
    assert console.get("/console/hazards/export.xlsx").status_code == 403
    assert console.get("/console/reports").status_code == 403
    # Free text searches numbers and names only: the description could name the reporter.
    cooling_water = "/console/hazards?q=%E5%86%B7%E5%8D%B4%E6%B0%B4"  # 冷却水, in the description
    assert hazard_numbers(console.get(cooling_water).get_data(as_text=True)) == []
    assert graded in hazard_numbers(console.get(f"/console/hazards?q={graded}").get_data(as_text=True))


def test_a_post_without_the_csrf_token_is_refused(console: Console, demo: dict[str, User],
                                                  db: sessionmaker[Session]) -> None:
    number = _hazard(db)
    console.sign_in(demo["county-xiaodian"].openid)
    for form in ({}, {"csrf_token": "forged"}):
        response = console.client.post(f"/console/hazards/{number}/act/acknowledge", data=form)
        assert response.status_code == 400
        assert "页面已过期或来源不明" in response.get_data(as_text=True)
    with db() as s:
        assert s.scalars(select(Hazard.state).where(Hazard.number == number)).one() == "submitted"
    # The same form with the session's token goes through.
    assert console.post(f"/console/hazards/{number}/act/acknowledge").status_code == 302
    with db() as s:
        assert s.scalars(select(Hazard.state).where(Hazard.number == number)).one() == "acknowledged"


def test_a_refused_step_shows_the_services_chinese_message(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    number = _hazard(db, state="acknowledged")
    console.sign_in(demo["county-xiaodian"].openid)
    with db() as s:
        before = s.scalar(select(func.count()).select_from(HazardEvent))
    response = console.post(f"/console/hazards/{number}/act/acknowledge")
    assert response.status_code == 422
    assert "该隐患当前状态为“已受理”，不能受理。" in response.get_data(as_text=True)
    response = console.post(f"/console/hazards/{number}/act/deadline", {"deadline": "明天"})
    assert "请填写整改期限（格式 2026-12-31）。" in response.get_data(as_text=True)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(HazardEvent)) == before


def test_user_text_is_shown_as_text(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    script = "<script>alert('x')</script>"
    number = _hazard(db, description=f"炉前积水{script}")
    with db() as s:
        hazard = make_hazard(s, enterprise_name=f"某厂</script>{script}", region_code="140105",
                             state="rectifying", level="general")
        hazard.deadline = hazard.reported_at.date().replace(year=2020)
        s.commit()
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
    assert script not in page and "炉前积水&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    ledger = console.get("/console/hazards?q=%E6%9F%90%E5%8E%82").get_data(as_text=True)
    assert script not in ledger and "某厂&lt;/script&gt;" in ledger
    board = console.get("/console/").get_data(as_text=True)  # the overdue chart names it, as JSON
    assert script not in board and "</script><script>" not in board and "\\u003c/script\\u003e" in board


def test_an_expired_session_must_sign_in_again(console: Console, demo: dict[str, User]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.get("/console/hazards").status_code == 200
    with console.client.session_transaction() as session:
        session["console_expires"] = 1_000_000  # long past
    response = console.get("/console/hazards")
    assert response.status_code == 302 and "/console/login" in response.location
    assert "登录已过期" in console.get(response.location).get_data(as_text=True)


def test_a_photo_is_served_only_to_who_may_see_its_hazard(
    console: Console, demo: dict[str, User], db: sessionmaker[Session], console_app: object
) -> None:
    import io

    from PIL import Image

    from bot.models import Attachment
    from bot.services.reporting.photos import store_photo

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(buf, "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in buf.getvalue()
    media = Path(console_app.config["HAZARDBOT"]["media"]["dir"])  # type: ignore[attr-defined]
    stored = store_photo(buf.getvalue(), media)
    ids = {}
    for name in ("太原晋钢钢铁有限公司", "清徐宏达焦化钢铁有限公司"):
        number = _hazard(db, enterprise_name_of=name)
        with db() as s:
            hazard = s.scalars(select(Hazard).where(Hazard.number == number)).one()
            photo = Attachment(hazard_id=hazard.id, seq=1, media_id="m", status="stored",
                               relpath=stored.relpath, content_type=stored.content_type,
                               created_at=hazard.reported_at)
            s.add(photo)
            s.commit()
            ids[name] = (number, photo.id)
    console.sign_in(demo["county-xiaodian"].openid)
    number, photo_id = ids["太原晋钢钢铁有限公司"]
    assert f"/console/photos/{photo_id}" in console.get(f"/console/hazards/{number}").get_data(as_text=True)
    with console.get(f"/console/photos/{photo_id}") as response:  # closes the file it streams
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert b"PhoneMaker" not in response.data
    assert console.get(f"/console/photos/{ids['清徐宏达焦化钢铁有限公司'][1]}").status_code == 404


def test_dev_login_offers_only_console_users(
    database_url: str, tmp_path: Path, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    with db() as s:
        worker = make_user(s, role="worker", name="某职工")
        s.commit()
    app = create_app(app_config(database_url, tmp_path / "dev", app={"dev_mode": True}))
    try:
        client = app.test_client()
        page = client.get("/console/login").get_data(as_text=True)
        assert "演示科长（小店区）" in page and "某职工" not in page
        assert client.get("/console/login/wechat").status_code == 404  # no WeChat in dev mode
        with client.session_transaction() as session:
            token = session["csrf_token"]
        refused = client.post("/console/login/dev", data={"csrf_token": token, "user_id": worker.id},
                              follow_redirects=True)
        assert "该用户不能使用监管后台。" in refused.get_data(as_text=True)
        signed_in = client.post("/console/login/dev", data={
            "csrf_token": token, "user_id": demo["county-qingxu"].id, "next": "//evil.example/"})
        assert signed_in.location == "/console/"  # never an open redirect
    finally:
        app.extensions["worker"].stop()
        app.extensions["engine"].dispose()
