"""The login page's scan-to-sign-in: its temporary QR code and the poll that signs in.

A desk browser cannot use WeChat web authorization (it works inside WeChat's browser only),
so the login page shows a temporary code of the Official Account; the rules are in
``bot/services/people/console_login.py``. The page's script (``static/console/login.js``,
no inline script under the CSP) asks for a code with a POST (CSRF-checked, so a page of
another site cannot make codes for its own visitors), then polls ``status`` until the scan
is confirmed, refused or expired. The secret of the code is kept in this browser's signed
session only: the poll of any other browser knows nothing of it.

A page load makes no code and no WeChat call; a reload reuses the session's waiting code.
"""

from __future__ import annotations

import base64
import io
import logging
from typing import Any, cast
from urllib.parse import urlsplit

from flask import current_app, g, jsonify, request, session, url_for
from werkzeug.wrappers import Response

from bot.console import bp
from bot.console.auth import _safe_next as safe_next
from bot.console.auth import _sign_in as sign_in
from bot.services.people import console_login
from bot.services.platform.clock import utcnow
from bot.services.platform.ports import LoginCodeIssuer, QRCodeIssueError

log = logging.getLogger(__name__)

SECRET, NEXT = "console_login_secret", "console_login_next"
POLL_MS = 2000

PAGE_TEXTS = {
    console_login.PENDING: "请使用已绑定身份的微信扫描二维码，"
                           "在手机上看到“已登录监管后台”后，本页将自动进入。",
    console_login.REFUSED: "扫码的微信不是监管后台用户，未能登录。请使用已绑定身份的微信扫码，"
                           "或点击“刷新二维码”重试。",
    console_login.EXPIRED: "二维码已过期，请点击“刷新二维码”后重新扫码。",
    console_login.USED: "该二维码已使用过，请点击“刷新二维码”后重新扫码。",
    console_login.UNKNOWN: "请点击“刷新二维码”获取登录二维码。",
    console_login.SIGNED_IN: "已登录，正在进入监管后台…",
}
TOO_MANY = "当前等待扫码登录的人数较多，请稍后刷新重试。"
ISSUE_FAILED = "暂时无法生成登录二维码（微信服务异常），请稍后刷新重试，或在微信中打开监管后台。"


def _image(url: str) -> str:
    """The QR image as a ``data:`` URI (the CSP allows ``img-src data:``); never cached."""
    import qrcode  # only when a desk browser asks to sign in: not in every worker's start

    buf = io.BytesIO()
    qrcode.make(url, box_size=6, border=2).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _answer(status: str, http: int = 200, **extra: Any) -> tuple[Response, int]:
    return jsonify({"status": status, "message": PAGE_TEXTS.get(status, ""), **extra}), http


@bp.post("/login/qr")
def login_qr() -> tuple[Response, int]:
    """A login code for this browser: the waiting one, or a new one (``refresh``)."""
    if g.user is not None:
        return _answer(console_login.SIGNED_IN, next=url_for("console.dashboard"))
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    now = utcnow()
    secret = session.get(SECRET)
    if isinstance(secret, str) and not body.get("refresh"):
        state = console_login.state_of(g.db, secret, now)
        if state.status == console_login.PENDING and state.ticket is not None:
            left = int((state.ticket.expires_at - now).total_seconds())
            return _answer(console_login.PENDING, image=_image(state.ticket.qr_url), expires_in=left,
                           link=_dev_link(state.ticket.qr_url), poll_ms=POLL_MS)
    issuer = cast(LoginCodeIssuer, current_app.extensions["qr_issuer"])
    try:
        code = console_login.begin(g.db, issuer, browser=request.user_agent.string[:500], now=now)
    except console_login.TooManyPending:
        return jsonify({"status": "error", "message": TOO_MANY}), 503
    except QRCodeIssueError as exc:
        log.warning("console login: no code from WeChat: %s", exc)
        return jsonify({"status": "error", "message": ISSUE_FAILED}), 502
    session[SECRET] = code.secret
    session[NEXT] = safe_next(str(body.get("next") or ""))
    return _answer(console_login.PENDING, image=_image(code.url), expires_in=console_login.TICKET_SECONDS,
                   link=_dev_link(code.link), poll_ms=POLL_MS)


def _dev_link(url: str | None) -> str | None:
    """In dev mode the code's URL is the simulator's page that plays the scan: offer it, as a
    path on this same app (``public_base_url`` may name another host than the one browsing)."""
    if not url or not current_app.config["HAZARDBOT"]["app"]["dev_mode"]:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.path.startswith("/dev/") else None


@bp.get("/login/status")
def login_status() -> tuple[Response, int]:
    """Where this browser's code stands; once a console user has scanned it, sign in."""
    if g.user is not None:
        return _answer(console_login.SIGNED_IN, next=url_for("console.dashboard"))
    secret = session.get(SECRET)
    if not isinstance(secret, str):
        return _answer(console_login.UNKNOWN)
    now = utcnow()
    state = console_login.state_of(g.db, secret, now)
    if state.status != console_login.CONFIRMED:
        return _answer(state.status)
    user = console_login.use(g.db, secret, now)
    g.db.commit()
    if user is None:
        return _answer(console_login.REFUSED)
    target = safe_next(session.get(NEXT))
    sign_in(user)  # clears the session: the secret goes with it
    log.info("console sign-in by scanning: user %s", user.id)
    return _answer(console_login.SIGNED_IN, next=target)
