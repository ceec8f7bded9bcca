"""Lookups that cannot be farmed: ``查询 编号 查询码`` in chat and ``GET /api/v1/reports/<n>``.

An attacker guesses query codes as fast as he can. Past ``queries.failures_per_user`` failed
lookups (and, in the API, ``failures_per_ip`` per address) he is told to wait, in Chinese, and
no further code is checked; a person with the right code (another user, another address) is
still answered, and successful lookups never count. Every failure looks the same: a missing
number, somebody else's named report and an anonymous one with a wrong code give the same
answer at the same cost (one hash each), so neither the words nor the time tell them apart.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bot.config import ConfigError, load_config
from bot.dev.peer import WeChatPeer
from bot.handlers import texts
from bot.models import RateLimitCounter
from bot.services.reporting.lookups import QueryLimits
from tests.api.conftest import ApiClient, auth, login
from tests.api.test_reports import form, post_report
from tests.e2e.chat import code_in, number_in, report_until_confirm, say
from tests.fakes.wechat_api import FakeWeChatServer

PER_USER, PER_IP, WINDOW = 3, 5, 900
TOO_MANY = re.compile(r"查询失败次数过多，请(\d+)分钟后再试。")
NOT_FOUND_API = {"code": "report_not_found", "message": "没有找到该报告，或查询码不正确。"}
MISSING = "YH209901010001"
WRONG_CODES = ["ABCD2345", "WXYZ6789", "HJKM2345", "PQRS6789", "TUVW2345", "NPQR6789"]


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Small limits, so that a burst reaches them."""
    return {"queries": {"failures_per_user": PER_USER, "failures_per_ip": PER_IP, "window_seconds": WINDOW}}


def anonymous_chat_report(peer: WeChatPeer, openid: str) -> tuple[str, str]:
    report_until_confirm(peer, openid)
    reply = say(peer, openid, "确认")
    return number_in(reply), code_in(reply)


def wait_minutes(text: str) -> int:
    match = TOO_MANY.fullmatch(text)
    assert match, text
    return int(match.group(1))


# --- chat -----------------------------------------------------------------------------------

def test_a_burst_of_wrong_codes_in_chat_is_stopped_while_the_right_code_still_works(
    peer: WeChatPeer,
) -> None:
    number, code = anonymous_chat_report(peer, "o_lookup_reporter")
    guesses = [c for c in WRONG_CODES if c != code]

    answers = [say(peer, "o_lookup_guesser", f"查询 {number} {guess}") for guess in guesses[:PER_USER]]
    assert answers == [texts.QUERY_NOT_FOUND] * PER_USER
    # Past the limit: told to wait (within the 15-minute window), and no code is checked any
    # more, not even the right one, so guessing on cannot tell a hit from a miss.
    assert 1 <= wait_minutes(say(peer, "o_lookup_guesser", f"查询 {number} {guesses[PER_USER]}")) <= 15
    assert 1 <= wait_minutes(say(peer, "o_lookup_guesser", f"查询 {number} {code}")) <= 15

    # Someone else with the right code is answered, as often as he likes: successes never count.
    for _ in range(PER_USER + 2):
        assert "已提交，等待受理" in say(peer, "o_lookup_holder", f"查询 {number} {code.lower()}")
    # ... and a failure of his still gets the ordinary answer: his count is his own.
    assert say(peer, "o_lookup_holder", f"查询 {number} {guesses[0]}") == texts.QUERY_NOT_FOUND


def test_in_chat_every_failed_lookup_gets_the_same_answer(peer: WeChatPeer) -> None:
    anon_number, _code = anonymous_chat_report(peer, "o_lookup_anon")
    report_until_confirm(peer, "o_lookup_named", contact="王五 13700000000")
    named_number = number_in(say(peer, "o_lookup_named", "确认"))

    asked = [
        f"查询 {MISSING} ABCD2345",  # no such number
        f"查询 {named_number} ABCD2345",  # another person's named report
        f"查询 {anon_number} ABCD2345",  # anonymous, wrong code
    ]
    assert [say(peer, "o_lookup_prober", text) for text in asked] == [texts.QUERY_NOT_FOUND] * 3
    # The named reporter follows his own report without a code, and that is no failure.
    assert "已提交，等待受理" in say(peer, "o_lookup_named", f"查询 {named_number}")


# --- API --------------------------------------------------------------------------------------

def lookup(client: ApiClient, token: str, number: str, code: str | None, *, ip: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    query = {"query_code": code} if code is not None else {}
    return client.get(f"/api/v1/reports/{number}", query_string=query, headers=auth(token),
                      environ_base={"REMOTE_ADDR": ip})


def anonymous_api_report(client: ApiClient, fake: FakeWeChatServer) -> tuple[str, str]:
    token = login(client, fake, "oMini_lookup_reporter")
    made = post_report(client, token, form(anonymous="true", reporter_name=None, reporter_phone=None))
    assert made.status_code == 201, made.get_json()
    return made.get_json()["number"], made.get_json()["query_code"]


def test_a_burst_of_wrong_codes_through_the_api_gets_429_while_the_right_code_still_works(
    client: ApiClient, fake_wechat: FakeWeChatServer, clean_db: Engine
) -> None:
    number, code = anonymous_api_report(client, fake_wechat)
    guesses = [c for c in WRONG_CODES if c != code]
    attacker = login(client, fake_wechat, "oMini_lookup_attacker")

    for guess in guesses[:PER_USER]:
        wrong = lookup(client, attacker, number, guess)
        assert wrong.status_code == 404 and wrong.get_json() == NOT_FOUND_API
    refused = lookup(client, attacker, number, code)  # even the right code, now
    assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_lookups"
    assert 1 <= wait_minutes(refused.get_json()["message"]) <= 15
    assert 0 < int(refused.headers["Retry-After"]) <= WINDOW

    # Another user from another address: answered, again and again (successes do not count).
    holder = login(client, fake_wechat, "oMini_lookup_holder")
    for _ in range(PER_USER + 2):
        right = lookup(client, holder, number, code.lower(), ip="10.9.8.7")
        assert right.status_code == 200 and right.get_json()["number"] == number
    # The counters are HMACs: neither the address nor a user id is stored.
    with Session(clean_db) as session:
        keys = list(session.scalars(select(RateLimitCounter.key)))
        assert keys and not any("127.0.0.1" in k or "10.9.8.7" in k for k in keys)


def test_one_address_is_limited_across_users(client: ApiClient, fake_wechat: FakeWeChatServer) -> None:
    number, code = anonymous_api_report(client, fake_wechat)
    guesses = [c for c in WRONG_CODES if c != code]
    ip = "203.0.113.9"
    answers = []
    for i in range(PER_IP):  # each user stays under his own limit; the address does not
        token = login(client, fake_wechat, f"oMini_lookup_sybil_{i}")
        answers.append(lookup(client, token, number, guesses[0], ip=ip).status_code)
    assert answers == [404] * PER_IP
    fresh = login(client, fake_wechat, "oMini_lookup_sybil_next")
    assert lookup(client, fresh, number, code, ip=ip).status_code == 429
    assert lookup(client, fresh, number, code, ip="198.51.100.1").status_code == 200


def test_through_the_api_every_failure_is_the_same_404_at_the_same_cost(
    client: ApiClient, fake_wechat: FakeWeChatServer
) -> None:
    """A missing number, somebody else's named report and an anonymous one with a wrong code:
    the same answer, and the same work behind it. The keyed hash costs microseconds, so the cost
    is the database's: the same statements, in the same order, whichever number was asked."""
    anon_number, _code = anonymous_api_report(client, fake_wechat)
    named = login(client, fake_wechat, "oMini_lookup_named")
    made = post_report(client, named, form(), key="named-key-0001")
    assert made.status_code == 201
    named_number = made.get_json()["number"]

    statements: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(re.sub(r"\s+", " ", statement))

    engine = client.application.extensions["engine"]
    cases = {"missing": MISSING, "named": named_number, "anonymous": anon_number}
    shapes: dict[str, list[str]] = {}
    for n, (kind, number) in enumerate(cases.items()):
        token = login(client, fake_wechat, f"oMini_lookup_timer_{kind}")
        event.listen(engine, "before_cursor_execute", note)
        try:
            statements.clear()
            answer = lookup(client, token, number, WRONG_CODES[0], ip=f"192.0.2.{n + 1}")
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert answer.status_code == 404 and answer.get_json() == NOT_FOUND_API, (kind, answer.get_json())
        shapes[kind] = list(statements)
    assert shapes["missing"] == shapes["named"] == shapes["anonymous"], shapes


def test_a_lookup_over_the_limit_computes_no_hash(
    client: ApiClient, fake_wechat: FakeWeChatServer, clean_db: Engine
) -> None:
    """Refused guesses are cheap: the limit is checked before the code is."""
    number, _code = anonymous_api_report(client, fake_wechat)
    attacker = login(client, fake_wechat, "oMini_lookup_hasher")
    # Counted in statements, not time (the keyed hash costs microseconds): a checked guess
    # reads the hazard and its hash, a refused one never does.
    read_hazards: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if "FROM hazards" in statement:
            read_hazards.append(statement)

    engine = client.application.extensions["engine"]
    event.listen(engine, "before_cursor_execute", note)
    try:
        checked = []
        for guess in WRONG_CODES[:PER_USER]:
            read_hazards.clear()
            assert lookup(client, attacker, number, guess).status_code == 404
            checked.append(len(read_hazards))
        refused = []
        for guess in WRONG_CODES[:PER_USER]:
            read_hazards.clear()
            assert lookup(client, attacker, number, guess).status_code == 429
            refused.append(len(read_hazards))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert all(checked) and not any(refused), (checked, refused)
    with Session(clean_db) as session:
        counted = select(func.count()).select_from(RateLimitCounter).where(
            RateLimitCounter.key.startswith("query_"))
        assert session.scalar(counted) == 2  # the user's and the address's


@pytest.mark.parametrize("queries, message", [
    ({"window_seconds": 7200}, "at most api.rate_window_seconds"),  # retention would drop live counts
    ({"window_seconds": 0}, "at most api.rate_window_seconds"),
    ({"failures_per_user": 0}, "must be more than 0"),
])
def test_settings_that_would_undo_the_limit_are_refused_at_start_up(
    queries: dict[str, int], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        QueryLimits.from_config(load_config(environ={}, overrides={"queries": queries}))
