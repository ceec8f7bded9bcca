"""The console's view of inspections: a page of them under the user's scope, each with its
inspectors, progress and findings, counted in a few grouped queries rather than one walk per
row (``inspections.progress`` is the same count for one inspection).

Like the hazard ledger (``hazard_search``), the list is always filtered by the scope's
``inspection_clause``, so a row the person could not open by its URL is never listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.models import (
    Enterprise,
    Hazard,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    InspectionResult,
    Region,
    User,
)
from bot.services.inspections.walks import STAGE_NAMES
from bot.services.people.console_scope import Scope

STATE_NAMES = {"open": "进行中", "finished": "已结束"}


@dataclass(frozen=True)
class InspectionRow:
    id: int
    enterprise_id: int
    enterprise_name: str
    region_name: str
    stage: str
    state: str
    unit: str
    started_at: datetime
    finished_at: datetime | None
    total: int  # checklist items walked
    answered: int = 0
    findings: int = 0
    major: int = 0
    inspectors: list[str] = field(default_factory=list)

    @property
    def stage_name(self) -> str:
        return STAGE_NAMES.get(self.stage, self.stage)

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


@dataclass(frozen=True)
class InspectionPage:
    rows: list[InspectionRow]
    total: int
    page: int
    pages: int


@dataclass
class InspectionFilters:
    """What the query string asked for; a bad value is dropped with a Chinese message."""

    stage: str = ""
    state: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> InspectionFilters:
        f = cls()
        stage = (args.get("stage") or "").strip()
        if stage and stage not in STAGE_NAMES:
            f.errors.append("检查环节无效")
        else:
            f.stage = stage
        state = (args.get("state") or "").strip()
        if state and state not in STATE_NAMES:
            f.errors.append("检查状态无效")
        else:
            f.state = state
        page = (args.get("page") or "1").strip()
        f.page = int(page) if page.isdigit() and 0 < len(page) < 7 and int(page) > 0 else 1
        return f

    def as_args(self, **override: Any) -> dict[str, Any]:
        values = {"stage": self.stage, "state": self.state, "page": self.page, **override}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


def _base(columns: list[Any], conds: list[Any]) -> Any:
    return (select(*columns).select_from(Inspection)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .join(Region, Region.code == Enterprise.region_code)
            .where(*conds))


def search(session: Session, scope: Scope, f: InspectionFilters, *, page_size: int) -> InspectionPage:
    """One page of the inspections this user may see, the newest first."""
    conds: list[Any] = [scope.inspection_clause()]
    if f.stage:
        conds.append(Inspection.stage == f.stage)
    if f.state:
        conds.append(Inspection.state == f.state)
    total = session.scalar(_base([func.count()], conds)) or 0
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    found = session.execute(
        _base([Inspection, Enterprise.name, Region.name], conds)
        .order_by(Inspection.started_at.desc(), Inspection.id.desc())
        .limit(page_size).offset((page - 1) * page_size)
    ).all()
    return InspectionPage(rows_for(session, [(i, e, r) for i, e, r in found]), total, page, pages)


def rows_for(session: Session, found: list[tuple[Inspection, str, str]]) -> list[InspectionRow]:
    """The rows of these inspections (with enterprise and region names), counted in bulk."""
    ids = [i.id for i, _, _ in found]
    if not ids:
        return []
    answered: dict[int, int] = {row[0]: row[1] for row in session.execute(
        select(InspectionResult.inspection_id, func.count())
        .where(InspectionResult.inspection_id.in_(ids)).group_by(InspectionResult.inspection_id)
    )}
    findings = {row[0]: (row[1], row[2] or 0) for row in session.execute(
        select(InspectionFinding.inspection_id, func.count(),
               func.sum(case((Hazard.level == "major", 1), else_=0)))
        .join(Hazard, Hazard.id == InspectionFinding.hazard_id)
        .where(InspectionFinding.inspection_id.in_(ids)).group_by(InspectionFinding.inspection_id)
    )}
    names: dict[int, list[str]] = defaultdict(list)
    for inspection_id, name, user_id in session.execute(
        select(InspectionInspector.inspection_id, User.name, User.id)
        .join(User, User.id == InspectionInspector.user_id)
        .where(InspectionInspector.inspection_id.in_(ids)).order_by(InspectionInspector.id)
    ):
        names[inspection_id].append(name or f"用户{user_id}")
    rows = []
    for inspection, enterprise_name, region_name in found:
        count, major = findings.get(inspection.id, (0, 0))
        rows.append(InspectionRow(
            id=inspection.id, enterprise_id=inspection.enterprise_id, enterprise_name=enterprise_name,
            region_name=region_name, stage=inspection.stage, state=inspection.state, unit=inspection.unit,
            started_at=inspection.started_at, finished_at=inspection.finished_at,
            total=len(inspection.item_ids), answered=int(answered.get(inspection.id, 0)),
            findings=int(count), major=int(major), inspectors=names[inspection.id],
        ))
    return rows


def visible(session: Session, scope: Scope, inspection_id: int) -> InspectionRow | None:
    """The row of one inspection if this user may see it; None for unknown and foreign alike."""
    found = session.execute(
        _base([Inspection, Enterprise.name, Region.name],
              [Inspection.id == inspection_id, scope.inspection_clause()])
    ).first()
    return rows_for(session, [(found[0], found[1], found[2])])[0] if found else None


def inspection_of_hazard(session: Session, scope: Scope, hazard: Hazard) -> InspectionRow | None:
    """The inspection that found ``hazard``, if any and if this user may see it."""
    inspection_id = session.scalar(
        select(InspectionFinding.inspection_id).where(InspectionFinding.hazard_id == hazard.id))
    return visible(session, scope, inspection_id) if inspection_id is not None else None
