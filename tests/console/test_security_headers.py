"""Every HTML page carries the Content-Security-Policy, X-Frame-Options and Referrer-Policy.

The pages are fetched as a browser (or a clickjacking site framing them) would: the console
signed in and signed out, its error pages, the refusal after WeChat authorization, the
public landing page of a QR code, Flask's own 404 and 500, and in dev mode the simulator.
Whether the pages still *work* under the policy is shown in Chromium
(tests/browser/test_csp.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.models import Enterprise, User
from bot.services.platform.clock import utcnow
from bot.services.registry import qrcodes
from tests.conftest import app_config
from tests.console.conftest import Console, hazard_numbers


def assert_protected(response: Any, what: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'", (what, csp)
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (what, csp)
    assert directives.get("object-src") == "object-src 'none'", (what, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (what, csp)
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), what


def html(response: Any, status: int, what: str) -> Any:
    assert response.status_code == status, (what, response.status_code)
    assert response.mimetype == "text/html", (what, response.mimetype)
    assert_protected(response, what)
    return response


def landing_token(db: sessionmaker[Session]) -> str:
    with db() as s:
        steel = s.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
        token = qrcodes.ensure_code(s, steel, utcnow()).token
        s.commit()
        return token


def test_every_console_and_public_page_sends_the_headers(
    console: Console, console_app: Flask, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    html(console.get("/console/login"), 200, "login page")
    refused = console.sign_in("o_never_bound_anywhere")
    html(refused, 403, "refused sign-in")
    html(console.get("/nowhere"), 404, "Flask's own 404")
    token = landing_token(db)
    html(console.get(f"/q/{token}"), 200, "QR landing page")
    html(console.get("/q/no-such-token"), 404, "unknown QR code")

    console.sign_in(demo["county-xiaodian"].openid)
    ledger = html(console.get("/console/hazards"), 200, "ledger")
    number = hazard_numbers(ledger.get_data(as_text=True))[0]
    for path in ("/console/", f"/console/hazards/{number}", "/console/enterprises",
                 "/console/inspections", "/console/reports"):
        html(console.get(path), 200, path)
    html(console.get("/console/hazards/YH209901010001"), 404, "console 404 page")
    html(console.post("/console/logout", csrf=False), 400, "console 400 page (no CSRF token)")
    redirect = console.post("/console/logout")
    assert redirect.status_code == 302
    assert_protected(redirect, "redirect")


def test_a_server_error_page_sends_the_headers(console_app: Flask) -> None:
    """Even a 500 (a view that fails) leaves with the headers: the hook runs for it too."""
    def broken() -> str:
        raise RuntimeError("a bug")

    console_app.add_url_rule("/broken-for-test", view_func=broken)
    response = console_app.test_client().get("/broken-for-test")
    html(response, 500, "500 page")


def test_json_and_files_send_them_too(console: Console) -> None:
    """Not only HTML: a JSON answer or a stylesheet opened as a page cannot be framed either."""
    assert_protected(console.get("/healthz"), "health probe")
    with console.get("/static/console/console.css") as stylesheet:
        assert_protected(stylesheet, "stylesheet")


@pytest.fixture
def dev_app(clean_db: Any, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(database_url, tmp_path / "instance", app={"dev_mode": True}))
    yield app
    app.extensions["worker"].stop()
    app.extensions["engine"].dispose()


def test_dev_pages_send_the_headers_and_uploads_keep_their_stricter_policy(dev_app: Flask) -> None:
    client = dev_app.test_client()
    html(client.get("/dev/simulator"), 200, "simulator")
    html(client.get("/console/login"), 200, "dev login page")
    markup = (io.BytesIO(b"<script>1</script>"), "x.html")
    upload = client.post("/dev/simulator/upload", data={"picture": markup},
                         content_type="multipart/form-data")
    assert upload.status_code == 201
    served = client.get(upload.get_json()["pic_url"].split("localhost", 1)[-1])
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served.headers["X-Frame-Options"] == "DENY"
