"""API tokens: a short-lived signed token naming the user, sent as ``Authorization: Bearer``.

itsdangerous (shipped with Flask) signs ``{"u": user id}`` with the app secret and a salt of
its own, with a timestamp: a token older than ``api.token_max_age_seconds`` is refused and
the mini-program logs in again (``wx.login`` is silent). No server-side session table.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from bot.api.errors import ApiError
from bot.models import User

_SALT = "hazardbot.api.token.v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def max_age() -> int:
    return int(current_app.config["HAZARDBOT"]["api"]["token_max_age_seconds"])


def issue_token(user: User) -> str:
    return _serializer().dumps({"u": user.id})


def token_user_id() -> int:
    """The user id of the request's token; 401 ``unauthorized`` / ``token_expired`` otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "请先登录。", headers={"WWW-Authenticate": "Bearer"})
    try:
        data = _serializer().loads(token.strip(), max_age=max_age())
    except SignatureExpired:
        raise ApiError(401, "token_expired", "登录已过期，请重新登录。",
                       headers={"WWW-Authenticate": "Bearer"}) from None
    except BadSignature:
        raise ApiError(401, "unauthorized", "登录信息无效，请重新登录。",
                       headers={"WWW-Authenticate": "Bearer"}) from None
    user_id = data.get("u") if isinstance(data, dict) else None
    # Strictly an int above 0: JSON's true is an int to Python (it would read as user 1), and
    # 1.0 or "1" are not what issue_token writes. A payload with anything else is refused.
    if type(user_id) is not int or user_id <= 0 or set(data) != {"u"}:
        raise ApiError(401, "unauthorized", "登录信息无效，请重新登录。",
                       headers={"WWW-Authenticate": "Bearer"})
    return user_id


def current_user(session: Session) -> User:
    user = session.get(User, token_user_id())
    if user is None:
        raise ApiError(401, "unauthorized", "登录信息无效，请重新登录。")
    return user
