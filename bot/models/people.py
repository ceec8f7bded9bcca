"""The people audit: every change to who a person is in the system, kept for good.

Officers and managers are invited, revoked and moved by other officers (issue 18), so the
question "who made him a county officer, and when?" must have an answer. The rows are
append-only; the labels are copied in (a name may change, a user may be revoked) so a row
reads the same years later. The regions are plain codes, not foreign keys: a row outlives a
redrawn division.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

AUDIT_ACTIONS = ("invite", "revoke", "move", "unbind")


class PeopleAudit(Base):
    """One change: ``actor`` did ``action`` to ``subject`` (for an invitation: the code's role)."""

    __tablename__ = "people_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))  # one of AUDIT_ACTIONS
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)  # None: the CLI
    actor_label: Mapped[str] = mapped_column(String(64))  # "张三（县级监管人员）", "命令行"
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)  # None: a code
    subject_label: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))  # the subject's role (before a revocation)
    region_code: Mapped[str | None] = mapped_column(String(12), default=None)  # where he was
    to_region_code: Mapped[str | None] = mapped_column(String(12), default=None)  # a move: where to
    detail: Mapped[str] = mapped_column(Text)  # the change in words, as the page shows it
