"""Every sweep by name: what the scheduler runs on its timetable, and all at once to catch up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.reminders.deadlines import sweep_acknowledgements, sweep_deadlines
from bot.services.reminders.periodic import (
    sweep_inspections,
    sweep_monthly,
    sweep_weekly,
    sweep_weekly_overdue,
)
from bot.services.reminders.settings import ReminderSettings

SWEEPS = {
    "deadlines": sweep_deadlines,
    "acknowledgements": sweep_acknowledgements,
    "weekly": sweep_weekly,
    "weekly_overdue": sweep_weekly_overdue,
    "monthly": sweep_monthly,
    "inspections": sweep_inspections,
}


def run_all(session: Session, *, now: datetime, settings: ReminderSettings) -> dict[str, int]:
    """Every sweep once (the scheduler's start-up catch-up; tests' simulated clock)."""
    return {name: sweep(session, now=now, settings=settings) for name, sweep in SWEEPS.items()}
