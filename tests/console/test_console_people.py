"""Managing people (issue 18): invite, revoke, move, 解绑, and the audit, as the users see it.

A revocation or a move takes effect at once in every channel: the revoked officer's next
chat message gets the public answers, his next API request as an officer a 403, his console
cookie the login page. Everything goes through the real app: the console's test client
signed in by WeChat web authorization on the fake server, the /wechat endpoint over HTTP
with a WeChat peer, the API with a token the API itself issues, and the ``flask users`` CLI.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.api.auth import issue_token
from bot.dev.peer import WeChatPeer
from bot.models import Enterprise, Hazard, OutboxMessage, PeopleAudit, Region, User
from tests.console.conftest import Console

ENDED = "登录已失效（已退出登录，或您的角色、辖区已变更），请重新登录。"
NOT_BOUND = "仅限已绑定的监管人员和企业安全负责人使用"


def api_pending(app: Flask, user: User) -> int:
    with app.app_context():
        token = issue_token(user)
    response = app.test_client().get("/api/v1/officer/pending", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def console_refused(browser: Console) -> None:
    response = browser.get("/console/hazards")
    assert response.status_code == 302 and "/console/login" in response.location
    assert ENDED in browser.get(response.location).get_data(as_text=True)


def open_hazard(db: sessionmaker[Session], region: str) -> str:
    with db() as s:
        return s.scalars(select(Hazard.number)
                         .where(Hazard.region_code == region, Hazard.state == "submitted")
                         .order_by(Hazard.id)).first() or ""


def cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["users", *args])
    return result.exit_code, result.output


def test_a_revoked_officer_is_refused_at_once_in_chat_api_and_console(
    console: Console, console_app: Flask, demo: dict[str, User], chat: WeChatPeer,
    db: sessionmaker[Session],
) -> None:
    officer, city = demo["county-xiaodian"], demo["city-taiyuan"]
    his = Console(console_app.test_client(), console.fake)
    his.sign_in(officer.openid)
    assert his.get("/console/hazards").status_code == 200
    assert api_pending(console_app, officer) == 200
    assert NOT_BOUND not in chat.send_text(officer.openid, "待办").content

    console.sign_in(city.openid)
    page = console.get("/console/people").get_data(as_text=True)
    assert "人员管理" in page and "演示科长（小店区）" in page and "县级监管人员" in page
    confirm = console.get(f"/console/people/{officer.id}/revoke").get_data(as_text=True)
    assert "确认撤销" in confirm and "此操作不可撤回" in confirm
    # The POST without the confirmation step's field does nothing but send him back to it.
    skipped = console.post(f"/console/people/{officer.id}/revoke")
    assert skipped.status_code == 302 and skipped.location.endswith(f"/console/people/{officer.id}/revoke")
    assert his.get("/console/hazards").status_code == 200

    done = console.post(f"/console/people/{officer.id}/revoke", {"confirm": "1"})
    assert done.status_code == 302
    page = console.get(done.location).get_data(as_text=True)
    assert "已撤销该人员的身份" in page
    assert "撤销身份，改为公众" in page and "演示处长（太原市）（市级监管人员）" in page  # the audit row

    assert NOT_BOUND in chat.send_text(officer.openid, "待办").content
    assert api_pending(console_app, officer) == 403
    console_refused(his)
    with db() as s:
        assert s.get(User, officer.id).role == "public"  # type: ignore[union-attr]
        told = s.scalars(select(OutboxMessage.text).where(OutboxMessage.openid == city.openid,
                                                          OutboxMessage.kind == "people_handover")).all()
    assert told and "【人员变动】演示科长（小店区）" in told[0]  # his open items went to the city


def test_a_moved_officer_acts_in_the_new_region_and_not_the_old(
    console: Console, console_app: Flask, demo: dict[str, User], chat: WeChatPeer,
    db: sessionmaker[Session],
) -> None:
    officer = demo["county-xiaodian"]
    old, new = open_hazard(db, "140105"), open_hazard(db, "140121")
    assert old and new
    console.sign_in(demo["city-taiyuan"].openid)
    moved = console.post(f"/console/people/{officer.id}/move", {"region": "140121"})
    assert moved.status_code == 302
    page = console.get(moved.location).get_data(as_text=True)
    assert "已调整该人员" in page and "调整：小店区 → 清徐县" in page

    assert "已受理" not in chat.send_text(officer.openid, f"受理 {old}").content
    assert f"已受理 {new}" in chat.send_text(officer.openid, f"受理 {new}").content
    # Outside the city's jurisdiction: refused, nothing changed.
    with db() as s:
        outside = s.scalars(select(Region.code)
                            .where(Region.level == "county", ~Region.code.like("1401%"))).first()
    assert outside
    refused = console.post(f"/console/people/{officer.id}/move", {"region": outside})
    assert refused.status_code == 422 and "不在您的辖区内" in refused.get_data(as_text=True)
    with db() as s:
        assert s.get(User, officer.id).region_code == "140121"  # type: ignore[union-attr]


def test_an_officer_cannot_invite_above_his_role_or_outside_his_jurisdiction(
    console: Console, console_app: Flask, demo: dict[str, User], db: sessionmaker[Session],
) -> None:
    county = demo["county-xiaodian"]
    console.sign_in(county.openid)
    above = console.post("/console/people/invite", {"role": "city_officer", "region": "140100"})
    assert above.status_code == 422 and "您不能管理“市级监管人员”" in above.get_data(as_text=True)
    with db() as s:
        here = s.scalars(select(Enterprise).where(Enterprise.region_code == "140105")).first()
        there = s.scalars(select(Enterprise).where(Enterprise.region_code != "140105")).first()
        assert here and there
    outside = console.post("/console/people/invite",
                           {"role": "enterprise_manager", "enterprise": str(there.id)})
    assert outside.status_code == 422 and "不在您的辖区内" in outside.get_data(as_text=True)
    ok = console.post("/console/people/invite", {"role": "enterprise_manager", "enterprise": str(here.id),
                                                 "name": "王五", "days": "3"})
    body = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "绑定码：" in body and "3 天内有效" in body
    assert "发放绑定码：企业安全负责人" in body  # the audit row

    code, out = cli(console_app, "invite", "--by", str(county.id), "--role", "county_officer",
                    "--region", "140105")
    assert code != 0 and "您不能管理“县级监管人员”" in out
    city = demo["city-taiyuan"]
    code, out = cli(console_app, "invite", "--by", str(city.id), "--role", "county_officer",
                    "--region", "140121")
    assert code == 0 and "绑定码：" in out
    with db() as s:
        far = s.scalars(select(Region.code)
                        .where(Region.level == "county", ~Region.code.like("1401%"))).first()
    code, out = cli(console_app, "invite", "--by", str(city.id), "--role", "county_officer",
                    "--region", str(far))
    assert code != 0 and "不在您的辖区内" in out
    with db() as s:
        rows = s.scalars(select(PeopleAudit).where(PeopleAudit.action == "invite")).all()
    assert len(rows) == 2  # the refusals wrote nothing


def test_the_cli_lists_revokes_and_moves(console_app: Flask, demo: dict[str, User]) -> None:
    code, out = cli(console_app, "list", "--region", "140100")
    assert code == 0 and "演示科长（小店区）" in out and "县级监管人员" in out and "小店区" in out
    officer = demo["county-qingxu"]
    code, out = cli(console_app, "move", str(officer.id), "--region", "140105")
    assert code == 0 and f"已调整用户 {officer.id}" in out
    code, out = cli(console_app, "revoke", str(officer.id), "--yes")
    assert code == 0 and f"已撤销用户 {officer.id} 的身份" in out
    code, out = cli(console_app, "revoke", str(officer.id), "--yes")
    assert code != 0 and "没有编号为" in out


def test_a_manager_has_no_people_page(console: Console, demo: dict[str, User]) -> None:
    console.sign_in(demo["manager"].openid)
    assert console.get("/console/people").status_code == 403
    assert "人员管理" not in console.get("/console/hazards").get_data(as_text=True)


def test_unbinding_oneself_in_chat_asks_first(
    console: Console, console_app: Flask, demo: dict[str, User], chat: WeChatPeer,
    db: sessionmaker[Session],
) -> None:
    manager = demo["manager"]
    console.sign_in(manager.openid)
    asked = chat.send_text(manager.openid, "解绑").content
    assert "确认解绑请回复“解绑 确认”" in asked and "企业安全负责人" in asked
    with db() as s:
        assert s.get(User, manager.id).role == "enterprise_manager"  # type: ignore[union-attr]
    done = chat.send_text(manager.openid, "解绑 确认").content
    assert "已解除绑定" in done
    assert NOT_BOUND in chat.send_text(manager.openid, "待办").content
    assert "您当前没有绑定任何身份" in chat.send_text(manager.openid, "解绑").content
    console_refused(console)
    with db() as s:
        row = s.scalars(select(PeopleAudit).where(PeopleAudit.subject_id == manager.id)).one()
    assert row.action == "unbind" and "本人解除绑定" in row.detail


def test_the_list_shows_when_a_person_bound_and_was_last_seen(
    console: Console, demo: dict[str, User], chat: WeChatPeer, db: sessionmaker[Session],
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    with db() as s:
        here = s.scalars(select(Enterprise).where(Enterprise.region_code == "140105")).first()
        assert here is not None
    body = console.post("/console/people/invite", {"role": "enterprise_manager", "enterprise": str(here.id),
                                                   "name": "赵六"}).get_data(as_text=True)
    code = body.split("绑定码：<strong>", 1)[1].split("<", 1)[0]
    assert "绑定成功" in chat.send_text("new-manager-openid", f"绑定 {code}").content
    page = console.get("/console/people").get_data(as_text=True)
    row = page.split("<td data-label=\"姓名\">赵六</td>", 1)[1].split("</tr>", 1)[0]
    assert "企业安全负责人" in row and here.name in row
    bound = row.split('data-label="绑定时间">', 1)[1].split("<", 1)[0]
    seen = row.split('data-label="最近活动">', 1)[1].split("<", 1)[0]
    assert bound.startswith("20") and seen.startswith("20"), row


def test_a_walk_begun_before_the_revocation_does_not_go_on_after_it(
    console_app: Flask, demo: dict[str, User], chat: WeChatPeer, db: sessionmaker[Session],
) -> None:
    from bot.models import InspectionResult
    from bot.services.inspections.checklists import load_checklists
    from bot.services.platform.clock import utcnow

    officer = demo["county-xiaodian"]
    with db() as s:
        load_checklists(s, now=utcnow())
        s.commit()
        name = s.scalars(select(Enterprise.name).where(Enterprise.region_code == "140105")).first()
    started = chat.send_text(officer.openid, f"检查 {name}").content
    assert "第 1/" in started, started
    code, out = cli(console_app, "revoke", str(officer.id), "--yes")
    assert code == 0 and "进行中的检查1次" in out, out
    after = chat.send_text(officer.openid, "1").content
    assert "第 2/" not in after
    with db() as s:
        assert not s.scalars(select(InspectionResult).where(InspectionResult.by_id == officer.id)).all()
