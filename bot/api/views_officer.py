"""Officers in the mini-program: their pending list and the lifecycle steps, exactly as in chat.

Every step goes through ``bot/services/hazards/lifecycle.py`` with the same jurisdiction rules; its
refusals (wrong state, outside the jurisdiction, unknown number: one message for the last
two, so numbers cannot be probed) come back as 409 ``action_refused`` with its Chinese text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from bot.api import bp, serialize
from bot.api.auth import current_user
from bot.api.common import db_session, json_object, limit_arg, now, string_field
from bot.api.errors import ApiError
from bot.models import Hazard, User
from bot.services.hazards import lifecycle
from bot.services.hazards.lifecycle import WorkflowError
from bot.services.people import roles

ACTIONS = ("acknowledge", "reject", "classify", "deadline", "supervise", "verify", "send_back", "merge")


def _officer(session: Session) -> User:
    user = current_user(session)
    if not roles.is_officer(user) or not user.region_code:
        raise ApiError(403, "officers_only", "此功能仅限已绑定的监管人员使用。")
    return user


@bp.get("/officer/pending")
def officer_pending() -> dict[str, Any]:
    """待办: reports awaiting 受理 and rectifications awaiting 验收 in the jurisdiction."""
    limit = limit_arg()
    with db_session() as session:
        user = _officer(session)
        return {"items": [serialize.officer_item(session, h, user)
                          for h in lifecycle.pending_for(session, user, limit=limit)]}


@bp.post("/officer/reports/<number>/actions")
def officer_action(number: str) -> dict[str, Any]:
    """One step: ``{"action": "acknowledge"}``, ``{"action": "classify", "level": "major", …}``."""
    data = json_object()
    action = data.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise ApiError(400, "invalid_field", f"action 须为 {'、'.join(ACTIONS)} 之一。", field="action")
    if len(number) > 30:
        raise ApiError(404, "report_not_found", "没有找到该隐患，或您无权处理。")
    with db_session() as session:
        user = _officer(session)
        step = _step(action, data, current_app.extensions["workflow_settings"])
        try:
            hazard = step(session, number, user)
        except WorkflowError as exc:
            raise ApiError(409, "action_refused", str(exc)) from None
        session.commit()
        current_app.extensions["job_runner"].wake()
        return serialize.outcome(hazard)


def _step(action: str, data: dict[str, Any], settings: Any) -> Callable[[Session, str, User], Hazard]:
    """The lifecycle call for ``action``, its arguments read (and checked) from the body."""
    at = now()
    if action == "acknowledge":
        return lambda s, n, u: lifecycle.acknowledge(s, n, actor=u, now=at)
    if action == "supervise":
        return lambda s, n, u: lifecycle.supervise(s, n, actor=u, now=at)
    if action == "verify":
        return lambda s, n, u: lifecycle.verify(s, n, actor=u, now=at, settings=settings)
    if action in ("reject", "send_back"):
        reason = string_field(data, "reason", label="理由")
        fn = lifecycle.reject if action == "reject" else lifecycle.send_back
        return lambda s, n, u: fn(s, n, actor=u, reason=reason or "", now=at)
    if action == "classify":
        level = data.get("level")
        if level not in ("general", "major"):
            raise ApiError(400, "invalid_field", "level 须为 general（一般）或 major（重大）。",
                           field="level")
        basis = string_field(data, "basis", required=False, label="判定依据")
        return lambda s, n, u: lifecycle.classify(s, n, actor=u, level=level, basis=basis, now=at)
    if action == "deadline":
        raw = string_field(data, "deadline", max_chars=10, label="整改期限")
        try:
            deadline = date.fromisoformat(raw or "")
        except ValueError:
            raise ApiError(400, "invalid_field", "整改期限须为日期，如 2026-12-31。",
                           field="deadline") from None
        return lambda s, n, u: lifecycle.set_deadline(s, n, actor=u, deadline=deadline, now=at,
                                                      settings=settings)
    into = string_field(data, "into", max_chars=30, label="合并到的编号")
    return lambda s, n, u: lifecycle.merge(s, n, into=into or "", actor=u, now=at)
