"""Officers' arrivals at an enterprise, recorded when they scan its code.

The inspection issue turns an arrival into a checklist walk; until then the visit itself is
the record (who, where, when) that the campaigns' statistics count as 检查企业.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import EnterpriseVisit, User


def record_visit(
    session: Session, *, officer: User, enterprise_id: int, qr_code_id: int | None, now: datetime
) -> EnterpriseVisit:
    visit = EnterpriseVisit(
        enterprise_id=enterprise_id, officer_id=officer.id, qr_code_id=qr_code_id, at=now
    )
    session.add(visit)
    return visit
