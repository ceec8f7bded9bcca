"""The scheduler's lease, and the index its deadline sweep runs over.

Two scheduler processes may be started by mistake (or during a deploy); the lease row makes
only one of them fire jobs: it is taken and renewed by a conditional UPDATE (see
``bot/services/platform/leases.py``). The outbox's unique keys keep even a lost lease harmless.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.hazard import Hazard


class SchedulerLease(Base):
    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


# The deadline sweep reads "rectifying hazards due by <date>": this index makes it grow with
# the number due, not with the table (declared here so the hazard model stays untouched).
Index("ix_hazards_state_deadline", Hazard.state, Hazard.deadline)
