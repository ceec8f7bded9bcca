"""Role × action × foreign jurisdiction, on every front end: who may do what to whose hazard.

One table (``ACTIONS``) says, for each action, which roles may take it on a hazard (or
enterprise) in which place; one test per front end walks every role × action × place through
the door a person would use (chat: a text through WeChat; API: the mini-program's JSON; console:
the browser, signed in through WeChat web authorization) and checks two things:

- the person sees what the table says: allowed, or refused the way that front end refuses
  (chat: the refusal text; API: 403 ``officers_only`` / 404 ``report_not_found`` / 409
  ``action_refused``; console: 404 for what he may not see, 422 with the refusal for what he
  sees but may not do, 403 for a page that is not his, the login page for the signed-out);
- a refused action changed nothing (the hazard's fields and history, identity looks,
  penalties, messages, weekly tables, inspections), and an allowed one did take effect.

A foreign hazard must also be refused in exactly the words of a number that does not exist,
so no one can probe which numbers are real.

Places are relative to the person (tests/security/access.py): ``own`` (小店区 / his enterprise /
his own report), ``county`` (清徐县 in the same city) and ``city`` (长治市).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from bot.handlers import texts
from bot.models import WeeklyReport
from bot.services.hazards.workflow_texts import MERGE_OTHER_REGION, NOT_FOUND
from bot.services.platform.clock import local, utcnow
from bot.services.registry import qrcodes
from bot.services.registry.credit_code import make_credit_code
from tests.common.factories import enterprise
from tests.console.conftest import hazard_numbers
from tests.integration.ledger_files import csv_bytes, ledger_row
from tests.security.access import (
    ATTACK_NOTE,
    GHOST,
    PLACE_COUNTY,
    PLACE_ENTERPRISE,
    PLACES,
    REPORTER_NAME,
    REPORTER_PHONE,
    ROLES,
    Matrix,
    Target,
    xlsx_text,
)

OFFICERS = frozenset({"county", "city", "province"})
# The places each role covers: officers their region and below, an admin everything (to look
# at), a manager his enterprise, the public and workers their own reports.
COVERS: dict[str, frozenset[str]] = {
    "county": frozenset({"own"}),
    "city": frozenset({"own", "county"}),
    "province": frozenset(PLACES),
    "admin": frozenset(PLACES),
    "manager": frozenset({"own"}),
    "public": frozenset({"own"}),
    "worker": frozenset({"own"}),
}


def officer_of(role: str, place: str) -> bool:
    """An officer whose jurisdiction covers the place: the only one who acts on a hazard."""
    return role in OFFICERS and place in COVERS[role]


def console_sees(role: str, place: str) -> bool:
    """Who may open a (graded) hazard in the console: officers of it, admins, its manager."""
    return role in OFFICERS | {"admin", "manager"} and place in COVERS[role]


def inspects(role: str, place: str) -> bool:
    """检查: officers in their jurisdiction; a city officer also elsewhere (交叉检查); the
    province everywhere (省级督查); a manager his own plant (自查)."""
    if role == "city":
        return True
    return role in OFFICERS | {"manager"} and place in COVERS[role]


@dataclass(frozen=True)
class Action:
    """One row of the table: the hazard it needs, who may, and how each front end spells it."""

    allowed: Callable[[str, str], bool]
    state: str = "submitted"
    level: str | None = None
    into: bool = False
    photo: bool = False
    chat: str | None = None  # the text typed; {n} number, {into}, {date}, {name} enterprise
    api: dict[str, Any] | None = None  # body of POST /officer/reports/<n>/actions
    console: str | None = None  # the step of POST /console/hazards/<n>/act/<step>
    form: dict[str, str] = field(default_factory=dict)


ACTIONS: dict[str, Action] = {
    "受理": Action(officer_of, chat="受理 {n}", api={"action": "acknowledge"}, console="acknowledge"),
    "定级": Action(officer_of, state="acknowledged", chat="定级 {n} 重大 第四条第（一）项",
                 api={"action": "classify", "level": "major", "basis": "第四条第（一）项"},
                 console="classify", form={"level": "major", "basis": "第四条第（一）项"}),
    "限期": Action(officer_of, state="acknowledged", chat="限期 {n} {date}",
                 api={"action": "deadline", "deadline": "{date}"}, console="deadline",
                 form={"deadline": "{date}"}),
    "督办": Action(officer_of, state="rectifying", level="major", chat="督办 {n}",
                 api={"action": "supervise"}, console="supervise"),
    "验收": Action(officer_of, state="awaiting_verification", chat="验收 {n}", api={"action": "verify"},
                 console="close"),
    "退回": Action(officer_of, state="awaiting_verification", chat="退回 {n} 照片不清楚",
                 api={"action": "send_back", "reason": "照片不清楚"}, console="send_back",
                 form={"reason": "照片不清楚"}),
    "合并": Action(officer_of, state="acknowledged", into=True, chat="合并 {n} {into}",
                 api={"action": "merge", "into": "{into}"}, console="merge", form={"into": "{into}"}),
    "处罚": Action(officer_of, state="acknowledged", chat="处罚 {n} 企业罚款=5 停产整顿",
                 console="penalty", form={"fine_enterprise_wan": "5", "suspended": "1"}),
}
# A description in which the worker gives himself away, as people do.
TELLING = f"我是{REPORTER_NAME}，电话 {REPORTER_PHONE}，二号炉冷却水管漏水"
# 举报人 on a graded hazard, so that the enterprise's own manager sees it and is still refused.
REPORTER = Action(officer_of, state="rectifying", level="general")


def _fill(template: str, t: Target) -> str:
    deadline = (local(utcnow()).date() + timedelta(days=30)).isoformat()
    return template.format(n=t.number, into=t.into, date=deadline, name=t.enterprise_name)


def _target(m: Matrix, role: str, place: str, a: Action) -> Target:
    return m.target(role, place, state=a.state, level=a.level, into=a.into, photo=a.photo)


def _cases(actions: list[str]) -> list[Any]:
    return [pytest.param(role, action, place, id=f"{role}-{action}-{place}")
            for role in ROLES for action in actions for place in PLACES]


def _assert_effect(before: dict[str, Any], after: dict[str, Any], allowed: bool, what: str) -> None:
    if allowed:
        assert after != before, f"{what}: allowed, but nothing changed"
    else:
        assert after == before, f"{what}: refused, but the database changed"


# --- chat ---------------------------------------------------------------------------------------

CHAT_REFUSALS = ("没有找到编号为", "只能由监管部门办理", "仅限监管人员", "您不能检查该企业")


def chat_refused(reply: str) -> bool:
    return reply == texts.NOT_BOUND or any(words in reply for words in CHAT_REFUSALS)


@pytest.mark.parametrize(("role", "action", "place"), _cases([*ACTIONS]))
def test_chat_steps(matrix: Matrix, role: str, action: str, place: str) -> None:
    a = ACTIONS[action]
    assert a.chat is not None
    t = _target(matrix, role, place, a)
    before = matrix.snapshot(t.number)
    reply = matrix.say(role, _fill(a.chat, t))
    allowed = a.allowed(role, place)
    assert chat_refused(reply) is not allowed, reply
    _assert_effect(before, matrix.snapshot(t.number), allowed, reply)
    if not allowed and place != "own":
        ghost = matrix.say(role, _fill(a.chat, Target(number=GHOST, into=t.into)))
        assert reply == ghost.replace(GHOST, t.number), "a foreign hazard must read as a missing one"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_chat_reporter_identity(matrix: Matrix, role: str, place: str) -> None:
    t = _target(matrix, role, place, REPORTER)
    before = matrix.snapshot(t.number)
    reply = matrix.say(role, f"举报人 {t.number}")
    after = matrix.snapshot(t.number)
    if REPORTER.allowed(role, place):
        assert REPORTER_NAME in reply and REPORTER_PHONE in reply, reply
        assert after["IdentityAccess"] == before["IdentityAccess"] + 1  # every look is logged
    else:
        assert chat_refused(reply), reply
        assert REPORTER_NAME not in reply and REPORTER_PHONE not in reply
        assert after == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_chat_pending_list(matrix: Matrix, role: str, place: str) -> None:
    """待办 lists the hazards awaiting the person: never another jurisdiction's or plant's."""
    state = "rectifying" if role == "manager" else "awaiting_verification"
    t = matrix.target(role, place, state=state, level="general", oldest=True)
    reply = matrix.say(role, "待办")
    listed = role in OFFICERS | {"manager"} and place in COVERS[role]
    assert (t.number in reply) is listed, reply
    if role not in OFFICERS | {"manager"}:
        assert reply == texts.NOT_BOUND


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_chat_inspection_start(matrix: Matrix, role: str, place: str) -> None:
    matrix.close_open_inspections()
    t = matrix.enterprise_target(place)
    before = matrix.snapshot()
    reply = matrix.say(role, f"检查 {t.enterprise_name}")
    after = matrix.snapshot()
    matrix.say(role, "取消")  # pause the walk: the next case starts from an idle chat
    allowed = inspects(role, place)
    assert after["InspectionInspector"] == before["InspectionInspector"] + int(allowed), reply
    if not allowed:
        assert after == before
        assert "您不能检查该企业" in reply, reply


@pytest.mark.parametrize("role", ROLES)
def test_chat_weekly_confirm(matrix: Matrix, role: str) -> None:
    """周报 确认 files the person's own region's table: officers only (no region to choose)."""
    matrix.fresh_week()
    before = matrix.snapshot()
    reply = matrix.say(role, "周报 确认")
    after = matrix.snapshot()
    allowed = role in OFFICERS
    assert after["confirmed_tables"] == before["confirmed_tables"] + int(allowed), reply
    if not allowed:
        assert chat_refused(reply), reply
        assert after == before


# --- API ----------------------------------------------------------------------------------------

API_ACTIONS = [name for name, a in ACTIONS.items() if a.api is not None]


def _api_body(a: Action, t: Target) -> dict[str, Any]:
    assert a.api is not None
    return {k: _fill(v, t) if isinstance(v, str) else v for k, v in a.api.items()}


@pytest.mark.parametrize(("role", "action", "place"), _cases(API_ACTIONS))
def test_api_steps(matrix: Matrix, role: str, action: str, place: str) -> None:
    a = ACTIONS[action]
    t = _target(matrix, role, place, a)
    before = matrix.snapshot(t.number)
    answer = matrix.api(role, "POST", f"/api/v1/officer/reports/{t.number}/actions", json=_api_body(a, t))
    allowed = a.allowed(role, place)
    body = answer.get_json()
    if allowed:
        assert answer.status_code == 200, body
    elif role not in OFFICERS:
        assert (answer.status_code, body["code"]) == (403, "officers_only"), body
    else:
        assert (answer.status_code, body["code"]) == (409, "action_refused"), body
        ghost = matrix.api(role, "POST", f"/api/v1/officer/reports/{GHOST}/actions",
                           json=_api_body(a, Target(number=GHOST, into=t.into)))
        expected = ghost.get_json()["message"].replace(GHOST, t.number)
        assert (ghost.status_code, body["message"]) == (409, expected)
    _assert_effect(before, matrix.snapshot(t.number), allowed, str(body))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_api_pending_list(matrix: Matrix, role: str, place: str) -> None:
    t = matrix.target(role, place, state="submitted", oldest=True)
    answer = matrix.api(role, "GET", "/api/v1/officer/pending?limit=100")
    if role not in OFFICERS:
        assert (answer.status_code, answer.get_json()["code"]) == (403, "officers_only")
        return
    numbers = [item["number"] for item in answer.get_json()["items"]]
    assert (t.number in numbers) is officer_of(role, place)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_api_report_status(matrix: Matrix, role: str, place: str) -> None:
    """A report's status is its named reporter's (or the query code holder's), nobody else's:
    not an officer's, not the enterprise's."""
    t = matrix.target(role, place, state="rectifying", level="general")
    answer = matrix.api(role, "GET", f"/api/v1/reports/{t.number}")
    if role in ("public", "worker") and place == "own":
        assert answer.status_code == 200 and answer.get_json()["number"] == t.number
    else:
        assert (answer.status_code, answer.get_json()["code"]) == (404, "report_not_found")
        assert REPORTER_NAME not in answer.get_data(as_text=True)


# --- console ------------------------------------------------------------------------------------

CONSOLE_REFUSALS = ("没有找到编号为", "只能由监管部门办理")
SIGNED_OUT = ("public", "worker")  # the console does not let them in at all


def _console_refused(role: str, answer: Any, *, get: bool) -> None:
    """How the console refuses: signed out → the login page (GET) or 401 (POST); a hazard he
    may not see → 404; one he sees but may not act on → 422 with the service's words."""
    if role in SIGNED_OUT:
        if get:
            assert answer.status_code == 302 and "/console/login" in answer.location
        else:
            assert answer.status_code == 401
        return
    assert answer.status_code in (403, 404, 422), answer.status_code
    if answer.status_code == 422:
        page = answer.get_data(as_text=True)
        assert any(words in page for words in CONSOLE_REFUSALS), page[:500]


CONSOLE_ACTIONS = [name for name, a in ACTIONS.items() if a.console is not None]


@pytest.mark.parametrize(("role", "action", "place"), _cases(CONSOLE_ACTIONS))
def test_console_steps(matrix: Matrix, role: str, action: str, place: str) -> None:
    a = ACTIONS[action]
    t = _target(matrix, role, place, a)
    before = matrix.snapshot(t.number)
    form = {k: _fill(v, t) for k, v in a.form.items()}
    answer = matrix.console(role).post(f"/console/hazards/{t.number}/act/{a.console}", form)
    allowed = a.allowed(role, place)
    if allowed:
        assert answer.status_code == 302 and answer.location.endswith(f"/console/hazards/{t.number}")
    else:
        _console_refused(role, answer, get=False)
    _assert_effect(before, matrix.snapshot(t.number), allowed, f"{answer.status_code}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_hazard_page_and_ledger(matrix: Matrix, role: str, place: str) -> None:
    t = matrix.target(role, place, state="rectifying", level="general", description=TELLING)
    before = matrix.snapshot(t.number)
    console = matrix.console(role)
    page = console.get(f"/console/hazards/{t.number}")
    ledger = console.get(f"/console/hazards?q={t.number}")
    allowed = console_sees(role, place)
    if allowed:
        assert page.status_code == 200 and t.number in page.get_data(as_text=True)
        assert t.number in hazard_numbers(ledger.get_data(as_text=True))
    else:
        _console_refused(role, page, get=True)
        if role in SIGNED_OUT:
            _console_refused(role, ledger, get=True)
        else:
            assert ledger.status_code == 200 and t.number not in hazard_numbers(ledger.get_data(as_text=True))
    if role == "manager" and allowed:
        assert REPORTER_PHONE not in page.get_data(as_text=True)  # his words are scrubbed
        assert REPORTER_NAME not in page.get_data(as_text=True).replace(TELLING, "")
    if allowed and role != "manager":  # who reported is shown only through the logged look
        assert REPORTER_PHONE not in page.get_data(as_text=True).replace(TELLING, "")
    assert matrix.snapshot(t.number) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_reporter_identity(matrix: Matrix, role: str, place: str) -> None:
    t = _target(matrix, role, place, REPORTER)
    before = matrix.snapshot(t.number)
    answer = matrix.console(role).post(f"/console/hazards/{t.number}/reporter")
    after = matrix.snapshot(t.number)
    page = answer.get_data(as_text=True)
    if REPORTER.allowed(role, place):
        assert answer.status_code == 200 and REPORTER_NAME in page and REPORTER_PHONE in page
        assert after["IdentityAccess"] == before["IdentityAccess"] + 1
    else:
        _console_refused(role, answer, get=False)
        assert REPORTER_NAME not in page and REPORTER_PHONE not in page
        assert after == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_photo_download(matrix: Matrix, role: str, place: str) -> None:
    """A report's photo: to the officers of its place and admins; never to the enterprise
    (a worker's photo can give him away), never elsewhere."""
    t = matrix.target(role, place, state="rectifying", level="general", photo=True)
    answer = matrix.console(role).get(f"/console/photos/{t.photo_id}")
    answer.close()  # a file response holds the file open until closed
    if role in OFFICERS | {"admin"} and place in COVERS[role]:
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    else:
        _console_refused(role, answer, get=True)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_ledger_export(matrix: Matrix, role: str, place: str) -> None:
    """The Excel export holds exactly the rows the person may see; managers get no export."""
    t = matrix.target(role, place, state="rectifying", level="general")
    answer = matrix.console(role).get(f"/console/hazards/export.xlsx?q={t.number}")
    if role in OFFICERS | {"admin"}:
        assert answer.status_code == 200
        assert (t.number in xlsx_text(answer.data)) is (place in COVERS[role])
    else:
        _console_refused(role, answer, get=True)


@pytest.mark.parametrize("role", ROLES)
def test_console_weekly_confirm(matrix: Matrix, role: str) -> None:
    """Confirming the week's table: officers, for their own region; an admin reads only."""
    matrix.fresh_week()
    before = matrix.snapshot()
    answer = matrix.console(role).post("/console/reports/confirm", {"region": "140400"})
    after = matrix.snapshot()
    allowed = role in OFFICERS
    assert after["confirmed_tables"] == before["confirmed_tables"] + int(allowed)
    if allowed:
        assert answer.status_code == 302
        own = matrix.user(role).region_code
        with matrix.db() as s:
            assert [r.region_code for r in s.query(WeeklyReport)] == [own]  # not the typed one
    elif role in ("admin",):
        assert answer.status_code == 302 and after == before
    else:
        _console_refused(role, answer, get=False)
        assert after == before


@pytest.mark.parametrize("role", ROLES)
def test_console_weekly_text_rows(matrix: Matrix, role: str) -> None:
    """The table's free-text rows are the filing officer's words: officers write them, for
    their own region; an admin reads only, a manager does not get the page."""
    matrix.fresh_week()
    if role not in SIGNED_OUT and role != "manager":  # the form is offered to officers only
        page = matrix.console(role).get("/console/reports").get_data(as_text=True)
        assert ('id="texts-form"' in page) is (role in OFFICERS)
    before = matrix.snapshot()
    form = {"存在问题": ATTACK_NOTE, "region": "140400"}
    answer = matrix.console(role).post("/console/reports/texts", form)
    after = matrix.snapshot()
    if role in OFFICERS:
        assert answer.status_code == 302 and after["weekly_texts"] != before["weekly_texts"]
        own = matrix.user(role).region_code
        with matrix.db() as s:
            assert [r.region_code for r in s.query(WeeklyReport)] == [own]  # not the typed one
        return
    if role == "admin":
        assert answer.status_code == 302
        flashed = matrix.console(role).get(answer.location).get_data(as_text=True)
        assert "只能由监管人员" in flashed
    else:
        _console_refused(role, answer, get=False)
    assert after == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_qr_poster(matrix: Matrix, role: str, place: str) -> None:
    """An enterprise's QR poster: to whoever may see the enterprise (its officers, an admin,
    its own manager), not to another county's officer or another plant. An admin, read-only,
    never creates the code: without one he is told so, and nothing is written."""
    t = matrix.enterprise_target(place)
    url = f"/console/enterprises/{t.enterprise_id}/poster.png"

    def has_code() -> bool:
        with matrix.db() as s:
            return qrcodes.active_code(s, t.enterprise_id) is not None

    if role == "admin" and not has_code():
        answer = matrix.console(role).get(url)
        assert answer.status_code == 409 and "该企业尚未生成二维码" in answer.get_data(as_text=True)
        assert not has_code()
        with matrix.db() as s:
            qrcodes.ensure_code(s, enterprise(s, t.enterprise_name), utcnow())
            s.commit()
    answer = matrix.console(role).get(url)
    answer.close()
    if console_sees(role, place):
        assert answer.status_code == 200 and answer.mimetype == "image/png"
    else:
        _console_refused(role, answer, get=True)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_chat_report_status(matrix: Matrix, role: str, place: str) -> None:
    """查询 <编号>: the named reporter follows his report; to anyone else (officers too) it
    reads as a number that does not exist."""
    t = matrix.target(role, place, state="rectifying", level="general")
    reply = matrix.say(role, f"查询 {t.number}")
    if role in ("public", "worker") and place == "own":
        assert t.number in reply and "整改" in reply, reply
    else:
        assert reply == texts.QUERY_NOT_FOUND, reply


@pytest.mark.parametrize("role", ["county", "city", "province"])
@pytest.mark.parametrize("place", ["county", "city"])
def test_merging_into_a_foreign_hazard(matrix: Matrix, role: str, place: str) -> None:
    """合并 of his own hazard into one elsewhere: never (the target must be one he covers,
    in the same county), on every front end; nothing changes."""
    for front in ("chat", "api", "console"):
        own = matrix.target(role, "own", state="acknowledged")
        foreign = matrix.target(role, place, state="acknowledged")
        before = matrix.snapshot(own.number), matrix.snapshot(foreign.number)
        if front == "chat":
            reply = matrix.say(role, f"合并 {own.number} {foreign.number}")
            covered = role != "county" and (role == "province" or place == "county")
            expected = MERGE_OTHER_REGION if covered else NOT_FOUND.format(number=foreign.number)
            assert reply == expected, reply
        elif front == "api":
            answer = matrix.api(role, "POST", f"/api/v1/officer/reports/{own.number}/actions",
                                json={"action": "merge", "into": foreign.number})
            assert (answer.status_code, answer.get_json()["code"]) == (409, "action_refused")
        else:
            answer = matrix.console(role).post(f"/console/hazards/{own.number}/act/merge",
                                               {"into": foreign.number})
            assert answer.status_code == 422
        assert (matrix.snapshot(own.number), matrix.snapshot(foreign.number)) == before, front


@pytest.mark.parametrize("state", ["submitted", "acknowledged"])
def test_a_manager_never_sees_an_ungraded_report_on_his_plant(matrix: Matrix, state: str) -> None:
    """Before an officer grades it, a report about his own plant does not exist for the
    manager anywhere: hazard page, ledger, photo, 待办, any command (the whistleblower rule)."""
    t = matrix.target("manager", "own", state=state, photo=True)
    console = matrix.console("manager")
    assert console.get(f"/console/hazards/{t.number}").status_code == 404
    ledger = console.get(f"/console/hazards?q={t.number}").get_data(as_text=True)
    assert t.number not in hazard_numbers(ledger)
    photo = console.get(f"/console/photos/{t.photo_id}")
    photo.close()
    assert photo.status_code == 404
    assert t.number not in matrix.say("manager", "待办")
    for command in (f"受理 {t.number}", f"举报人 {t.number}", f"整改 {t.number}"):
        reply = matrix.say("manager", command)
        assert reply == matrix.say("manager", command.replace(t.number, GHOST)).replace(GHOST, t.number)


@pytest.mark.parametrize("role", ROLES)
def test_console_report_files(matrix: Matrix, role: str) -> None:
    """附件2 重大事故隐患台账 and the 周调度统计表 as files: the person's own region, whatever
    region the query names; managers get neither."""
    for place in PLACES:
        matrix.target(role, place, state="rectifying", level="major")
    console = matrix.console(role)
    ledger = console.get("/console/reports/ledger.xlsx?region=140400")
    weekly = console.get("/console/reports/weekly.xlsx?region=140400")
    if role in SIGNED_OUT or role == "manager":
        _console_refused(role, ledger, get=True)
        _console_refused(role, weekly, get=True)
        return
    assert ledger.status_code == 200 and weekly.status_code == 200
    cells = xlsx_text(ledger.data)
    for place in PLACES:
        assert (PLACE_ENTERPRISE[place] in cells) is (place in COVERS[role]), place


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_registry_import(matrix: Matrix, role: str, place: str) -> None:
    """The supervision ledger import: officers, for enterprises in their jurisdiction; all or
    nothing. An admin reads the registry in the console (he imports with the command line)."""
    global _import_seq
    _import_seq += 1
    county, code = PLACE_COUNTY[place]
    row = ledger_row(_import_seq, {"所在县（市、区）": county, "行政区划代码": code},
                     统一社会信用代码=make_credit_code(code, 800_000 + _import_seq),
                     企业名称=f"矩阵测试{_import_seq}号钢铁有限公司")
    before = matrix.snapshot()
    answer = matrix.console(role).post("/console/enterprises/import",
                                       {"file": (io.BytesIO(csv_bytes([row])), "台账.csv")},
                                       content_type="multipart/form-data")
    allowed = officer_of(role, place)
    if allowed:
        assert answer.status_code == 200 and "导入完成" in answer.get_data(as_text=True)
    elif role in OFFICERS:
        assert answer.status_code == 422 and "不在您的管辖范围内" in answer.get_data(as_text=True)
    else:
        _console_refused(role, answer, get=False)
    _assert_effect(before, matrix.snapshot(), allowed, str(answer.status_code))


_import_seq = 0


def files_plan(role: str, place: str) -> bool:
    """整改 (the 五落实 plan): the enterprise's own manager; an officer of the jurisdiction
    only for an enterprise with no bound manager (here 长治潞宝, covered by the province)."""
    return (role == "manager" and place == "own") or (role == "province" and place == "city")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_chat_rectification_plan(matrix: Matrix, role: str, place: str) -> None:
    t = matrix.target(role, place, state="rectifying", level="general")
    before = matrix.snapshot(t.number)
    reply = matrix.say(role, f"整改 {t.number}")
    matrix.say(role, "取消")
    if files_plan(role, place):
        assert texts.ASK_PLAN_PERSON in reply, reply
    else:
        assert texts.ASK_PLAN_PERSON not in reply
        assert (chat_refused(reply) or reply == texts.MANAGER_ONLY
                or "该企业已绑定安全管理人员" in reply), reply
    assert matrix.snapshot(t.number) == before  # the questions come first; nothing is filed yet
