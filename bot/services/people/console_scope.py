"""Who may use the officers' web console, and what each one sees there.

The console shows the same records as the chat, under the same rule (``workflow_common``):
an officer sees his region and everything under it (``jurisdiction``), an enterprise manager
sees his enterprise's hazards once an officer has graded them (before that, even knowing a
report exists would expose the reporter), an admin sees everything but acts on nothing.
Everyone else (workers, the public) is not let in at all.

A scope is computed once per request and turned into SQL ``WHERE`` clauses, so a list, a
chart or an export can never show a row the person could not open by its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, select, true
from sqlalchemy.orm import Session

from bot.models import Enterprise, Hazard, Inspection, InspectionInspector, Region, User
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.people.roles import OFFICER_ROLES, ROLE_NAMES, role_name

CONSOLE_ROLES = OFFICER_ROLES | {"enterprise_manager", "admin"}
__all__ = ["CONSOLE_ROLES", "ROLE_NAMES", "Scope", "scope_for"]  # ROLE_NAMES: roles' one table


@dataclass(frozen=True)
class Scope:
    """What one console user sees: all of Shanxi, a set of regions, or one enterprise."""

    user_id: int
    role: str
    label: str  # "太原市小店区", "太原晋钢钢铁有限公司", "全省"
    region_code: str | None = None  # the officer's own region (None: admin or manager)
    region_codes: frozenset[str] | None = None  # None: no region limit
    enterprise_id: int | None = None

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role == "enterprise_manager"

    @property
    def edits_registry(self) -> bool:
        """Whether he may change the enterprise registry here (the ledger import): officers,
        within their jurisdiction. Not a manager, and not an admin: the console is read-only
        for him (operators import with ``flask enterprises import``)."""
        return self.is_officer

    @property
    def issues_qr_codes(self) -> bool:
        """Whether opening a poster may create the enterprise's QR code when it has none:
        officers (within their jurisdiction) and a manager for his own plant, whose gate the
        poster goes on. Not an admin: the console is read-only for him, so he prints only a
        code that already exists."""
        return self.is_officer or self.is_manager

    @property
    def role_name(self) -> str:
        return role_name(self.role)

    def hazard_clause(self) -> Any:
        """SQL condition on ``Hazard`` for the rows this user may see."""
        if self.is_manager:
            if self.enterprise_id is None:
                return false()
            return (Hazard.enterprise_id == self.enterprise_id) & Hazard.level.is_not(None)
        if self.region_codes is None:
            return true()
        return Hazard.region_code.in_(self.region_codes)

    def enterprise_clause(self) -> Any:
        """SQL condition on ``Enterprise`` for the registry rows this user may see."""
        if self.is_manager:
            return Enterprise.id == self.enterprise_id if self.enterprise_id is not None else false()
        if self.region_codes is None:
            return true()
        return Enterprise.region_code.in_(self.region_codes)

    def inspection_clause(self) -> Any:
        """SQL condition on ``Inspection`` joined with its ``Enterprise``.

        An officer sees the inspections of enterprises in his jurisdiction, whoever walked
        them, and those he walked himself elsewhere (a city's 交叉检查 of another city: his own
        work, though the hazards it found stay under ``hazard_clause``, the other city's); a
        manager his enterprise's 企业自查, and the officers' inspections of it once finished
        (their 附件5 list is handed to the enterprise then, not mid-walk).
        """
        if self.is_manager:
            if self.enterprise_id is None:
                return false()
            return (Inspection.enterprise_id == self.enterprise_id) & (
                (Inspection.stage == "self_check") | (Inspection.state == "finished"))
        if self.region_codes is None:
            return true()
        walked = select(InspectionInspector.inspection_id).where(InspectionInspector.user_id == self.user_id)
        return Enterprise.region_code.in_(self.region_codes) | Inspection.id.in_(walked)

    def sees_hazard(self, hazard: Hazard) -> bool:
        if self.is_manager:
            return hazard.enterprise_id == self.enterprise_id and hazard.level is not None
        return self.region_codes is None or hazard.region_code in self.region_codes

    def sees_enterprise(self, enterprise: Enterprise) -> bool:
        if self.is_manager:
            return enterprise.id == self.enterprise_id
        return self.region_codes is None or enterprise.region_code in self.region_codes

    def sees_region(self, code: str) -> bool:
        return not self.is_manager and (self.region_codes is None or code in self.region_codes)


def scope_for(session: Session, user: User | None) -> Scope | None:
    """The user's scope, or None when he may not use the console.

    An officer whose region is unknown, or a manager without an enterprise, gets None: a
    misconfigured account is refused rather than shown everything or nothing silently.
    """
    if user is None or user.role not in CONSOLE_ROLES:
        return None
    if user.role == "admin":
        return Scope(user_id=user.id, role=user.role, label="全省")
    if user.role == "enterprise_manager":
        enterprise = session.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
        if enterprise is None:
            return None
        return Scope(user_id=user.id, role=user.role, label=enterprise.name, enterprise_id=enterprise.id)
    region = session.get(Region, user.region_code) if user.region_code else None
    if region is None:
        return None
    codes = frozenset(jurisdiction_codes(session, region.code))
    return Scope(user_id=user.id, role=user.role, label=region.name, region_code=region.code,
                 region_codes=codes)
