"""Login, the person behind the token, role binding and subscribe-message consent."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from bot.api import bp, serialize
from bot.api.auth import current_user, issue_token, max_age
from bot.api.common import config, db_session, json_object, now, string_field
from bot.api.errors import ApiError
from bot.services.messaging import subscriptions
from bot.services.messaging.subscribe_messages import SubscribeSettings
from bot.services.people import api_accounts, bindings
from bot.wechat.miniprogram import LoginRefused, LoginUnavailable, MiniProgramLogin


@bp.post("/session")
def create_session() -> tuple[dict[str, Any], int]:
    """``wx.login()`` code → our token. The code goes to WeChat (jscode2session) once."""
    code = string_field(json_object(), "code", max_chars=128, label="登录凭证 code")
    assert code is not None
    login: MiniProgramLogin = current_app.extensions["api_login"]
    try:
        identity = login.code_to_session(code)
    except LoginRefused:
        raise ApiError(401, "login_refused", "登录凭证无效或已使用，请重新登录。") from None
    except LoginUnavailable as exc:
        current_app.logger.warning("mini-program login unavailable: %s", exc)
        raise ApiError(503, "login_unavailable", "暂时无法登录，请稍后再试。") from None
    for attempt in range(2):
        with db_session() as session:
            try:
                user = api_accounts.login(session, openid=identity.openid, unionid=identity.unionid,
                                          now=now())
                session.commit()
            except IntegrityError:  # a concurrent first login of the same person
                session.rollback()
                if attempt:
                    raise
                continue
            body = {"token": issue_token(user), "expires_in": max_age(), "user": serialize.me(user)}
            return body, 201
    raise AssertionError("unreachable")


@bp.get("/me")
def get_me() -> dict[str, Any]:
    with db_session() as session:
        return serialize.me(current_user(session))


@bp.post("/me/binding")
def bind_role() -> dict[str, Any]:
    """A one-time binding code from an admin (``flask users invite``), as ``绑定 <code>`` in chat."""
    with db_session() as session:
        user = current_user(session)
        code = string_field(json_object(), "code", max_chars=64, label="绑定码")
        assert code is not None
        try:
            bound = bindings.bind(session, user, code, now=now())
        except bindings.BindingError as exc:
            raise ApiError(422, "binding_refused", str(exc), field="code") from None
        session.commit()
        return {"user": serialize.me(user), "scope": bound.scope}


@bp.get("/subscriptions")
def list_subscriptions() -> dict[str, Any]:
    """The consents recorded, and which templates to ask this person to allow: the front end
    passes ``templates[].template_id`` to ``wx.requestSubscribeMessage`` instead of hard-coding
    ids that differ per deployment and per role."""
    settings: SubscribeSettings = current_app.extensions["subscribe_settings"]
    with db_session() as session:
        user = current_user(session)
        return {
            "items": [serialize.consent(c) for c in subscriptions.consents_of(session, user)],
            "templates": [{"purpose": group, "template_id": template_id}
                          for group, template_id in settings.to_request(bindings.chat_role(user))],
        }


@bp.post("/subscriptions")
def record_subscriptions() -> dict[str, Any]:
    """The result object of ``wx.requestSubscribeMessage`` (template id → accept/reject/…)."""
    with db_session() as session:
        user = current_user(session)
        data = json_object()
        results = data.get("results")
        if not isinstance(results, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in results.items()
        ):
            raise ApiError(400, "invalid_field", "results 须为“模板 ID → 订阅结果”的对象。", field="results")
        allowed = {t.strip() for t in config("api")["subscribe_template_ids"].split(",") if t.strip()}
        try:
            rows = subscriptions.record(session, user, results, allowed=allowed, now=now())
        except subscriptions.ConsentError as exc:
            raise ApiError(422, "consent_refused", str(exc), field="results") from None
        session.commit()
        return {"items": [serialize.consent(c) for c in rows]}
