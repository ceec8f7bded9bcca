"""The worker that runs persisted jobs and delivers the outbox.

In dev and in tests it runs as a thread inside the web process and is woken right after a
reply, so a photo is fetched a moment after WeChat got its answer; in production it can run
as its own process (``flask worker run``). Several workers may run at once: jobs and outbox
rows are claimed by conditional updates, so none is done twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.chat import conversations, inbound_log
from bot.services.messaging import jobs, outbox
from bot.services.platform.clock import utcnow
from bot.services.platform.ports import Messenger, SubscribeSender

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        handlers: dict[str, jobs.JobHandler],
        messenger: Messenger,
        *,
        poll_seconds: float,
        max_attempts: int,
        backoff_seconds: float,
        dialogue_idle: timedelta,
        backoff_max_seconds: float = jobs.DEFAULT_BACKOFF_MAX_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        policy: outbox.DeliveryPolicy | None = None,
        subscriber: SubscribeSender | None = None,
        inspection_idle: timedelta | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.handlers = handlers
        self.messenger = messenger
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.dialogue_idle = dialogue_idle
        self.inspection_idle = inspection_idle  # None: inspections end after dialogue_idle too
        self.clock = clock
        self.policy = policy
        self.subscriber = subscriber  # mini-program subscribe messages (live mode, when configured)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run_once(self) -> int:
        """One pass: end idle dialogues, run due jobs, deliver due messages, forget old replies."""
        now = self.clock()
        with self.session_factory() as session:
            conversations.expire_idle(session, now=now, idle=self.dialogue_idle,
                                      inspection_idle=self.inspection_idle)
            session.commit()
        done = jobs.run_due_jobs(
            self.session_factory, self.handlers, now=now,
            max_attempts=self.max_attempts, backoff_seconds=self.backoff_seconds,
            backoff_max_seconds=self.backoff_max_seconds,
        )
        done += outbox.deliver_pending(
            self.session_factory, self.messenger, now=now,
            max_attempts=self.max_attempts, backoff_seconds=self.backoff_seconds,
            backoff_max_seconds=self.backoff_max_seconds, policy=self.policy,
            subscriber=self.subscriber,
        )
        with self.session_factory() as session:
            inbound_log.purge_old_replies(session, now=now)
            session.commit()
        return done

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the pass: a wake-up during it triggers the next one
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                log.exception("worker pass failed; trying again shortly")
                busy = 0
            if not busy:
                self._wake.wait(self.poll_seconds)

    def start_background(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self.run_forever, name="hazardbot-worker", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
