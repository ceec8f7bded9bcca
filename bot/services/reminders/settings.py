"""What the sweeps are set by: the message kinds they queue, and ``[scheduler]`` of the config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from bot.services.forms.weekly_tables import ReportLinks

DEADLINE_NUDGE = "deadline_nudge"
DEADLINE_OVERDUE = "deadline_overdue"
OVERDUE_COUNTY = "overdue_county"
OVERDUE_CITY = "overdue_city"
ACK_OVERDUE = "ack_overdue"
ACK_ESCALATE = "ack_escalate"
WEEKLY_STATS = "weekly_stats"
WEEKLY_OVERDUE = "weekly_overdue"
CAMPAIGN = "campaign"
INSPECTION = "inspection"
# Scheduled reminders wait out the quiet hours; workflow messages (a new report…) do not.
QUIET_KINDS = frozenset({
    DEADLINE_NUDGE, DEADLINE_OVERDUE, OVERDUE_COUNTY, OVERDUE_CITY, ACK_OVERDUE, ACK_ESCALATE,
    WEEKLY_STATS, WEEKLY_OVERDUE, CAMPAIGN, INSPECTION,
})

NUDGE_DAYS = (3, 1, 0)
QUARTER_MONTHS = (1, 4, 7, 10)
OFFICERS = ("county_officer", "city_officer")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(value: str, name: str) -> time:
    from bot.config import ConfigError

    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigError(f"{name} must be HH:MM, not {value!r}") from exc


@dataclass(frozen=True)
class ReminderSettings:
    daily_at: time = time(9, 0)
    weekly_day: int = 4  # Friday
    weekly_at: time = time(9, 0)
    weekly_overdue_at: time = time(12, 0)
    ack_escalate: timedelta = timedelta(hours=24)
    overdue_county_days: int = 3
    overdue_city_days: int = 7
    monthly_day: int = 30
    inspection_day: int = 1
    holiday_shift: bool = True
    catchup: timedelta = timedelta(hours=72)
    # Signs the weekly note's download links; None: the note goes without them.
    links: ReportLinks | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Mapping[str, Any]]) -> ReminderSettings:
        from bot.config import ConfigError

        s = config["scheduler"]
        day = str(s["weekly_day"]).lower()
        if day not in WEEKDAYS:
            raise ConfigError(f"scheduler.weekly_day must be one of {', '.join(WEEKDAYS)}, not {day!r}")
        for key in ("monthly_day", "inspection_day"):
            if not 1 <= s[key] <= 31:
                raise ConfigError(f"scheduler.{key} must be between 1 and 31, not {s[key]!r}")
        if not 0 < s["overdue_county_days"] <= s["overdue_city_days"]:
            raise ConfigError("scheduler.overdue_county_days must be positive and at most overdue_city_days")
        return cls(
            daily_at=parse_hhmm(s["daily_at"], "scheduler.daily_at"),
            weekly_day=WEEKDAYS.index(day),
            weekly_at=parse_hhmm(s["weekly_at"], "scheduler.weekly_at"),
            weekly_overdue_at=parse_hhmm(s["weekly_overdue_at"], "scheduler.weekly_overdue_at"),
            ack_escalate=timedelta(hours=s["ack_escalate_hours"]),
            overdue_county_days=s["overdue_county_days"],
            overdue_city_days=s["overdue_city_days"],
            monthly_day=s["monthly_day"],
            inspection_day=s["inspection_day"],
            holiday_shift=s["holiday_shift"],
            catchup=timedelta(hours=s["catchup_hours"]),
            links=ReportLinks.from_config(config),
        )
