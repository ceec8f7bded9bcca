"""The APScheduler process: a few daily/periodic sweeps, under a database lease.

Run it once per deployment, in its own process (``flask scheduler run``), never inside the
gunicorn workers (DESIGN.md §7). Jobs contain no rules: each opens a session, takes or
renews the lease, calls a sweep from ``bot.services.reminders`` with ``now`` and commits;
the worker (``flask worker run``) delivers what the sweeps queued.

Missed runs: the job store is in memory (never shared between two schedulers), so what a
stopped scheduler missed is caught up by running every sweep once at start-up; the sweeps
themselves send a missed period reminder within ``catchup_hours``, keyed so it goes once.
While the process lives, ``misfire_grace_time`` is large and ``coalesce`` is on: a run
missed while the machine slept or a job overran runs once, not once per missed slot.

Two schedulers started together: only the holder of the ``scheduler`` lease runs sweeps;
the other stands by and takes over when the lease expires. Even if both ran a sweep, the
outbox keys would keep every message single.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.services import leases, reminders
from bot.services.clock import utcnow
from bot.services.reminders import ReminderSettings, parse_hhmm

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


@dataclass(frozen=True)
class JobSpec:
    id: str
    sweep: str | None  # a key of reminders.SWEEPS; None for the lease heartbeat
    trigger: BaseTrigger
    description: str


def job_specs(cfg: dict[str, dict[str, Any]]) -> list[JobSpec]:
    """The timetable, from config. Period reminders run daily: the sweep knows whether today
    is their (possibly holiday-shifted) day."""
    tz = ZoneInfo(cfg["app"]["timezone"])
    s = cfg["scheduler"]

    def daily(name: str) -> CronTrigger:
        at = parse_hhmm(s[name], f"scheduler.{name}")
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=tz)

    return [
        JobSpec("deadlines", "deadlines", daily("daily_at"), "整改期限提醒与逾期升级"),
        JobSpec("acknowledgements", "acknowledgements",
                IntervalTrigger(minutes=s["ack_sweep_minutes"], timezone=tz), "受理超时提醒与升级"),
        JobSpec("weekly", "weekly", daily("weekly_at"), "周调度统计表提醒"),
        JobSpec("weekly_overdue", "weekly_overdue", daily("weekly_overdue_at"), "周调度统计表逾期（待接入）"),
        JobSpec("monthly", "monthly", daily("daily_at"), "专项行动月度进展提醒"),
        JobSpec("inspections", "inspections", daily("daily_at"), "主要负责人检查提醒"),
        JobSpec("lease", None, IntervalTrigger(seconds=max(1, s["lease_seconds"] // 3), timezone=tz),
                "调度租约续期"),
    ]


class SweepRunner:
    """What a job does: lease, sweep, commit. Exceptions are logged, never raised."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: ReminderSettings,
        *,
        lease_ttl: timedelta,
        holder: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.lease_ttl = lease_ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock = clock

    def renew(self, now: datetime | None = None) -> bool:
        with self.session_factory() as session:
            return leases.acquire(
                session, LEASE_NAME, self.holder, now=now or self.clock(), ttl=self.lease_ttl
            )

    def run(self, name: str, now: datetime | None = None) -> int | None:
        """Run sweep ``name``; None when another scheduler holds the lease."""
        now = now or self.clock()
        try:
            if not self.renew(now):
                log.info("sweep %s skipped: another scheduler holds the lease", name)
                return None
            with self.session_factory() as session:
                queued = reminders.SWEEPS[name](session, now=now, settings=self.settings)
                session.commit()
        except Exception:  # noqa: BLE001 - a failed sweep is retried at its next run
            log.exception("sweep %s failed", name)
            return None
        if queued:
            log.info("sweep %s queued %s messages", name, queued)
        return queued

    def release(self) -> None:
        with self.session_factory() as session:
            leases.release(session, LEASE_NAME, self.holder)


def build_scheduler(
    cfg: dict[str, dict[str, Any]],
    runner: SweepRunner,
    *,
    blocking: bool = False,
    catch_up: bool = True,
) -> BaseScheduler:
    """A scheduler with the timetable's jobs; with ``catch_up`` every sweep also runs once
    right after start (whatever was missed while no scheduler ran)."""
    tz = ZoneInfo(cfg["app"]["timezone"])
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler: BaseScheduler = cls(
        timezone=tz,
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": cfg["scheduler"]["misfire_grace_seconds"],
            "max_instances": 1,
        },
    )
    start = datetime.now(tz)
    for spec in job_specs(cfg):
        func: Callable[..., Any]
        args: list[Any]
        if spec.sweep is None:
            func, args = runner.renew, []
        else:
            func, args = runner.run, [spec.sweep]
        extra: dict[str, Any] = {"next_run_time": start} if catch_up else {}
        scheduler.add_job(func, spec.trigger, args=args, id=spec.id, name=spec.description,
                          replace_existing=True, **extra)
    return scheduler


def make_runner(app: Any, **kw: Any) -> SweepRunner:
    from bot.db import session_factory

    cfg = app.config["HAZARDBOT"]
    return SweepRunner(
        session_factory(app), ReminderSettings.from_config(cfg),
        lease_ttl=timedelta(seconds=cfg["scheduler"]["lease_seconds"]), **kw,
    )


def next_runs(cfg: dict[str, dict[str, Any]], now: datetime) -> list[tuple[JobSpec, datetime | None]]:
    """Each job and its next run after ``now`` (for ``flask scheduler status``)."""
    tz = ZoneInfo(cfg["app"]["timezone"])
    here = now.astimezone(tz)
    return [(spec, spec.trigger.get_next_fire_time(None, here)) for spec in job_specs(cfg)]
