"""One scheduler leads, the others stand by: APScheduler runs only under the database lease.

APScheduler 3.x must never have two schedulers working one job store (each would fire every
due job). So a scheduler process starts as a stand-by that only tries to take the lease; once
it holds it, it starts APScheduler over the database job store, brings the stored jobs in
line with the timetable (keeping their next run times, so what was missed runs once) and then
renews the lease every third of its length. If a renewal fails (another process took over
after this one stalled), it stops APScheduler at once and stands by again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from scheduler.runner import SweepRunner, build_scheduler, sync_jobs

log = logging.getLogger(__name__)


class LeadingScheduler:
    """APScheduler behind the lease; call ``step`` periodically or ``run_forever``."""

    def __init__(self, cfg: dict[str, dict[str, Any]], runner: SweepRunner, engine: Engine) -> None:
        self.cfg = cfg
        self.runner = runner
        self.engine = engine
        self.scheduler: BaseScheduler | None = None
        self.heartbeat = max(1.0, cfg["scheduler"]["lease_seconds"] / 3)
        self._stop = threading.Event()

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def step(self) -> bool:
        """Take or renew the lease, and start or stop APScheduler to match; True if leading."""
        try:
            held = self.runner.renew()
        except Exception:  # noqa: BLE001 - the database is away: we cannot know we lead
            log.exception("scheduler %s could not renew its lease", self.runner.holder)
            held = False
        if held and self.scheduler is None:
            try:
                self._lead()
            except Exception:  # noqa: BLE001 - tried again at the next heartbeat
                log.exception("scheduler %s could not start its jobs", self.runner.holder)
        elif not held and self.scheduler is not None:
            log.warning("scheduler %s lost its lease: standing by", self.runner.holder)
            self._stand_by()
        return self.leading

    def _lead(self) -> None:
        scheduler = build_scheduler(self.cfg, self.runner, engine=self.engine)
        scheduler.start(paused=True)  # the store's jobs are looked at before anything fires
        try:
            sync_jobs(scheduler, self.cfg, self.runner)
        except Exception:
            scheduler.shutdown(wait=False)
            raise
        scheduler.resume()
        self.scheduler = scheduler
        log.info("scheduler %s leads", self.runner.holder)

    def _stand_by(self, *, wait: bool = False) -> None:
        """Stop APScheduler without touching the stored jobs.

        The job store is detached first: APScheduler 3.x's thread makes one more pass over
        its stores after ``shutdown`` (its executors already closed), which would advance the
        due jobs' next run times without running them, and the store's own shutdown would
        dispose of our engine.
        """
        if self.scheduler is not None:
            self.scheduler.pause()
            for alias in list(self.scheduler._jobstores):  # noqa: SLF001 - no public listing
                self.scheduler.remove_jobstore(alias, shutdown=False)
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None

    def run_forever(self) -> None:
        """Until ``stop``: lead when the lease is free, stand by otherwise."""
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.heartbeat)

    def stop(self) -> None:
        """Stop firing jobs and hand the lease over at once (a clean shutdown)."""
        self._stop.set()
        self._stand_by(wait=True)
        self.runner.release()
