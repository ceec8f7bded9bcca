"""Signing in to the console, sessions that expire, and the CSRF check on every POST.

Live mode signs in through WeChat web authorization (``oauth.py``) inside WeChat's browser,
and at a desk browser by scanning a temporary QR code with WeChat (``login_scan.py``): either
way a person already bound in chat (``绑定 <code>``) is recognised by his openid. Dev mode has
no WeChat account (the scan is played by the simulator), so
the login page lists the console users in the database to choose from (``make run`` loads
demo ones). Either way the session holds only the user id and two expiry times: a sliding
one, renewed on every request (``console.session_minutes`` of inactivity end the session, so
an officer working through the ledger is not logged out mid-task), and an absolute bound set
at sign-in (``console.session_max_hours``) that no activity extends. The role and scope are
read from the database on every request, so a changed role or a deleted account takes effect
at once.

A signed cookie cannot be taken back, so it also carries the user's
``console_session_version`` from sign-in, compared with the database on every request.
Logging out, or binding a new role or scope (``bot/services/people/bindings.py``), adds one
to it: every cookie of that person issued before, copied or still open in another browser,
is refused from then on and its holder sees the login page with the reason.

CSRF: a random token per session, sent back in every POST form (or the ``X-CSRF-Token``
header) and compared with ``hmac.compare_digest``. The session cookie is also SameSite=Lax.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from wechatpy.exceptions import WeChatOAuthException
from werkzeug.wrappers import Response

from bot.console import bp
from bot.console.oauth import ConsoleOAuth
from bot.db import session_factory
from bot.models import Enterprise, Region, User
from bot.services.people.bindings import end_console_sessions
from bot.services.people.console_scope import CONSOLE_ROLES, ROLE_NAMES, scope_for

log = logging.getLogger(__name__)

UID, EXPIRES, CSRF = "console_uid", "console_expires", "csrf_token"
VERSION = "console_version"  # the user's console_session_version when this session began
MAX_EXPIRES = "console_max_expires"  # the absolute bound; EXPIRES slides up to it
OAUTH_STATE, OAUTH_NEXT = "console_oauth_state", "console_oauth_next"
PUBLIC_ENDPOINTS = {"console.login", "console.dev_login", "console.wechat_login", "console.oauth_callback",
                    "console.login_qr", "console.login_status"}  # the last two: login_scan.py


def _cfg() -> dict[str, Any]:
    return current_app.config["HAZARDBOT"]  # type: ignore[no-any-return]


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get(CSRF)
    if not token:
        token = session[CSRF] = secrets.token_urlsafe(32)
    return str(token)


def _csrf_ok() -> bool:
    expected = session.get(CSRF)
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(expected) and hmac.compare_digest(str(expected).encode(), sent.encode())


def _sign_in(user: User) -> None:
    session.clear()
    now = int(time.time())
    session[UID] = user.id
    session[VERSION] = user.console_session_version
    session[MAX_EXPIRES] = now + 3600 * int(_cfg()["console"]["session_max_hours"])
    _renew(now)
    csrf_token()  # a fresh token for the new session
    log.info("console sign-in: user %s (%s)", user.id, user.role)


def _renew(now: int) -> None:
    """Push the inactivity expiry ``session_minutes`` ahead, never past the absolute bound."""
    idle = 60 * int(_cfg()["console"]["session_minutes"])
    session[EXPIRES] = min(now + idle, int(session[MAX_EXPIRES]))


def _expired(expires: Any, bound: Any, now: int) -> str | None:
    """Why the session has ended (the message to show), or None while it is valid."""
    if not isinstance(expires, int) or not isinstance(bound, int):
        return "登录已过期，请重新登录。"
    if bound < now:
        hours = int(_cfg()["console"]["session_max_hours"])
        return f"登录已过期（连续登录超过 {hours} 小时），请重新登录。"
    if expires < now:
        minutes = int(_cfg()["console"]["session_minutes"])
        return f"登录已过期（超过 {minutes} 分钟未操作），请重新登录。"
    return None


SESSION_ENDED = "登录已失效（已退出登录，或您的角色、辖区已变更），请重新登录。"


def _current(version: Any, user: User) -> bool:
    """Whether the cookie was issued under the user's present session version.

    A cookie without one (issued before versions existed) is not current: nothing could
    end it otherwise.
    """
    return type(version) is int and version == user.console_session_version


@bp.before_request
def load_user() -> Response | None:
    """Open the request's session, refuse POSTs without the CSRF token, require a sign-in."""
    g.db = session_factory()()
    if request.method == "POST" and not _csrf_ok():
        log.warning("console: POST %s without a valid CSRF token", request.path)
        abort(400, description="页面已过期或来源不明，请刷新页面后重试。")
    g.user = g.scope = None
    uid, expires = session.get(UID), session.get(EXPIRES)
    if uid is not None:
        now = int(time.time())
        # A session from before sliding expiry has no bound: its old expiry is the bound.
        bound = session.setdefault(MAX_EXPIRES, expires)
        ended = _expired(expires, bound, now)
        user = g.db.get(User, uid) if not ended and isinstance(uid, int) else None
        if not ended and user is not None and not _current(session.get(VERSION), user):
            log.info("console: refused a session of user %s ended by logout or a new role", user.id)
            ended, user = SESSION_ENDED, None
        scope = scope_for(g.db, user)
        if ended or scope is None:
            for key in (UID, EXPIRES, MAX_EXPIRES, VERSION):
                session.pop(key, None)
            if ended:
                flash(ended)
        else:
            g.user, g.scope = user, scope
            _renew(now)
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        abort(401)
    return None


@bp.teardown_request
def close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.dashboard")


@bp.get("/login")
def login() -> str | Response:
    if g.user is not None:
        return redirect(url_for("console.dashboard"))
    dev = _cfg()["app"]["dev_mode"]
    if not dev and "MicroMessenger" in request.user_agent.string:
        # Inside WeChat's browser the authorization needs no click: go straight there.
        return redirect(url_for("console.wechat_login", next=request.args.get("next")))
    users: list[dict[str, Any]] = []
    if dev:
        query = (select(User, Region.name, Enterprise.name)
                 .outerjoin(Region, Region.code == User.region_code)
                 .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
                 .where(User.role.in_(CONSOLE_ROLES)).order_by(User.role, User.region_code, User.id)
                 .limit(200))
        for user, region, enterprise in g.db.execute(query):
            users.append({"id": user.id, "name": user.name or f"用户{user.id}",
                          "role": ROLE_NAMES.get(user.role, user.role),
                          "place": region or enterprise or "全省"})
    return render_template("console/login.html", dev=dev, users=users,
                           next=_safe_next(request.args.get("next")))


@bp.post("/login/dev")
def dev_login() -> Response:
    """Dev mode only: sign in as the chosen user (there is no WeChat account to ask)."""
    if not _cfg()["app"]["dev_mode"]:
        abort(404)
    raw = request.form.get("user_id", "")
    user = g.db.get(User, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if scope_for(g.db, user) is None:
        flash("该用户不能使用监管后台。")
        return redirect(url_for("console.login"))
    assert user is not None
    _sign_in(user)
    return redirect(_safe_next(request.form.get("next")))


def _oauth(state: str = "") -> ConsoleOAuth:
    cfg = _cfg()
    redirect_uri = cfg["app"]["public_base_url"].rstrip("/") + url_for("console.oauth_callback")
    return ConsoleOAuth(
        cfg["wechat"]["appid"], cfg["wechat"]["secret"], redirect_uri, state=state,
        oauth_base_url=cfg["console"]["oauth_base_url"], api_base_url=cfg["console"]["oauth_api_base_url"],
        timeout=float(cfg["wechat"]["timeout"]),
    )


@bp.get("/login/wechat")
def wechat_login() -> Response:
    """Live mode: send the browser to WeChat's authorization page."""
    if _cfg()["app"]["dev_mode"]:
        abort(404)
    state = secrets.token_urlsafe(16)
    session[OAUTH_STATE] = state
    session[OAUTH_NEXT] = _safe_next(request.args.get("next"))
    return redirect(_oauth(state).authorize_url)


@bp.get("/oauth/callback")
def oauth_callback() -> str | Response | tuple[str, int]:
    """WeChat's redirect back: check ``state``, exchange ``code`` for the openid, sign in."""
    if _cfg()["app"]["dev_mode"]:
        abort(404)
    expected = session.pop(OAUTH_STATE, None)
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not expected or not hmac.compare_digest(str(expected).encode(), state.encode()) or not code:
        flash("微信授权已失效，请重新登录。")
        return redirect(url_for("console.login"))
    try:
        openid = _oauth().fetch_access_token(code[:128])["openid"]
    except (WeChatOAuthException, OSError, KeyError, ValueError) as exc:
        log.warning("console: WeChat OAuth failed: %s", exc)
        flash("微信授权失败，请稍后重试。")
        return redirect(url_for("console.login"))
    user = g.db.scalars(select(User).where(User.openid == openid)).one_or_none()
    if scope_for(g.db, user) is None:
        log.info("console: refused sign-in of an unbound or non-officer openid")
        return render_template("console/refused.html"), 403
    assert user is not None
    target = _safe_next(session.get(OAUTH_NEXT))
    _sign_in(user)
    return redirect(target)


@bp.post("/logout")
def logout() -> Response:
    """End this session and every other console session of the same user, on every browser."""
    if g.user is not None:
        uid = g.user.id
        end_console_sessions(g.user)
        g.db.commit()
        log.info("console sign-out: user %s, all their sessions ended", uid)
    session.clear()
    flash("已退出登录。")
    return redirect(url_for("console.login"))
