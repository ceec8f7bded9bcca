"""Console sessions slide: each request renews the inactivity expiry, so an officer working
through the ledger stays signed in, up to an absolute bound from sign-in.

Time passing is simulated by moving the session's timestamps back (the cookie is all the
server keeps), exactly as a browser would present them after that long.
"""

from __future__ import annotations

import time

from bot.console.auth import EXPIRES, MAX_EXPIRES
from bot.models import User
from tests.console.conftest import Console

MINUTE, HOUR = 60, 3600
IDLE = 480 * MINUTE  # console.session_minutes default


def signed_in(console: Console, demo: dict[str, User]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.get("/console/hazards").status_code == 200


def let_pass(console: Console, seconds: int) -> None:
    """``seconds`` go by without a request: both expiry times come that much closer."""
    with console.client.session_transaction() as session:
        session[EXPIRES] -= seconds
        session[MAX_EXPIRES] -= seconds


def times(console: Console) -> tuple[int, int]:
    """(inactivity expiry, absolute bound) as seconds from now."""
    with console.client.session_transaction() as session:
        now = int(time.time())
        return session[EXPIRES] - now, session[MAX_EXPIRES] - now


def test_a_sign_in_lasts_session_minutes_of_inactivity_and_at_most_12_hours(
    console: Console, demo: dict[str, User]
) -> None:
    signed_in(console, demo)
    expires, bound = times(console)
    assert abs(expires - IDLE) <= 5 and abs(bound - 12 * HOUR) <= 5


def test_each_request_renews_the_session(console: Console, demo: dict[str, User]) -> None:
    signed_in(console, demo)
    for _ in range(2):  # 2 × 5 h: past the 8 h of session_minutes, each pause shorter than it
        let_pass(console, 5 * HOUR)
        assert console.get("/console/hazards").status_code == 200
        assert "/console/login" not in console.get("/console/").get_data(as_text=True)
    # 10 h in: renewed, but only up to the bound 2 h ahead.
    expires, bound = times(console)
    assert abs(bound - 2 * HOUR) <= 5 and expires == bound

    let_pass(console, 2 * HOUR + MINUTE)  # 12 h after sign-in, however busy
    response = console.get("/console/hazards")
    assert response.status_code == 302 and "/console/login" in response.location
    page = console.get(response.location).get_data(as_text=True)
    assert "登录已过期（连续登录超过 12 小时），请重新登录。" in page
    assert console.get("/console/hazards").status_code == 302


def test_an_idle_session_ends(console: Console, demo: dict[str, User]) -> None:
    signed_in(console, demo)
    let_pass(console, 3 * HOUR)
    assert console.get("/console/hazards").status_code == 200
    let_pass(console, IDLE + MINUTE)  # 8 h 1 min without a request, 11 h 1 min after sign-in
    response = console.get("/console/hazards")
    assert response.status_code == 302 and "/console/login" in response.location
    page = console.get(response.location).get_data(as_text=True)
    assert "登录已过期（超过 480 分钟未操作），请重新登录。" in page


def test_a_session_signed_in_before_sliding_expiry_keeps_its_old_end(
    console: Console, demo: dict[str, User]
) -> None:
    """A cookie with no bound (issued by the previous release) is not extended past its end."""
    signed_in(console, demo)
    with console.client.session_transaction() as session:
        del session[MAX_EXPIRES]
        session[EXPIRES] = int(time.time()) + 10 * MINUTE
    assert console.get("/console/hazards").status_code == 200
    expires, bound = times(console)
    assert abs(bound - 10 * MINUTE) <= 5 and expires == bound
    let_pass(console, 11 * MINUTE)
    assert console.get("/console/hazards").status_code == 302
