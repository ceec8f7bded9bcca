"""How our records look in the API (the OpenAPI schemas in bot/api/openapi.py say the same).

Nothing here names a reporter: what a report's author sees of his report, and what an
officer sees in his list, are the fields the chat shows them. A hazard's free text goes to an
officer as typed and to anyone else (today nobody else reaches ``officer_item``: the view is
for officers only) through ``anonymity.scrub_for_enterprise``, as in chat and the console.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.models import Hazard, SubscribeConsent, User
from bot.services.hazards import workflow_texts as T
from bot.services.people import anonymity, bindings, roles
from bot.services.platform.clock import local
from bot.services.registry import enterprises
from bot.services.reporting import progress


def iso(dt: Any) -> str | None:
    return local(dt).isoformat() if dt is not None else None


def me(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "role": user.role,
        "role_label": roles.role_name(user.role),
        "kind": bindings.chat_role(user),
        "name": user.name,
        "region_code": user.region_code,
        "enterprise_id": user.enterprise_id,
    }


def report_status(session: Session, hazard: Hazard) -> dict[str, Any]:
    """What the reporter (or the holder of the query code) may follow: the chat's 查询 summary
    (``progress.summarize``), units by name and never an officer."""
    p = progress.summarize(session, hazard)
    return {
        "number": p.number,
        "state": p.state,
        "state_label": p.state_label,
        "enterprise_name": p.enterprise,
        "reported_at": iso(p.reported_at),
        "anonymous": p.anonymous,
        "level": p.level,
        "level_label": p.level_label,
        "deadline": p.deadline.isoformat() if p.deadline else None,
        "supervising_unit": p.supervising_unit,
        "unit": p.unit,
        "closed_at": iso(p.closed_at),
        "merged_into": p.merged_into,
        "reject_reason": p.reason,
    }


def officer_item(session: Session, hazard: Hazard, viewer: User) -> dict[str, Any]:
    """A hazard in a list; its description as typed only for an officer."""
    description = hazard.description
    if not roles.is_officer(viewer):
        description = anonymity.scrub_for_enterprise(session, hazard, description)
    return {
        "number": hazard.number,
        "state": hazard.state,
        "state_label": T.STATE_NAMES.get(hazard.state, hazard.state),
        "enterprise_name": hazard.enterprise_name,
        "region_code": hazard.region_code,
        "region_name": enterprises.region_name(session, hazard.region_code),
        "source": hazard.source,
        "level": hazard.level,
        "possibly_major": bool(hazard.possibly_major),
        "description": description,
        "reported_at": iso(hazard.reported_at),
        "ack_due_at": iso(hazard.ack_due_at),
        "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
        "photo_count": sum(1 for a in hazard.attachments if a.status == "stored" and a.kind == "photo"),
    }


def outcome(hazard: Hazard) -> dict[str, Any]:
    return {
        "number": hazard.number,
        "state": hazard.state,
        "state_label": T.STATE_NAMES.get(hazard.state, hazard.state),
        "level": hazard.level,
        "level_label": T.LEVEL_NAMES.get(hazard.level or "") or None,
        "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
        "supervising_unit": hazard.supervising_unit,
    }


def consent(row: SubscribeConsent) -> dict[str, Any]:
    return {"template_id": row.template_id, "remaining": row.remaining, "last_answer": row.last_answer}
