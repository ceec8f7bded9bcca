"""Data retention on a controllable clock: old plumbing goes, recent rows and records stay,
de-duplication and reminders keep working, and an anonymous report keeps nothing that leads
back to its sender's openid."""

from __future__ import annotations

import itertools
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import inbound_log
from bot.chat.channel import ChatSettings, process_message
from bot.config import ConfigError, load_config
from bot.handlers.core import State
from bot.handlers.incoming import Incoming
from bot.models import (
    ApiIdempotencyKey,
    Base,
    Conversation,
    DevMedia,
    Hazard,
    InboundMessage,
    Job,
    OutboxMessage,
    RateLimitCounter,
    User,
)
from bot.services.messaging import outbox
from bot.services.platform import retention
from bot.services.platform.clock import utcnow
from bot.services.platform.retention import RetentionSettings
from bot.services.reminders.settings import ReminderSettings
from tests.common.db_search import mentions
from tests.common.factories import ENTERPRISE, enterprise, make_hazard, make_user
from tests.common.schedule_clock import L, rows, sweep

H = timedelta(hours=1)
D = timedelta(days=1)
NOW = L(2026, 11, 24, 10)
SMALL_BATCHES = RetentionSettings(batch_size=2)  # several batches from a handful of rows
_msg_ids = itertools.count(7_000_000_000)


class Recorder:
    """A messenger that records what it was asked to send (a test double for WeChat)."""

    channel = "dev_inbox"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_text(self, openid: str, text: str) -> None:
        self.sent.append((openid, text))


def _deliver(factory: sessionmaker[Session], messenger: Recorder, now: datetime) -> int:
    return outbox.deliver_pending(factory, messenger, now=now, max_attempts=6, backoff_seconds=30)


def _retain(factory: sessionmaker[Session], now: datetime,
            settings: RetentionSettings = SMALL_BATCHES) -> dict[str, int]:
    with factory() as session:
        return retention.run(session, now=now, settings=settings)


def _count(factory: sessionmaker[Session], model: Any, *where: Any) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- what goes, what stays --------------------------------------------------------------------


def _seed(session: Session, user: User, at: datetime, tag: str) -> None:
    """One row of every kind retention looks after, all dated ``at``."""
    session.add(InboundMessage(dedupe_key=f"msg:{tag}", openid=user.openid, msg_type="text",
                               received_at=at, reply=None))
    session.add(OutboxMessage(key=f"k:{tag}", openid=user.openid, kind="campaign", text=f"正文{tag}",
                              status="sent", channel="wechat", next_attempt_at=at, created_at=at,
                              sent_at=at))
    session.add(Job(kind="fetch_photo", key=f"photo:{tag}", payload={}, status="done", run_after=at,
                    created_at=at))
    session.add(DevMedia(media_id=f"M{tag}", content_type="image/jpeg", data=b"x", created_at=at))
    session.add(ApiIdempotencyKey(key_hash=f"h{tag}", fingerprint="f", status_code=201, response=b"",
                                  created_at=at))
    session.add(RateLimitCounter(key=f"user:{tag}", window_start=at, count=1))


def test_old_plumbing_goes_in_batches_and_recent_rows_and_records_stay(factory, world) -> None:  # type: ignore[no-untyped-def]
    assert retention.IDLE == State.IDLE.value  # the service names the handlers' state itself
    with factory() as session:
        old_users = [make_user(session) for _ in range(5)]
        recent = make_user(session)
        busy = make_user(session)  # in the middle of a report, idle for days (expire_idle's turn)
        for i, user in enumerate(old_users):
            _seed(session, user, NOW - 40 * D, f"old{i}")
            session.add(Conversation(user_id=user.id, state="idle", data={"draft": {}},
                                     updated_at=NOW - 3 * D))
            user.last_inbound_at = NOW - 3 * D
        _seed(session, recent, NOW - H, "recent")
        session.add(Conversation(user_id=recent.id, state="idle", data={}, updated_at=NOW - H))
        recent.last_inbound_at = NOW - H
        session.add(Conversation(user_id=busy.id, state="description", data={}, updated_at=NOW - 3 * D))
        session.add(OutboxMessage(key="k:pending", openid=busy.openid, kind="campaign", text="待发",
                                  status="pending", next_attempt_at=NOW, created_at=NOW - 40 * D))
        hazard = make_hazard(session, enterprise=enterprise(session, ENTERPRISE), reported_at=NOW - 400 * D)
        session.commit()
        old_ids = [u.id for u in old_users]

    with factory() as session:
        assert retention.pending(session, now=NOW, settings=SMALL_BATCHES) == {
            "inbound": 5, "conversations": 5, "last_inbound": 5, "outbox": 5, "jobs": 5,
            "dev_media": 5, "idempotency": 5, "rate_limits": 5,
        }
    assert _count(factory, InboundMessage) == 6  # a dry run changes nothing

    assert _retain(factory, NOW) == {
        "inbound": 5, "conversations": 5, "last_inbound": 5, "outbox": 5, "jobs": 5,
        "dev_media": 5, "idempotency": 5, "rate_limits": 5,
    }
    with factory() as session:
        assert session.scalars(select(InboundMessage.dedupe_key)).all() == ["msg:recent"]
        assert session.scalars(select(Job.key)).all() == ["photo:recent"]
        assert session.scalars(select(DevMedia.media_id)).all() == ["Mrecent"]
        assert session.scalars(select(ApiIdempotencyKey.key_hash)).all() == ["hrecent"]
        assert session.scalars(select(RateLimitCounter.key)).all() == ["user:recent"]
        assert {c.user_id for c in session.scalars(select(Conversation))} == {recent.id, busy.id}
        assert all(session.get(User, i).last_inbound_at is None for i in old_ids)  # type: ignore[union-attr]
        assert session.get(User, recent.id).last_inbound_at is not None  # type: ignore[union-attr]
        # Outbox rows all stay (their keys stop double sends); old settled ones lose body and recipient.
        by_key = {m.key: m for m in session.scalars(select(OutboxMessage))}
        assert len(by_key) == 7
        for i in range(5):
            m = by_key[f"k:old{i}"]
            assert (m.openid, m.text, m.status, m.kind) == ("", "", "sent", "campaign")
            assert m.sent_at is not None
        assert by_key["k:recent"].text == "正文recent" and by_key["k:recent"].openid == recent.openid
        assert by_key["k:pending"].openid == busy.openid  # not sent yet: untouched
        assert session.get(Hazard, hazard.id) is not None  # records are never retention's business

    # A second run finds nothing left to do.
    assert set(_retain(factory, NOW).values()) == {0}


def test_a_backlog_is_worked_off_over_several_runs(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        user = make_user(session)
        for i in range(7):
            session.add(InboundMessage(dedupe_key=f"msg:{i}", openid=user.openid, msg_type="text",
                                       received_at=NOW - 3 * D))
        session.commit()
    one_batch = RetentionSettings(batch_size=3, max_batches=1)
    assert [_retain(factory, NOW, one_batch)["inbound"] for _ in range(4)] == [3, 3, 1, 0]


# --- de-duplication within the window ----------------------------------------------------------


class Chat:
    """Messages through ``process_message`` (what /wechat calls) with a clock we set."""

    def __init__(self, factory: sessionmaker[Session], openid: str) -> None:
        self.factory = factory
        self.openid = openid
        self.now = NOW

    def send(self, text: str, *, msg_id: str | None = None) -> tuple[str, str]:
        """Send ``text`` (or retry ``msg_id``); returns the reply and the MsgId."""
        msg_id = msg_id or str(next(_msg_ids))
        msg = Incoming(openid=self.openid, kind="text", create_time=int(self.now.timestamp()),
                       msg_id=msg_id, text=text)
        return process_message(self.factory, msg, now=self.now, settings=ChatSettings()), msg_id

    def anonymous_report(self) -> tuple[str, str]:
        """A whole anonymous report; the confirmation's reply and MsgId."""
        for text in ("举报", "晋钢", "1", "炼钢车间除尘管道积灰严重，未定期清理", "跳过", "跳过", "2", "2"):
            self.send(text)
            self.now += timedelta(seconds=20)
        reply, msg_id = self.send("确认")
        assert "查询码" in reply, reply
        return reply, msg_id


def test_a_retry_within_the_window_gets_the_first_reply_and_acts_once(factory, world) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(factory, "o_retry_0001")
    first, msg_id = chat.anonymous_report()

    chat.now += 5 * timedelta(minutes=1)  # WeChat's retries come within seconds
    _retain(factory, chat.now)
    assert chat.send("确认", msg_id=msg_id)[0] == first
    assert _count(factory, Hazard) == 1

    # Hours later the reply (it holds the query code) is gone, but the message is still known:
    # a retry is answered with nothing, and still acts once.
    chat.now += 47 * H
    with factory() as session:
        inbound_log.purge_old_replies(session, now=chat.now)
        session.commit()
    _retain(factory, chat.now)
    assert chat.send("确认", msg_id=msg_id)[0] == ""
    assert _count(factory, Hazard) == 1

    # Past inbound_hours the log is gone (a replay that old fails the timestamp check first).
    chat.now += 2 * H
    _retain(factory, chat.now)
    assert _count(factory, InboundMessage, InboundMessage.openid == chat.openid) == 0


def test_every_message_of_a_known_sender_moves_his_customer_service_window(factory, world) -> None:  # type: ignore[no-untyped-def]
    """Officers' notices may reach a person for 48 h after his last message: a later message
    moves that time on (the sender is read with his dialogue row and attached, not loaded by
    the ORM; his change must still be written)."""
    chat = Chat(factory, "o_window_0001")
    assert chat.send("帮助")[0]
    chat.now += 30 * H
    assert chat.send("帮助")[0]
    with factory() as session:
        user = session.scalars(select(User).where(User.openid == chat.openid)).one()
        assert user.last_inbound_at == chat.now


# --- no double reminder ------------------------------------------------------------------------


def test_blanked_reminders_are_not_sent_again_by_later_sweeps(factory, world) -> None:  # type: ignore[no-untyped-def]
    """Undated keys (``ack_overdue:<number>``, ``overdue_county:<number>:<deadline>``) are
    queued again by every sweep while the hazard stays in its state: the blanked rows must
    keep stopping them, months later."""
    start = L(2026, 11, 2, 10)  # a Monday
    with factory() as session:
        ent = enterprise(session, ENTERPRISE)
        unacknowledged = make_hazard(session, enterprise=ent, state="submitted", reported_at=start - 2 * D)
        unacknowledged.ack_due_at = start - D
        make_hazard(session, enterprise=ent, state="rectifying").deadline = (start - 10 * D).date()
        session.commit()
    messenger = Recorder()
    settings = ReminderSettings()
    sweep(factory, start, settings, ("acknowledgements", "deadlines"))
    _deliver(factory, messenger, start)
    kinds = ("ack_overdue", "ack_escalate", "overdue_county", "overdue_city")
    once = {m.key for m in rows(factory, *kinds)}
    assert {k.split(":")[0] for k in once} == set(kinds)

    later = start + 58 * D  # a Wednesday: the overdue sweeps run on working days
    _retain(factory, later, RetentionSettings())
    blanked = rows(factory, *kinds)
    assert {m.key for m in blanked} == once and all(m.openid == m.text == "" for m in blanked)
    sent_before = len(messenger.sent)
    for day in range(3):  # the same sweeps, on the following days
        now = later + day * D
        sweep(factory, now, settings, ("acknowledgements", "deadlines"))
        _deliver(factory, messenger, now)
    again = rows(factory, *kinds)
    assert {m.key for m in again} == once
    assert not [t for _, t in messenger.sent[sent_before:] if "受理超时" in t or "逾期升级" in t]


# --- the anonymous reporter --------------------------------------------------------------------


def test_an_anonymous_report_keeps_no_trace_of_the_openid_after_the_retention_window(factory, world) -> None:  # type: ignore[no-untyped-def]
    openid = "o_anon_whistle_0001"
    chat = Chat(factory, openid)
    reply, _ = chat.anonymous_report()
    number = re.search(r"YH\d+", reply).group(0)  # type: ignore[union-attr]
    chat.now += timedelta(minutes=1)
    chat.send("谢谢")  # he goes on chatting a little; the dialogue row moves with him
    _deliver(factory, Recorder(), chat.now)

    with factory() as session:
        # Before: the plumbing ties him to the report's time.
        assert set(mentions(session, openid)) >= {"users.openid", "inbound_messages.openid"}
        user_id = session.scalars(select(User.id).where(User.openid == openid)).one()

    later = chat.now + 3 * D
    with factory() as session:
        inbound_log.purge_old_replies(session, now=later)
        session.commit()
    _retain(factory, later, RetentionSettings())

    with factory() as session:
        assert mentions(session, openid) == ["users.openid"]  # the person exists; nothing more
        user = session.get(User, user_id)
        assert user is not None and user.last_inbound_at is None
        assert session.scalar(select(Conversation).where(Conversation.user_id == user_id)) is None
        hazard = session.scalars(select(Hazard).where(Hazard.number == number)).one()
        assert hazard.anonymous and hazard.reporter_id is None
        # No row that still names the user's id carries a time near the report (only
        # users.created_at: the residual risk docs/security.md states).
        for table in Base.metadata.sorted_tables:
            refs = [c for c in table.columns if any(fk.column.table.name == "users" for fk in c.foreign_keys)]
            for col in refs:
                linked = session.execute(select(table).where(col == user_id)).first()
                assert linked is None, f"{table.name}.{col.name}"


def test_a_retried_scan_is_logged_without_the_senders_openid(factory, world, caplog) -> None:  # type: ignore[no-untyped-def]
    """Events have no MsgId: their de-duplication key holds the openid, and must stay out of logs."""
    openid = "o_gate_scanner_0002"
    scan = Incoming(openid=openid, kind="event", create_time=int(NOW.timestamp()), event="subscribe",
                    event_key="qrscene_nosuchcode")
    with caplog.at_level(logging.DEBUG):
        first = process_message(factory, scan, now=NOW, settings=ChatSettings())
        again = process_message(factory, scan, now=NOW + timedelta(seconds=5), settings=ChatSettings())
    assert first == again and "answered from the log" in caplog.text
    assert openid not in caplog.text


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"retention": {"inbound_hours": 1}, "wechat": {"timestamp_tolerance_seconds": 3600}}, "inbound_hours"),
    ({"retention": {"outbox_days": 1}, "outbox": {"service_window_hours": 48}}, "outbox_days"),
    ({"retention": {"batch_size": 0}}, "batch_size"),
])
def test_settings_that_would_break_deduplication_are_refused(overrides: dict[str, dict[str, Any]],
                                                           message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RetentionSettings.from_config(load_config(environ={}, overrides=overrides))


def test_settings_come_from_the_config() -> None:
    cfg = load_config(environ={}, overrides={"retention": {"inbound_hours": 6, "outbox_days": 10},
                                             "api": {"idempotency_hours": 12}})
    s = RetentionSettings.from_config(cfg)
    assert (s.inbound, s.outbox, s.idempotency, s.conversations) == (6 * H, 10 * D, 12 * H, 2 * D)


# --- the scheduler's job and the command -------------------------------------------------------


def test_the_scheduler_runs_retention_under_its_lease(factory, world) -> None:  # type: ignore[no-untyped-def]
    from scheduler.runner import RETENTION, SweepRunner, job_specs

    cfg = load_config(environ={}, overrides={"retention": {"every_minutes": 30}})
    spec = next(s for s in job_specs(cfg) if s.id == RETENTION)
    assert spec.sweep == RETENTION and spec.trigger.interval == timedelta(minutes=30)  # type: ignore[attr-defined]
    with factory() as session:
        user = make_user(session)
        session.add(InboundMessage(dedupe_key="msg:1", openid=user.openid, msg_type="text",
                                   received_at=NOW - 3 * D))
        session.commit()
    ttl = timedelta(minutes=2)
    leader = SweepRunner(factory, ReminderSettings(), lease_ttl=ttl, holder="a")
    standby = SweepRunner(factory, ReminderSettings(), lease_ttl=ttl, holder="b")
    assert leader.run(RETENTION, NOW) == 1
    assert standby.run(RETENTION, NOW) is None  # another scheduler holds the lease
    assert _count(factory, InboundMessage) == 0


def test_flask_retention_run_prints_what_it_would_remove_then_removes_it(app, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        user = make_user(session)
        old = utcnow() - 3 * D
        for i in range(2):
            session.add(InboundMessage(dedupe_key=f"msg:{i}", openid=user.openid, msg_type="text",
                                       received_at=old))
        session.add(OutboxMessage(key="k:1", openid=user.openid, kind="campaign", text="正文",
                                  status="sent", next_attempt_at=old, created_at=old - 40 * D))
        session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = {line.split()[0]: line.split()[1:4] for line in dry.output.splitlines()}
    assert lines["inbound_messages"] == ["would", "delete", "2"]
    assert lines["outbox"] == ["would", "blank", "1"]
    assert lines["conversations"][-1] == "0"
    assert _count(factory, InboundMessage) == 2

    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0, done.output
    lines = {line.split()[0]: line.split()[1:3] for line in done.output.splitlines()}
    assert lines["inbound_messages"] == ["deleted", "2"] and lines["outbox"] == ["blanked", "1"]
    assert _count(factory, InboundMessage) == 0
    assert _count(factory, OutboxMessage, OutboxMessage.openid == "") == 1
