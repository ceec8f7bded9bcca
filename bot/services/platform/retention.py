"""Data retention: forget what only the plumbing needed, so it cannot re-identify reporters.

An anonymous hazard stores no reporter (``reports.submit_report``), but the plumbing around a
chat message does: the inbound log holds the sender's openid and the second his message
came, the dialogue row and ``users.last_inbound_at`` the time of his last message, the outbox
the messages he was sent. Set beside an anonymous hazard's ``reported_at`` (or the enterprise
QR code he scanned, whose scene the inbound log's event key hashes), any of them names him.
This module deletes or blanks those rows once their purpose has passed. Hazards, their
events, photos, penalties and the audit of looks at a reporter (``identity_accesses``) are
records, not plumbing, and are never touched here.

What goes when, and why it is safe (``[retention]`` in the config):

- ``inbound_messages`` (MsgId de-duplication) are deleted after ``inbound_hours``. WeChat
  retries a message within about 15 s; a replay later than ``wechat.timestamp_tolerance_seconds``
  is refused by the signature check before the log is read; so the log is needed for minutes.
  The setting must exceed the tolerance (checked), and the default 48 h leaves operators time
  to investigate. The reply text (it may hold a query code) goes much sooner, after 10 min
  (``inbound.purge_old_replies``, run by the worker).
- ``conversations`` in the idle state are deleted ``conversation_days`` after their last move;
  a missing row is an idle dialogue (``conversations.load``), so nothing changes for the user.
  A dialogue still in progress is first ended by ``conversations.expire_idle`` (which tells
  the person), then deleted like any idle one.
- ``users.last_inbound_at`` is cleared once ``outbox.service_window_hours`` have passed: it is
  only used to tell whether WeChat still allows a customer-service message, and past the window
  an empty value answers the same ("no"). ``users.created_at`` stays (residual risk, see
  docs/security.md).
- ``outbox`` rows that were sent or failed keep their key, kind, status, channel, attempts and
  times, but lose their text and recipient openid after ``outbox_days``. The rows themselves
  are **never deleted**: their unique keys are what stops a sweep from sending a reminder
  again, and several keys carry no date that would make them expire: ``ack_overdue:<number>``
  and ``ack_escalate:<number>`` are re-queued by every acknowledgement sweep while the report
  stays unacknowledged, ``overdue_county|city:<number>:<deadline>`` by every deadline sweep
  while the hazard stays overdue, however long that is. Deleting only rows older than
  ``scheduler.catchup_hours`` would therefore not be enough; a blanked row is a few dozen
  bytes. Pending rows are never touched, and ``outbox_days`` may not be shorter than the
  service window, whose quota is counted from the sent rows' recipients.
- ``jobs`` done or failed are deleted after ``jobs_days``: a job's key (``photo:<attachment
  id>``) is enqueued once, when its photo arrives, and never again.
- ``dev_media`` (dev mode's simulated WeChat media) after ``dev_media_days``: WeChat's own
  temporary media expire after 3 days.
- ``api_idempotency_keys`` after ``api.idempotency_hours``, the time they answer retries for
  (``idempotency.IdempotencyKeys.find`` ignores older rows anyway); ``rate_limit_counters``
  once their window (``api.rate_window_seconds``) is over. Both are keyed by HMACs; they go
  because whoever holds the app secret could recompute the HMACs user by user.

How: every rule is a condition over an indexed column, except two small tables: dev media
(dev mode only) and rate counters (one window's worth, pruned by the limiter as it goes).
Rows are picked in batches of ``batch_size`` primary keys and each batch is deleted or
blanked in its own short transaction, with the condition checked again in the statement (a dialogue that moved
between the pick and the delete is not deleted), so a large backlog never holds a lock on a
table for long and concurrent chat traffic goes on. One run does at most ``max_batches``
batches per table (100 000 rows by default); a larger backlog, e.g. on the first run after an
upgrade, is worked off over the following runs. Blanked outbox rows leave the range the
index ``ix_outbox_openid_created`` is scanned over (``openid > ''``), so a run reads only the
rows not yet blanked (about ``outbox_days`` of traffic), however large the outbox grows.

Not in the database, hence not here: the journal (access lines log the path without the query
string and never an openid, ``bot/logs.py``), nginx's access log (which must not log the query
string of ``/wechat``), console sessions (signed cookies, nothing server-side) and Redis rate
counters (they expire by themselves).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from bot.models import (
    ApiIdempotencyKey,
    Conversation,
    DevMedia,
    InboundMessage,
    Job,
    OutboxMessage,
    RateLimitCounter,
    User,
)
from bot.services.platform.dml import affected_rows

log = logging.getLogger(__name__)

IDLE = "idle"  # bot.handlers.core.State.IDLE; the handlers are not imported into a service


@dataclass(frozen=True)
class RetentionSettings:
    """How long each kind of row is kept (``[retention]``, and a few keys of other sections)."""

    inbound: timedelta = timedelta(hours=48)
    conversations: timedelta = timedelta(days=2)
    outbox: timedelta = timedelta(days=30)
    jobs: timedelta = timedelta(days=7)
    dev_media: timedelta = timedelta(days=3)
    idempotency: timedelta = timedelta(hours=24)  # api.idempotency_hours
    rate_window: timedelta = timedelta(hours=1)  # api.rate_window_seconds
    service_window: timedelta = timedelta(hours=48)  # outbox.service_window_hours
    batch_size: int = 500
    # Batches per table and run: a huge backlog is worked off over several runs, and a rule
    # whose change left its rows matching its own condition cannot loop for ever.
    max_batches: int = 200

    @classmethod
    def from_config(cls, config: Mapping[str, Mapping[str, Any]]) -> RetentionSettings:
        """Read and check the settings; a value that would break de-duplication is refused."""
        from bot.config import ConfigError

        r = config["retention"]
        for key in ("every_minutes", "inbound_hours", "conversation_days", "outbox_days", "jobs_days",
                    "dev_media_days", "batch_size"):
            if r[key] < 1:
                raise ConfigError(f"retention.{key} must be at least 1, not {r[key]!r}")
        tolerance = config["wechat"]["timestamp_tolerance_seconds"]
        if r["inbound_hours"] * 3600 <= tolerance:
            raise ConfigError(
                "retention.inbound_hours must be longer than wechat.timestamp_tolerance_seconds "
                "(a replay within the tolerance must still find its message in the log)")
        window = config["outbox"]["service_window_hours"]
        if r["outbox_days"] * 24 < window:
            raise ConfigError("retention.outbox_days must not be shorter than outbox.service_window_hours "
                              "(the window's quota is counted from the sent messages)")
        return cls(
            inbound=timedelta(hours=r["inbound_hours"]),
            conversations=timedelta(days=r["conversation_days"]),
            outbox=timedelta(days=r["outbox_days"]),
            jobs=timedelta(days=r["jobs_days"]),
            dev_media=timedelta(days=r["dev_media_days"]),
            idempotency=timedelta(hours=config["api"]["idempotency_hours"]),
            rate_window=timedelta(seconds=config["api"]["rate_window_seconds"]),
            service_window=timedelta(hours=window),
            batch_size=int(r["batch_size"]),
        )


@dataclass(frozen=True)
class Rule:
    """One table's retention: which rows (an indexed condition), and delete or blank them."""

    name: str
    table: str
    action: str  # "delete" | "blank"
    keys: tuple[Any, ...]  # the primary key's columns
    where: Callable[[datetime, RetentionSettings], list[ColumnElement[bool]]]
    values: dict[str, Any] | None = None  # for "blank": what the columns become
    note: str = ""

    def pick(self, now: datetime, settings: RetentionSettings) -> Select[Any]:
        return select(*self.keys).where(*self.where(now, settings))

    def apply(self, session: Session, picked: list[Any], now: datetime, settings: RetentionSettings) -> int:
        """Delete or blank the picked rows that still match (checked again in the statement)."""
        model = self.keys[0].class_
        if len(self.keys) == 1:
            which = self.keys[0].in_([row[0] for row in picked])
        else:
            which = tuple_(*self.keys).in_([tuple(row) for row in picked])
        if self.action == "delete":
            stmt: Any = delete(model).where(which, *self.where(now, settings))
        else:
            stmt = update(model).where(which, *self.where(now, settings)).values(**(self.values or {}))
        result = session.execute(stmt.execution_options(synchronize_session=False))
        return affected_rows(result)


RULES: tuple[Rule, ...] = (
    Rule("inbound", "inbound_messages", "delete", (InboundMessage.id,),
         lambda now, s: [InboundMessage.received_at < now - s.inbound],
         note="MsgId 去重日志（含发送人 openid 和时间）"),
    Rule("conversations", "conversations", "delete", (Conversation.id,),
         lambda now, s: [Conversation.state == IDLE, Conversation.updated_at < now - s.conversations],
         note="空闲的对话状态"),
    Rule("last_inbound", "users.last_inbound_at", "blank", (User.id,),
         lambda now, s: [User.last_inbound_at < now - s.service_window],
         values={"last_inbound_at": None}, note="用户最后一条消息的时间（客服消息窗口已过）"),
    Rule("outbox", "outbox", "blank", (OutboxMessage.id,),
         lambda now, s: [OutboxMessage.openid > "", OutboxMessage.created_at < now - s.outbox,
                         OutboxMessage.status.in_(("sent", "failed"))],
         values={"openid": "", "text": ""}, note="已发送或失败消息的正文和接收人（唯一键保留）"),
    Rule("jobs", "jobs", "delete", (Job.id,),
         lambda now, s: [Job.status.in_(("done", "failed")), Job.run_after < now - s.jobs],
         note="已完成或失败的后台任务"),
    Rule("dev_media", "dev_media", "delete", (DevMedia.media_id,),
         lambda now, s: [DevMedia.created_at < now - s.dev_media], note="开发模式的模拟素材"),
    Rule("idempotency", "api_idempotency_keys", "delete", (ApiIdempotencyKey.id,),
         lambda now, s: [ApiIdempotencyKey.created_at < now - s.idempotency], note="小程序上传幂等键"),
    Rule("rate_limits", "rate_limit_counters", "delete",
         (RateLimitCounter.key, RateLimitCounter.window_start),
         lambda now, s: [RateLimitCounter.window_start < now - s.rate_window], note="已结束窗口的限流计数"),
)


def pending(session: Session, *, now: datetime, settings: RetentionSettings) -> dict[str, int]:
    """How many rows each rule would delete or blank now (``--dry-run``); changes nothing."""
    return {
        rule.name: session.scalar(select(func.count()).select_from(rule.pick(now, settings).subquery())) or 0
        for rule in RULES
    }


def run(session: Session, *, now: datetime, settings: RetentionSettings) -> dict[str, int]:
    """Apply every rule in batches, committing after each batch; how many rows each changed.

    Commits (unlike the reminder sweeps): a batch is meant to be a transaction of its own.
    """
    done: dict[str, int] = {}
    for rule in RULES:
        total = 0
        for _ in range(settings.max_batches):
            picked = list(session.execute(rule.pick(now, settings).limit(settings.batch_size)))
            if not picked:
                break
            changed = rule.apply(session, picked, now, settings)
            session.commit()
            total += changed
            if len(picked) < settings.batch_size or not changed:
                break  # the last batch (or rows that no longer match: leave them to the next run)
        done[rule.name] = total
        if total:
            log.info("retention: %s %s rows of %s", rule.action, total, rule.table)
    return done
