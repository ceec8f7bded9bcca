"""The APScheduler process: a few daily/periodic sweeps, under a database lease.

Run it once per deployment, in its own process (``flask scheduler run``), never inside the
gunicorn workers (docs/design.md §7). Jobs contain no rules: each opens a session, takes or
renews the lease, calls a sweep from ``bot.services.reminders`` with ``now`` and commits;
the worker (``flask worker run``) delivers what the sweeps queued.

Job store: APScheduler's ``SQLAlchemyJobStore`` in our database (table ``apscheduler_jobs``,
which APScheduler creates and owns; Alembic leaves it alone, see ``bot.migrate``). Every job
coalesces and, by default, has no misfire limit: a job whose stored next run passed while no
scheduler ran runs once when one comes back, not once per missed slot, and the sweeps decide
what is still worth sending (``catchup_hours``), keyed so it goes once.

Besides the reminder sweeps, job ``retention`` runs ``bot.services.platform.retention`` every
``retention.every_minutes``: it deletes or blanks the rows that could tie an anonymous report
to its sender (it commits per batch itself).

Two schedulers started together: APScheduler's job store must never be worked by two
schedulers at once (docs/design.md §7), so only the holder of the ``scheduler`` lease starts
APScheduler at all (``scheduler.leader``); the other stands by and takes over when the lease
expires. Every sweep checks the lease again before it runs, and even if two ran a sweep, the
outbox keys would keep every message single.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.platform import leases, retention
from bot.services.platform.clock import utcnow
from bot.services.platform.retention import RetentionSettings
from bot.services.reminders import sweeps
from bot.services.reminders.settings import ReminderSettings, parse_hhmm

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
RETENTION = "retention"  # the one job that is not a reminder sweep


@dataclass(frozen=True)
class JobSpec:
    id: str
    sweep: str  # a key of sweeps.SWEEPS, or RETENTION
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
        JobSpec("weekly_overdue", "weekly_overdue", daily("weekly_overdue_at"), "周调度统计表逾期提醒"),
        JobSpec("monthly", "monthly", daily("daily_at"), "专项行动月度进展提醒"),
        JobSpec("inspections", "inspections", daily("daily_at"), "主要负责人检查提醒"),
        JobSpec(RETENTION, RETENTION, IntervalTrigger(minutes=cfg["retention"]["every_minutes"], timezone=tz),
                "过期数据清理（去重日志、对话状态、消息正文等）"),
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
        retention_settings: RetentionSettings | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.retention_settings = retention_settings or RetentionSettings()
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
                if name == RETENTION:  # logs what it removed itself
                    return sum(retention.run(session, now=now, settings=self.retention_settings).values())
                queued = sweeps.SWEEPS[name](session, now=now, settings=self.settings)
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


JOBSTORE_TABLE = "apscheduler_jobs"
# The runners of this process by holder: a stored job names its runner by holder (a job's
# function must be importable by reference to live in the database job store).
_RUNNERS: dict[str, SweepRunner] = {}


def run_sweep_job(holder: str, name: str) -> int | None:
    """What a stored job calls: sweep ``name`` through the runner of scheduler ``holder``."""
    runner = _RUNNERS.get(holder)
    if runner is None:  # a job written by a scheduler that no longer runs in this process
        log.warning("job %s names scheduler %s, which is not running here; skipped", name, holder)
        return None
    return runner.run(name)


def register(runner: SweepRunner) -> None:
    _RUNNERS[runner.holder] = runner


def misfire_grace(cfg: dict[str, dict[str, Any]]) -> int | None:
    """``scheduler.misfire_grace_seconds``; 0 means no limit (the sweeps' own catch-up window
    decides what is still worth sending, so a missed run should always run, once)."""
    seconds = int(cfg["scheduler"]["misfire_grace_seconds"])
    return seconds or None


def build_scheduler(
    cfg: dict[str, dict[str, Any]],
    runner: SweepRunner,
    *,
    engine: Engine | None = None,
    blocking: bool = False,
) -> BaseScheduler:
    """An APScheduler (not started) whose job store is table ``apscheduler_jobs`` in our
    database (``engine``; in memory without one). Jobs are put in by ``sync_jobs`` once it
    runs: adding them here would replace the stored next run times and lose missed runs.

    Every job coalesces and has the configured misfire grace: a job missed while no scheduler
    ran (its stored next run time is past) runs once when one comes back, not once per
    missed slot.
    """
    tz = ZoneInfo(cfg["app"]["timezone"])
    cls = BlockingScheduler if blocking else BackgroundScheduler
    stores: dict[str, Any] = {}
    if engine is not None:
        stores["default"] = SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)
    register(runner)
    return cls(
        timezone=tz,
        jobstores=stores,
        job_defaults={"coalesce": True, "misfire_grace_time": misfire_grace(cfg), "max_instances": 1},
    )


def _trigger_key(trigger: BaseTrigger) -> tuple[str, str]:
    """What makes two triggers the same timetable (their text omits the time zone)."""
    return str(trigger), str(getattr(trigger, "timezone", ""))


def sync_jobs(scheduler: BaseScheduler, cfg: dict[str, dict[str, Any]], runner: SweepRunner) -> None:
    """Make the (started, possibly paused) scheduler's stored jobs match the timetable.

    A stored job whose trigger is unchanged keeps its next run time (a past one is a missed
    run: it runs once); only its runner is rewritten to this scheduler's. A changed trigger
    is rescheduled from now; a job no longer in the timetable is removed.
    """
    specs = {spec.id: spec for spec in job_specs(cfg)}
    for job in scheduler.get_jobs():
        if job.id not in specs:
            scheduler.remove_job(job.id)
    for spec in specs.values():
        args = [runner.holder, spec.sweep]
        job = scheduler.get_job(spec.id)
        if job is None:
            scheduler.add_job(run_sweep_job, spec.trigger, args=args, id=spec.id, name=spec.description)
            continue
        scheduler.modify_job(spec.id, args=args, name=spec.description, coalesce=True,
                             misfire_grace_time=misfire_grace(cfg), max_instances=1)
        if _trigger_key(job.trigger) != _trigger_key(spec.trigger):
            log.info("job %s: timetable changed from %s to %s", spec.id, job.trigger, spec.trigger)
            scheduler.reschedule_job(spec.id, trigger=spec.trigger)


def make_runner(app: Any, **kw: Any) -> SweepRunner:
    from bot.db import session_factory

    cfg = app.config["HAZARDBOT"]
    return SweepRunner(
        session_factory(app), ReminderSettings.from_config(cfg),
        lease_ttl=timedelta(seconds=cfg["scheduler"]["lease_seconds"]),
        retention_settings=RetentionSettings.from_config(cfg), **kw,
    )


def next_runs(cfg: dict[str, dict[str, Any]], now: datetime) -> list[tuple[JobSpec, datetime | None]]:
    """Each job and its next run after ``now`` (for ``flask scheduler status``)."""
    tz = ZoneInfo(cfg["app"]["timezone"])
    here = now.astimezone(tz)
    return [(spec, spec.trigger.get_next_fire_time(None, here)) for spec in job_specs(cfg)]


def stored_next_runs(engine: Engine) -> dict[str, datetime | None]:
    """Each stored job's next run as the database job store holds it (empty before the
    first scheduler led); read directly, so looking never creates the table."""
    if not inspect(engine).has_table(JOBSTORE_TABLE):
        return {}
    table = SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE).jobs_t
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.id, table.c.next_run_time)).all()
    return {job_id: datetime.fromtimestamp(ts, UTC) if ts is not None else None for job_id, ts in rows}
