"""Background work as an operator sees it: jobs run once, retry with backoff, fail loudly;
messages are queued once, sent once, retried, and given up on loudly."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Job, OutboxMessage
from bot.services.messaging import jobs, outbox
from bot.services.messaging.jobs import JobRun, RetryLater
from bot.services.platform.ports import DeliveryError

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.fixture
def factory(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=clean_db)


def _enqueue(factory: sessionmaker[Session], *keys: str, kind: str = "work", now: datetime = T0) -> None:
    with factory() as session:
        for key in keys:
            jobs.enqueue(session, kind=kind, key=key, payload={"key": key}, now=now)
        session.commit()


def _job(factory: sessionmaker[Session], key: str) -> Job:
    with factory() as session:
        return session.scalars(select(Job).where(Job.key == key)).one()


def _run(factory: sessionmaker[Session], handlers: dict[str, jobs.JobHandler], now: datetime) -> int:
    return jobs.run_due_jobs(factory, handlers, now=now, max_attempts=3, backoff_seconds=10)


# --- jobs -----------------------------------------------------------------------------------


def test_a_job_runs_once_and_is_done(factory: sessionmaker[Session]) -> None:
    _enqueue(factory, "photo:1")
    seen: list[dict[str, Any]] = []
    handlers = {"work": lambda f, payload, run: seen.append(payload)}
    assert _run(factory, handlers, T0) == 1
    assert _run(factory, handlers, T0 + 60 * S) == 0
    assert seen == [{"key": "photo:1"}]
    job = _job(factory, "photo:1")
    assert (job.status, job.attempts, job.locked_until) == ("done", 1, None)


def test_enqueueing_the_same_key_twice_keeps_one_job(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        first = jobs.enqueue(session, kind="work", key="photo:1", payload={"n": 1}, now=T0)
        again = jobs.enqueue(session, kind="work", key="photo:1", payload={"n": 2}, now=T0)
        assert again is first
        session.commit()
    _enqueue(factory, "photo:1")  # and again in a later transaction
    with factory() as session:
        assert [j.payload for j in session.scalars(select(Job))] == [{"n": 1}]


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        jobs.enqueue(session, kind="work", key="photo:1", payload={}, now=T0)
        session.rollback()
    assert _run(factory, {"work": lambda f, p, r: None}, T0) == 0


def test_a_job_is_not_run_before_it_is_due(factory: sessionmaker[Session]) -> None:
    _enqueue(factory, "later", now=T0 + 60 * S)
    assert _run(factory, {"work": lambda f, p, r: None}, T0) == 0
    assert _run(factory, {"work": lambda f, p, r: None}, T0 + 60 * S) == 1


def test_a_job_being_run_is_not_claimed_by_a_second_worker(factory: sessionmaker[Session]) -> None:
    _enqueue(factory, "photo:1")
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        calls.append(threading.current_thread().name)
        started.set()
        assert release.wait(10)

    result: list[int] = []
    first = threading.Thread(target=lambda: result.append(_run(factory, {"work": slow}, T0)), name="A")
    first.start()
    try:
        assert started.wait(10)
        # worker B, a moment later, while A is still working on the job
        assert _run(factory, {"work": slow}, T0 + 1 * S) == 0
    finally:
        release.set()
        first.join(10)
    assert result == [1]
    assert calls == ["A"]
    assert _job(factory, "photo:1").status == "done"


def test_concurrent_workers_run_each_job_exactly_once(factory: sessionmaker[Session]) -> None:
    keys = [f"photo:{n}" for n in range(24)]
    _enqueue(factory, *keys)
    ran: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def handler(factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        time.sleep(0.005)
        with lock:
            ran[payload["key"]] += 1

    def worker() -> None:
        barrier.wait(10)
        for _ in range(10):
            _run(factory, {"work": handler}, T0)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    _run(factory, {"work": handler}, T0)  # whatever a lost race left for the next poll
    assert ran == Counter({k: 1 for k in keys})
    with factory() as session:
        assert set(session.scalars(select(Job.status))) == {"done"}
        assert set(session.scalars(select(Job.attempts))) == {1}


def test_a_crashed_workers_job_is_taken_over_after_its_lease(factory: sessionmaker[Session]) -> None:
    _enqueue(factory, "photo:1")
    with factory() as session:
        job = session.scalars(select(Job)).one()
        job.status, job.locked_until, job.attempts = "running", T0 + 5 * 60 * S, 1
        session.commit()
    handlers = {"work": lambda f, p, r: None}
    assert _run(factory, handlers, T0 + 60 * S) == 0  # still leased
    assert _run(factory, handlers, T0 + 6 * 60 * S) == 1
    job = _job(factory, "photo:1")
    assert (job.status, job.attempts) == ("done", 2)


def test_a_failing_job_backs_off_then_fails_with_an_error_log(
    factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    _enqueue(factory, "photo:1", kind="fetch_photo")
    runs: list[tuple[int, bool]] = []

    def flaky(factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        runs.append((run.attempt, run.is_last))
        raise RetryLater("WeChat busy (45009)")

    handlers: dict[str, jobs.JobHandler] = {"fetch_photo": flaky}
    caplog.set_level(logging.INFO, logger="bot.services.messaging.jobs")

    assert _run(factory, handlers, T0) == 1
    job = _job(factory, "photo:1")
    assert (job.status, job.attempts, job.run_after) == ("pending", 1, T0 + 10 * S)
    assert job.last_error == "RetryLater: WeChat busy (45009)"

    assert _run(factory, handlers, T0 + 9 * S) == 0  # backing off
    assert _run(factory, handlers, T0 + 10 * S) == 1
    job = _job(factory, "photo:1")
    assert (job.status, job.attempts, job.run_after) == ("pending", 2, T0 + 30 * S)  # 10 s + 20 s
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # passing trouble: warnings

    assert _run(factory, handlers, T0 + 30 * S) == 1
    job = _job(factory, "photo:1")
    assert (job.status, job.attempts, job.locked_until) == ("failed", 3, None)
    assert runs == [(1, False), (2, False), (3, True)]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "gave up after 3 attempts" in errors[0].getMessage()
    assert "fetch_photo" in errors[0].getMessage()

    assert _run(factory, handlers, T0 + 24 * 3600 * S) == 0  # failed stays failed
    assert len(runs) == 3


def test_a_crashing_handler_is_logged_with_its_traceback(
    factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    _enqueue(factory, "photo:1")

    def broken(factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        raise KeyError("attachment_id")

    assert _run(factory, {"work": broken}, T0) == 1
    [record] = [r for r in caplog.records if r.name == "bot.services.messaging.jobs"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert _job(factory, "photo:1").status == "pending"


def test_a_handler_writes_in_its_own_transaction(factory: sessionmaker[Session]) -> None:
    """Handlers get the session factory: what they commit stays even if they fail afterwards."""
    _enqueue(factory, "photo:1")

    def notify_then_fail(f: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        with f() as session:
            outbox.queue_message(session, key="rejected:1", openid="o1", kind="k", text="t", now=T0)
            session.commit()
        raise RetryLater("network")

    _run(factory, {"work": notify_then_fail}, T0)
    assert _message(factory, "rejected:1").status == "pending"
    assert _job(factory, "photo:1").status == "pending"


def test_a_job_without_a_handler_fails_in_the_end(factory: sessionmaker[Session]) -> None:
    _enqueue(factory, "x", kind="unknown")
    for t in (T0, T0 + 10 * S, T0 + 30 * S):
        assert _run(factory, {}, t) == 1
    job = _job(factory, "x")
    assert job.status == "failed"
    assert "no handler for job kind 'unknown'" in (job.last_error or "")


# --- outbox ---------------------------------------------------------------------------------


@dataclass
class RecordingMessenger:
    """A ``Messenger`` that records what it sent; fails the first ``fail_times`` sends."""

    channel: str = "recording"
    fail_times: int = 0
    sent: list[tuple[str, str]] = field(default_factory=list)
    tries: int = 0

    def send_text(self, openid: str, text: str) -> None:
        self.tries += 1
        if self.tries <= self.fail_times:
            raise DeliveryError("45015: response out of time limit")
        self.sent.append((openid, text))


def _queue(
    factory: sessionmaker[Session], key: str, text: str = "您的报告已受理", now: datetime = T0
) -> bool:
    with factory() as session:
        queued = outbox.queue_message(
            session, key=key, openid="o-reporter", kind="status", text=text, now=now
        )
        session.commit()
        return queued


def _message(factory: sessionmaker[Session], key: str) -> OutboxMessage:
    with factory() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def _deliver(factory: sessionmaker[Session], messenger: RecordingMessenger, now: datetime) -> int:
    return outbox.deliver_pending(factory, messenger, now=now, max_attempts=3, backoff_seconds=10)


def test_the_same_key_queued_twice_is_one_message(factory: sessionmaker[Session]) -> None:
    assert _queue(factory, "ack:YH202611240001", "第一次") is True
    assert _queue(factory, "ack:YH202611240001", "第二次") is False
    with factory() as session:
        # and twice in one transaction, which must go on undisturbed
        assert outbox.queue_message(session, key="k2", openid="o", kind="k", text="a", now=T0)
        assert not outbox.queue_message(session, key="k2", openid="o", kind="k", text="b", now=T0)
        session.commit()
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.key, m.text) for m in rows] == [("ack:YH202611240001", "第一次"), ("k2", "a")]
    messenger = RecordingMessenger()
    assert _deliver(factory, messenger, T0) == 2
    assert messenger.sent == [("o-reporter", "第一次"), ("o", "a")]


def test_a_message_of_a_rolled_back_change_is_never_sent(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        outbox.queue_message(session, key="k", openid="o", kind="k", text="t", now=T0)
        session.rollback()
    messenger = RecordingMessenger()
    assert _deliver(factory, messenger, T0) == 0
    assert messenger.sent == []


def test_delivery_marks_the_message_sent_and_never_sends_it_again(factory: sessionmaker[Session]) -> None:
    _queue(factory, "ack:1")
    messenger = RecordingMessenger()
    assert _deliver(factory, messenger, T0) == 1
    assert messenger.sent == [("o-reporter", "您的报告已受理")]
    message = _message(factory, "ack:1")
    assert (message.status, message.channel, message.sent_at, message.attempts) == (
        "sent", "recording", T0, 1,
    )
    assert _deliver(factory, messenger, T0 + 3600 * S) == 0
    assert len(messenger.sent) == 1


def test_a_message_is_not_sent_before_it_is_due(factory: sessionmaker[Session]) -> None:
    _queue(factory, "later", now=T0 + 60 * S)
    messenger = RecordingMessenger()
    assert _deliver(factory, messenger, T0) == 0
    assert _deliver(factory, messenger, T0 + 60 * S) == 1


def test_a_refused_message_is_retried_later_and_then_sent(factory: sessionmaker[Session]) -> None:
    _queue(factory, "ack:1")
    messenger = RecordingMessenger(fail_times=1)
    assert _deliver(factory, messenger, T0) == 0
    message = _message(factory, "ack:1")
    assert (message.status, message.attempts, message.next_attempt_at) == ("pending", 1, T0 + 10 * S)
    assert "45015" in (message.last_error or "")

    assert _deliver(factory, messenger, T0 + 5 * S) == 0
    assert messenger.tries == 1  # not tried again before the backoff is over
    assert _deliver(factory, messenger, T0 + 10 * S) == 1
    message = _message(factory, "ack:1")
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
    assert messenger.sent == [("o-reporter", "您的报告已受理")]


def test_a_message_refused_every_time_fails_with_an_error_log(
    factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    _queue(factory, "ack:1")
    messenger = RecordingMessenger(fail_times=99)
    caplog.set_level(logging.INFO, logger="bot.services.messaging.outbox")
    assert _deliver(factory, messenger, T0) == 0
    assert _deliver(factory, messenger, T0 + 10 * S) == 0
    assert _message(factory, "ack:1").next_attempt_at == T0 + 30 * S  # 10 s, then 20 s
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert _deliver(factory, messenger, T0 + 30 * S) == 0
    message = _message(factory, "ack:1")
    assert (message.status, message.attempts) == ("failed", 3)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "ack:1" in errors[0].getMessage()
    assert "after 3 tries" in errors[0].getMessage()

    assert _deliver(factory, RecordingMessenger(), T0 + 24 * 3600 * S) == 0  # failed stays failed
    assert messenger.tries == 3


def test_one_failing_message_does_not_hold_up_the_others(factory: sessionmaker[Session]) -> None:
    _queue(factory, "a", "first")
    _queue(factory, "b", "second")
    messenger = RecordingMessenger(fail_times=1)
    assert _deliver(factory, messenger, T0) == 1
    assert messenger.sent == [("o-reporter", "second")]
    assert _message(factory, "a").status == "pending"
