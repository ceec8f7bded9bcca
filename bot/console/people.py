"""The people page: the officers and managers of one's jurisdiction, binding codes, revoking
and moving people, and the audit of every such change (``people.management`` decides).

Revoking cannot be undone (the person needs a new code), so it goes through a confirmation
page of its own: a plain GET form, no script (the CSP allows none inline). A code is shown
once, in the answer to the POST that issued it, and never again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.console import bp
from bot.models import Region, User
from bot.services.messaging import outbox
from bot.services.people import management
from bot.services.people.bindings import BindingError
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.people.roles import ROLE_NAMES
from bot.services.platform.clock import utcnow
from bot.services.registry.enterprises import find_by_reference

log = logging.getLogger(__name__)


def _roles() -> tuple[str, ...]:
    """The roles the signed-in user manages; 403 for those who manage none (managers)."""
    roles = management.managed_roles(g.user)
    if not roles:
        abort(403)
    return roles


def _regions() -> list[Region]:
    """The divisions an officer may be invited to or moved to: within the jurisdiction."""
    query = select(Region).where(Region.level != "province").order_by(Region.code)
    if g.scope.region_codes is not None:
        query = query.where(Region.code.in_(jurisdiction_codes(g.db, g.scope.region_code)))
    return list(g.db.scalars(query))


def _page(status: int = 200, **extra: Any) -> tuple[str, int]:
    roles = _roles()
    return render_template(
        "console/people.html", active="people", people=management.people_of(g.db, g.user),
        audit=management.audit_rows(g.db, g.user), roles=[(r, ROLE_NAMES.get(r, r)) for r in roles],
        regions=_regions(), **extra,
    ), status


@bp.get("/people")
def people() -> tuple[str, int]:
    return _page()


@bp.post("/people/invite")
def people_invite() -> tuple[str, int]:
    """Issue a binding code; the page shows it once."""
    _roles()
    form = request.form
    role = form.get("role", "")[:32]
    enterprise_id = None
    if role == "enterprise_manager":
        enterprise = find_by_reference(g.db, form.get("enterprise", "")[:64])
        if enterprise is None:
            return _page(422, error="没有该编号或统一社会信用代码的企业。")
        enterprise_id = enterprise.id
    raw_days = form.get("days", "7")
    days = int(raw_days) if raw_days.isdigit() and len(raw_days) < 4 else 0
    try:
        code = management.invite(
            g.db, g.user, role=role, region_code=form.get("region", "")[:12] or None,
            enterprise_id=enterprise_id, name=form.get("name", "")[:64], days=days, now=utcnow())
    except BindingError as exc:
        g.db.rollback()
        log.info("console: user %s's invitation refused: %s", g.user.id, exc)
        return _page(422, error=str(exc))
    g.db.commit()
    log.info("console: user %s issued a binding code for %s", g.user.id, role)
    return _page(issued=code, issued_days=days)


def _person(user_id: int) -> User:
    """The person, if the signed-in user manages him; 404 otherwise (as for any record)."""
    _roles()
    if not any(p.id == user_id for p in management.people_of(g.db, g.user)):
        abort(404)
    person = g.db.get(User, user_id)
    assert person is not None
    return person


@bp.get("/people/<int:user_id>/revoke")
def people_revoke_confirm(user_id: int) -> str:
    """The confirmation step: who, what he loses, what happens to his open items."""
    person = _person(user_id)
    hazards, walks = management.open_items(g.db, person)
    return render_template("console/people_revoke.html", active="people", person=person,
                           role_name=ROLE_NAMES.get(person.role, person.role), hazards=hazards, walks=walks)


@bp.post("/people/<int:user_id>/revoke")
def people_revoke(user_id: int) -> Response | tuple[str, int]:
    _person(user_id)
    if request.form.get("confirm") != "1":
        return redirect(url_for("console.people_revoke_confirm", user_id=user_id))
    return _change(user_id, lambda: management.revoke(
        g.db, g.user, user_id, now=utcnow(), queue=outbox.queue_message),
        logged="revoked", done="已撤销该人员的身份")


@bp.post("/people/<int:user_id>/move")
def people_move(user_id: int) -> Response | tuple[str, int]:
    person = _person(user_id)
    enterprise_id = None
    if person.role == "enterprise_manager":
        enterprise = find_by_reference(g.db, request.form.get("enterprise", "")[:64])
        if enterprise is None:
            return _page(422, error="没有该编号或统一社会信用代码的企业。")
        enterprise_id = enterprise.id
    region_code = request.form.get("region", "")[:12] or None
    return _change(user_id, lambda: management.move(
        g.db, g.user, user_id, region_code=region_code, enterprise_id=enterprise_id, now=utcnow(),
        queue=outbox.queue_message), logged="moved", done="已调整该人员")


def _change(
    user_id: int, step: Callable[[], management.Handover], *, logged: str, done: str
) -> Response | tuple[str, int]:
    """Run a change to a person the user manages (checked by the caller): refused, nothing is
    written and the page says why (422); done, it is committed, logged, and the people list
    says what became of his open items."""
    try:
        handover = step()
    except BindingError as exc:
        g.db.rollback()
        return _page(422, error=str(exc))
    g.db.commit()
    log.info("console: user %s %s user %s", g.user.id, logged, user_id)
    flash(f"{done}；{handover.summary}。")
    return redirect(url_for("console.people"))
