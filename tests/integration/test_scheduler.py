"""The scheduler end to end: delivery channels and quiet hours, a week with the scheduler down
for two days, two schedulers at once, WeChat down and back, and APScheduler itself."""

from __future__ import annotations

import copy
import logging
import threading
import time as systime
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, inspect
from sqlalchemy import text as sql
from sqlalchemy.orm import Session, sessionmaker

from bot.config import DEFAULTS
from bot.models import OutboxMessage, SchedulerLease, User
from bot.services.messaging import outbox
from bot.services.messaging.outbox import DeliveryPolicy
from bot.services.platform import leases
from bot.services.reminders import settings as R
from bot.services.reminders import sweeps
from bot.services.reminders.settings import ReminderSettings
from bot.wechat.adapters import WeChatMessenger
from bot.wechat.client import HazardWeChatClient
from scheduler.leader import LeadingScheduler
from scheduler.runner import JOBSTORE_TABLE, LEASE_NAME, SweepRunner, job_specs, stored_next_runs
from tests.common.factories import ENTERPRISE, enterprise, make_hazard
from tests.common.schedule_clock import L, hours, rows, sweep, weekly_campaign
from tests.conftest import TEST_APPID, TEST_SECRET
from tests.fakes.wechat_api import FakeWeChatServer

SETTINGS = ReminderSettings()
QUIET = DeliveryPolicy(quiet_start=time(22), quiet_end=time(7), quiet_kinds=R.QUIET_KINDS)
M = timedelta(minutes=1)


class Recorder:
    channel = "dev_inbox"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, datetime]] = []
        self.now: datetime | None = None

    def send_text(self, openid: str, text: str) -> None:
        assert self.now is not None
        self.sent.append((openid, text, self.now))


def _deliver(factory: sessionmaker[Session], messenger: Any, now: datetime, policy: DeliveryPolicy) -> int:
    return outbox.deliver_pending(factory, messenger, now=now, max_attempts=6, backoff_seconds=30,
                                  policy=policy)


def _hazards(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        ent = enterprise(session, ENTERPRISE)
        make_hazard(session, enterprise=ent, state="rectifying").deadline = date(2026, 11, 27)
        make_hazard(session, enterprise=ent, state="rectifying").deadline = date(2026, 12, 1)
        make_hazard(session, enterprise=ent, state="submitted").ack_due_at = L(2026, 11, 26, 14)
        session.commit()
    weekly_campaign(factory, date(2026, 11, 1), date(2026, 12, 31))


# --- a simulated week -----------------------------------------------------------------------


def test_a_week_with_the_scheduler_down_two_days_sends_each_due_message_once(factory, world) -> None:  # type: ignore[no-untyped-def]
    _hazards(factory)
    messenger = Recorder()
    down = (L(2026, 11, 26), L(2026, 11, 28))  # Thursday and Friday
    for now in hours(L(2026, 11, 23), L(2026, 11, 30)):
        if not down[0] <= now < down[1]:
            sweep(factory, now, SETTINGS)
        messenger.now = now
        _deliver(factory, messenger, now, QUIET)
    sent = rows(factory)
    assert sent and all(m.status == "sent" for m in sent)
    assert len(messenger.sent) == len(sent) == len({m.key for m in sent})  # each once
    # Nothing was queued while the scheduler was down; nothing quiet went out at night.
    assert not [m for m in sent if down[0] <= m.created_at < down[1]]
    for _openid, text, at in messenger.sent:
        hour = (at + timedelta(hours=8)).hour
        assert not (hour >= 22 or hour < 7), (text, at)
    # Friday's weekly reminder, missed, was caught up on Saturday (delivered at 07:00).
    weekly = rows(factory, R.WEEKLY_STATS)
    assert len(weekly) == 5 and {m.created_at for m in weekly} == {L(2026, 11, 28)}
    assert {m.sent_at for m in weekly} == {L(2026, 11, 28, 7)}
    # The report due for acknowledgement on Thursday: re-sent and escalated once on return.
    assert len(rows(factory, R.ACK_OVERDUE)) == 2 and len(rows(factory, R.ACK_ESCALATE)) == 1
    # Deadline 12-01 (Tue): D-3 is Saturday, moved to Friday (down): caught up on Saturday.
    nudges = [(m.key.split(":")[2], m.created_at) for m in rows(factory, R.DEADLINE_NUDGE)]
    assert ("2026-11-28", L(2026, 11, 28, 9)) in nudges  # point 11-28 (shifted to Fri), caught up Sat
    assert ("2026-11-24", L(2026, 11, 24, 9)) in nudges  # 11-27's D-3, on time


# --- two schedulers ---------------------------------------------------------------------------


def test_only_one_lease_holder_runs_sweeps_and_a_stand_by_takes_over(factory, world) -> None:  # type: ignore[no-untyped-def]
    _hazards(factory)
    ttl = timedelta(minutes=2)
    a = SweepRunner(factory, SETTINGS, lease_ttl=ttl, holder="a")
    b = SweepRunner(factory, SETTINGS, lease_ttl=ttl, holder="b")
    t = L(2026, 11, 27, 9)
    assert a.run("weekly", t) == 5
    assert b.run("weekly", t) is None  # stands by
    assert b.run("weekly", t + ttl + M) == 0  # a stopped renewing: b takes over, sends nothing twice
    assert a.run("weekly", t + ttl + 2 * M) is None
    b.release()
    assert a.run("acknowledgements", t + ttl + 3 * M) is not None
    with factory() as session:
        assert session.get(SchedulerLease, LEASE_NAME).holder == "a"  # type: ignore[union-attr]
        assert leases.acquire(session, "other", "x", now=t, ttl=ttl)


def test_two_schedulers_every_hour_for_a_week_send_nothing_twice(factory, world) -> None:  # type: ignore[no-untyped-def]
    _hazards(factory)
    ttl = timedelta(minutes=90)
    runners = [SweepRunner(factory, SETTINGS, lease_ttl=ttl, holder=h) for h in ("a", "b")]
    messenger = Recorder()
    for i, now in enumerate(hours(L(2026, 11, 23), L(2026, 12, 3))):
        if i % 50 == 0:  # the leader dies now and then; the other takes over
            runners.reverse()
        for runner in runners:
            for name in sweeps.SWEEPS:
                runner.run(name, now + (3 * ttl if i % 50 == 0 else timedelta()))
        messenger.now = now
        _deliver(factory, messenger, now, QUIET)
    sent = rows(factory)
    assert sent and len(messenger.sent) == len(sent) == len({m.key for m in sent})


# --- delivery channels ------------------------------------------------------------------------


def _queue(
    factory: sessionmaker[Session], user_id: int, key: str, now: datetime, kind: str = R.CAMPAIGN
) -> str:
    with factory() as session:
        user = session.get(User, user_id)
        assert user is not None
        outbox.queue_message(
            session, key=key, openid=user.openid, kind=kind, text=f"第一行{key}\n第二行", now=now
        )
        session.commit()
        return user.openid


def _inbound(factory: sessionmaker[Session], user_id: int, at: datetime) -> None:
    with factory() as session:
        session.get(User, user_id).last_inbound_at = at  # type: ignore[union-attr]
        session.commit()


@pytest.fixture
def live(fake_wechat: FakeWeChatServer) -> Iterator[WeChatMessenger]:
    client = HazardWeChatClient(TEST_APPID, TEST_SECRET, api_base_url=fake_wechat.base_url, timeout=2.0)
    yield WeChatMessenger(client)


def test_the_channel_follows_the_48_hour_window(factory, world, live, fake_wechat, caplog) -> None:  # type: ignore[no-untyped-def]
    t = L(2026, 11, 24, 10)
    _inbound(factory, world.county, t - timedelta(hours=47))
    _inbound(factory, world.city, t - timedelta(hours=49))
    recent = _queue(factory, world.county, "k1", t)
    stale = _queue(factory, world.city, "k2", t)
    never = _queue(factory, world.province, "k3", t)
    policy = DeliveryPolicy(windowed=True, template_id="TPL1")
    assert _deliver(factory, live, t, policy) == 3
    assert [m["msgtype"] for m in fake_wechat.sent_messages(recent)] == ["text"]
    for openid in (stale, never):
        [tpl] = fake_wechat.sent_messages(openid)
        assert tpl["template_id"] == "TPL1" and tpl["data"]["first"]["value"].startswith("第一行")
        assert tpl["data"]["remark"]["value"] == "第二行"
    assert [m.channel for m in rows(factory)] == ["wechat", "wechat_tpl", "wechat_tpl"]
    # No template configured: fails at once, loudly, with the reason.
    _queue(factory, world.city, "k4", t)
    with caplog.at_level(logging.ERROR):
        assert _deliver(factory, live, t, DeliveryPolicy(windowed=True)) == 0
    [failed] = [m for m in rows(factory) if m.key == "k4"]
    assert failed.status == "failed" and "template" in (failed.last_error or "")
    assert "outbox.template_id" in caplog.text


def test_past_five_service_messages_the_rest_go_as_templates_of_their_kind(  # type: ignore[no-untyped-def]
    factory, world, live, fake_wechat
) -> None:
    """WeChat allows 5 customer-service messages after a user's last message (the fake server
    refuses a sixth with 45047); the outbox sends the rest as template messages, each with
    the template configured for its kind."""
    t = L(2026, 11, 24, 10)
    _inbound(factory, world.county, t - timedelta(hours=1))
    kinds = ["new_report", "proof", "plan", "new_report", "proof", R.WEEKLY_STATS, "new_report"]
    openid = ""
    for i, kind in enumerate(kinds):
        openid = _queue(factory, world.county, f"q{i}", t, kind=kind)
    fake_wechat.user_wrote(openid)
    policy = DeliveryPolicy(windowed=True, template_id="TPL_ANY",
                            templates={R.WEEKLY_STATS: "TPL_WEEKLY"})
    assert _deliver(factory, live, t, policy) == 7
    sent = fake_wechat.sent_messages(openid)
    assert [m["msgtype"] if "msgtype" in m else m["template_id"] for m in sent] == [
        "text", "text", "text", "text", "text", "TPL_WEEKLY", "TPL_ANY"]
    assert [m.channel for m in rows(factory)] == ["wechat"] * 5 + ["wechat_tpl"] * 2
    # He writes again: the window and its quota start afresh.
    _inbound(factory, world.county, t + timedelta(minutes=5))
    fake_wechat.user_wrote(openid)
    _queue(factory, world.county, "after", t + timedelta(minutes=6))
    assert _deliver(factory, live, t + timedelta(minutes=6), policy) == 1
    assert fake_wechat.sent_messages(openid)[-1]["msgtype"] == "text"


def test_delivery_policy_comes_from_config() -> None:
    from bot.wiring import delivery_policy

    cfg = _cfg()
    cfg["app"]["dev_mode"] = False
    cfg["templates"]["deadline_nudge"] = "TPL_DEADLINE"
    cfg["outbox"]["template_id"] = "TPL_ANY"
    policy = delivery_policy(cfg)
    assert policy.windowed and policy.window_quota == 5
    assert policy.template_for(R.DEADLINE_NUDGE) == "TPL_DEADLINE"
    assert policy.template_for("close") == "TPL_ANY"


def test_quiet_hours_hold_reminders_but_not_workflow_messages(factory, world) -> None:  # type: ignore[no-untyped-def]
    night = L(2026, 11, 24, 23)
    _queue(factory, world.county, "reminder", night)
    _queue(factory, world.county, "urgent", night, kind="new_report")
    messenger = Recorder()
    messenger.now = night
    assert _deliver(factory, messenger, night, QUIET) == 1
    held = [m for m in rows(factory) if m.key == "reminder"][0]
    assert (held.status, held.attempts, held.next_attempt_at) == ("pending", 0, L(2026, 11, 25, 7))
    assert _deliver(factory, messenger, L(2026, 11, 25, 6, 59), QUIET) == 0
    assert _deliver(factory, messenger, L(2026, 11, 25, 7), QUIET) == 1


def test_wechat_down_then_back_delivers_every_message_exactly_once(factory, world, live, fake_wechat) -> None:  # type: ignore[no-untyped-def]
    t = L(2026, 11, 24, 10)
    users = (world.county, world.county2, world.city, world.manager)
    for u in users[:2]:
        _inbound(factory, u, t)
    openids = [_queue(factory, u, f"m{u}", t) for u in users]
    policy = DeliveryPolicy(windowed=True, template_id="TPL1")
    fake_wechat.set_down(True)
    now = t
    for _ in range(3):
        assert _deliver(factory, live, now, policy) == 0
        now += 5 * M
    assert all(m.status == "pending" and m.attempts >= 1 for m in rows(factory))
    fake_wechat.set_down(False)
    fake_wechat.fail_next(2)  # and a couple of refusals on the way back
    for _ in range(20):
        _deliver(factory, live, now, policy)
        now += 5 * M
    assert all(m.status == "sent" for m in rows(factory))
    for openid in openids:
        assert len(fake_wechat.sent_messages(openid)) == 1


def test_a_message_wechat_keeps_refusing_fails_loudly_after_max_tries(  # type: ignore[no-untyped-def]
    factory, world, live, fake_wechat, caplog
) -> None:
    t = L(2026, 11, 24, 10)
    _inbound(factory, world.county, t)
    _queue(factory, world.county, "doomed", t)
    fake_wechat.set_down(True)
    now = t
    with caplog.at_level(logging.ERROR):
        for _ in range(10):
            _deliver(factory, live, now, DeliveryPolicy(windowed=True))
            now += timedelta(hours=1)
    [m] = rows(factory)
    assert (m.status, m.attempts) == ("failed", 6) and "failed for good" in caplog.text


# --- APScheduler itself -------------------------------------------------------------------


def _cfg() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(DEFAULTS)


class CountingRunner(SweepRunner):
    """The real runner, counting which sweeps ran (to see coalescing)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.ran: list[str] = []
        self.done: list[str] = []  # sweeps that have returned (committed or failed)

    def run(self, name: str, now: datetime | None = None) -> int | None:
        self.ran.append(name)
        try:
            return super().run(name, now)
        finally:
            self.done.append(name)


def _clear_jobstore(factory: sessionmaker[Session]) -> Engine:
    engine: Engine = factory.kw["bind"]
    if inspect(engine).has_table(JOBSTORE_TABLE):
        with engine.begin() as conn:
            conn.execute(sql(f"DELETE FROM {JOBSTORE_TABLE}"))
    return engine


def _stored(engine: Engine) -> dict[str, datetime | None]:
    return stored_next_runs(engine)


def _wait_until(cond: Any, seconds: float = 20) -> None:
    deadline = systime.monotonic() + seconds
    while systime.monotonic() < deadline:
        if cond():
            return
        systime.sleep(0.1)
    raise AssertionError("timed out")


def test_jobs_missed_while_down_run_once_and_two_schedulers_never_both_fire(factory, world) -> None:  # type: ignore[no-untyped-def]
    """A scheduler ran, then none for two days (its stored jobs are two days late); two are
    started together: one leads and runs every missed job once, the other stands by."""
    _hazards(factory)
    engine = _clear_jobstore(factory)
    cfg = _cfg()
    friday = L(2026, 11, 27, 10)
    ttl = timedelta(minutes=2)
    first = LeadingScheduler(cfg, CountingRunner(factory, SETTINGS, lease_ttl=ttl, holder="old",
                                                 clock=lambda: friday), engine)
    assert first.step() and first.leading
    stored = _stored(engine)
    assert set(stored) == {"deadlines", "acknowledgements", "weekly", "weekly_overdue", "monthly",
                           "inspections", "retention"}
    job = first.scheduler.get_job("acknowledgements")  # type: ignore[union-attr]
    assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1
    # Down for two days: the stored jobs' next runs are then two days past (the 15-minute
    # acknowledgement sweep alone missed some 190 runs). Written through APScheduler, which
    # keeps the time both in its column and in the pickled job.
    first.scheduler.pause()  # type: ignore[union-attr]
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    for job_id in stored:
        first.scheduler.modify_job(job_id, next_run_time=two_days_ago)  # type: ignore[union-attr]
    first.stop()
    assert all(at is not None and at < two_days_ago + M for at in _stored(engine).values())

    runners = [CountingRunner(factory, SETTINGS, lease_ttl=ttl, holder=h, clock=lambda: friday)
               for h in ("a", "b")]
    leaders = [LeadingScheduler(cfg, r, engine) for r in runners]
    barrier = threading.Barrier(2)

    def start(leader: LeadingScheduler) -> None:
        barrier.wait()
        leader.step()

    threads = [threading.Thread(target=start, args=(lead,)) for lead in leaders]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [lead.leading for lead in leaders].count(True) == 1
        now = datetime.now(UTC)
        _wait_until(lambda: all(at is not None and at > now for at in _stored(engine).values()))
        # The stored next runs move on when APScheduler submits a job, not when its sweep has
        # committed: wait for every sweep to return (the weekly one computes the figures).
        _wait_until(lambda: len(runners[0].done) + len(runners[1].done) >= len(stored))
        ran = runners[0].ran + runners[1].ran
        assert sorted(ran) == sorted(stored)  # every missed job once, by the leader only
        assert not (runners[0].ran and runners[1].ran)
        assert len(rows(factory, R.WEEKLY_STATS)) == 5 and len(rows(factory, R.ACK_OVERDUE)) == 2
        keys = [m.key for m in rows(factory)]
        assert len(keys) == len(set(keys))
        # The stand-by steps again: still standing by, nothing fired.
        standby = next(lead for lead in leaders if not lead.leading)
        assert not standby.step() and standby.runner.ran == []  # type: ignore[attr-defined]
        # The leader stops cleanly: the stand-by takes over at once, with the stored jobs.
        leader = next(lead for lead in leaders if lead.leading)
        leader.stop()
        assert standby.step() and standby.leading
        assert set(_stored(engine)) == set(stored)
    finally:
        for lead in leaders:
            lead.stop()


def test_a_leader_that_lost_its_lease_stops_firing(factory, world) -> None:  # type: ignore[no-untyped-def]
    engine = _clear_jobstore(factory)
    cfg = _cfg()
    t = L(2026, 11, 24, 10)
    ttl = timedelta(minutes=2)
    clocks = {"a": t, "b": t}
    a, b = (LeadingScheduler(cfg, SweepRunner(factory, SETTINGS, lease_ttl=ttl, holder=h,
                                               clock=lambda h=h: clocks[h]), engine) for h in "ab")  # type: ignore[misc]
    try:
        assert a.step() and not b.step() and b.scheduler is None
        # a stalls past its lease; b takes over; a notices at its next heartbeat and stops.
        clocks["b"] = t + ttl + M
        assert b.step() and b.leading
        clocks["a"] = t + ttl + 2 * M
        assert not a.step() and a.scheduler is None and b.leading
        assert set(_stored(engine)) == {spec.id for spec in job_specs(cfg)}
    finally:
        a.stop()
        b.stop()


def test_a_changed_timetable_reschedules_only_what_changed(factory, world) -> None:  # type: ignore[no-untyped-def]
    engine = _clear_jobstore(factory)
    cfg = _cfg()
    ttl = timedelta(minutes=2)
    first = LeadingScheduler(cfg, SweepRunner(factory, SETTINGS, lease_ttl=ttl, holder="x"), engine)
    assert first.step()
    first.scheduler.pause()  # type: ignore[union-attr]
    past = datetime.now(UTC) - timedelta(hours=3)
    for job_id in ("weekly", "monthly"):
        first.scheduler.modify_job(job_id, next_run_time=past)  # type: ignore[union-attr]
    first.stop()
    cfg["scheduler"]["weekly_at"] = "08:30"  # the operator moved the weekly reminder
    second = LeadingScheduler(cfg, SweepRunner(factory, SETTINGS, lease_ttl=ttl, holder="y"), engine)
    try:
        second.step()
        assert second.scheduler is not None
        weekly = second.scheduler.get_job("weekly")
        assert "minute='30'" in str(weekly.trigger) and weekly.next_run_time > datetime.now(UTC)
        assert weekly.args[0] == "y"  # every stored job now runs through this scheduler
    finally:
        second.stop()


def test_the_job_store_table_is_apschedulers_not_alembics(empty_engine) -> None:  # type: ignore[no-untyped-def]
    """APScheduler creates ``apscheduler_jobs`` itself; migrations neither create nor drop it."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from bot.migrate import include_object, upgrade
    from bot.models import Base

    upgrade(empty_engine)
    SQLAlchemyJobStore(engine=empty_engine, tablename=JOBSTORE_TABLE).jobs_t.create(empty_engine)
    with empty_engine.connect() as conn:
        plain = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert any(d[0] == "remove_table" for d in plain)  # unfiltered, autogenerate would drop it
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        assert compare_metadata(ctx, Base.metadata) == []


def test_cli_status_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    out = runner.invoke(args=["scheduler", "status"])
    assert out.exit_code == 0, out.output
    assert "weekly" in out.output and "next 20" in out.output and "lease: never taken" in out.output
    with app.extensions["session_factory"]() as session:
        outbox.queue_message(session, key="x", openid="o1", kind="campaign", text="t", now=L(2026, 11, 24))
        session.add(OutboxMessage(key="y", openid="o2", kind="campaign", text="t", status="failed",
                                  attempts=6, next_attempt_at=L(2026, 11, 24), created_at=L(2026, 11, 24),
                                  last_error="WeChat refused"))
        session.commit()
    # Once a scheduler has led, the stored next runs are shown; a missed one is flagged.
    engine = _clear_jobstore(app.extensions["session_factory"])
    leader = LeadingScheduler(app.config["HAZARDBOT"], SweepRunner(
        app.extensions["session_factory"], SETTINGS, lease_ttl=timedelta(minutes=2), holder="cli"), engine)
    assert leader.step()
    leader.scheduler.pause()  # type: ignore[union-attr]
    leader.scheduler.modify_job("monthly", next_run_time=datetime.now(UTC) - timedelta(days=1))  # type: ignore[union-attr]
    leader.stop()
    out = runner.invoke(args=["scheduler", "status"])
    assert "job store: empty" not in out.output and "lease: expired by cli" in out.output
    [monthly] = [line for line in out.output.splitlines() if line.startswith("monthly")]
    assert "missed: runs once" in monthly
    out = runner.invoke(args=["outbox", "status"])
    assert out.exit_code == 0, out.output
    assert "pending  1" in out.output and "failed   1" in out.output and "WeChat refused" in out.output


def test_jobs_of_one_scheduler_starting_together_all_find_the_lease_theirs(factory) -> None:  # type: ignore[no-untyped-def]
    """At start-up every sweep runs at once; none may be skipped for racing its own siblings."""
    import threading

    now = L(2026, 11, 24, 9)
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def take() -> None:
        barrier.wait()
        with factory() as session:
            results.append(leases.acquire(session, "race", "me", now=now, ttl=timedelta(minutes=2)))

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 6
    with factory() as session:
        assert not leases.acquire(session, "race", "someone else", now=now, ttl=timedelta(minutes=2))


def test_a_message_given_up_on_shows_as_failed_in_outbox_status(  # type: ignore[no-untyped-def]
    app: Flask, world, fake_wechat, caplog
) -> None:
    """The app's own worker against a WeChat that stays down: it tries max_attempts times,
    logs an error, and the operator's ``flask outbox status`` shows the failure and why."""
    from bot.services.platform.clock import utcnow

    factory = app.extensions["session_factory"]
    with factory() as session:
        user = session.get(User, world.county)
        assert user is not None
        user.last_inbound_at = utcnow()
        outbox.queue_message(session, key="doomed", openid=user.openid, kind="new_report",
                             text="新报告", now=utcnow())
        session.commit()
    fake_wechat.set_down(True)
    worker = app.extensions["worker"]
    deadline = systime.monotonic() + 20
    with caplog.at_level(logging.ERROR):
        while systime.monotonic() < deadline and rows(factory)[0].status == "pending":
            worker.run_once()
            systime.sleep(0.05)
    [m] = rows(factory)
    assert (m.status, m.attempts) == ("failed", app.config["HAZARDBOT"]["jobs"]["max_attempts"])
    assert "failed for good" in caplog.text
    out = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert "failed   1" in out.output and "doomed" not in out.output and "new_report" in out.output
    assert "WeChat" in out.output  # the reason, as the sender recorded it
    fake_wechat.set_down(False)
    worker.run_once()
    assert fake_wechat.sent_messages(m.openid) == []  # given up means not sent later by surprise
