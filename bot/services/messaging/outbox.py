"""The outbox: messages to people, queued with their cause and delivered by a worker.

A message is queued in the same transaction as the change that causes it, under a unique
key, so a rollback sends nothing and a retry, a restart or a second worker never sends twice.

With a ``DeliveryPolicy`` (live WeChat) the sender picks the channel WeChat allows: a
customer-service message while the user wrote within the service window (48 h) and fewer than
its quota (5) went out since, otherwise a template message, with the template configured for the
message's kind (or, with none configured, the message fails with that reason); and
reminders of a "quiet" kind wait out the night.

A mini-program user (openid ``mp:…``) can only get a subscribe message
(``bot.services.messaging.subscribe_messages``): one consent of his is taken for the kind's template
when the message is first claimed (remembered as ``channel = "subscribe"`` on the row, so a
retry after a WeChat error takes no second one, and one given up on returns it). Without a
template for the kind, or without a consent left, or when WeChat answers 43101 (the user
refused), the message is kept with status ``no_channel`` and the reason in ``last_error``:
never retried, since only a new consent could help and that is for a later message, and
listed by ``flask outbox status``. The user still sees his report's state in the
mini-program.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.models import OutboxMessage, User
from bot.services.messaging import subscribe_messages, subscriptions
from bot.services.messaging.jobs import DEFAULT_BACKOFF_MAX_SECONDS, retry_delay
from bot.services.messaging.subscribe_messages import SubscribeSettings
from bot.services.platform.clock import local, local_tz
from bot.services.platform.dml import affected_rows
from bot.services.platform.ports import DeliveryError, Messenger, RecipientRefused, SubscribeSender

log = logging.getLogger(__name__)

NO_TEMPLATE = ("outside the customer-service window (or past its quota) and no template id configured "
               "(templates.<kind> or outbox.template_id)")
NO_CHANNEL = "no_channel"  # status: could not be sent, and will not be tried again (why: last_error)
SUBSCRIBE = "subscribe"  # channel: a mini-program subscribe message (set once a consent is taken)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How to deliver: channel rules for live WeChat, quiet hours for reminders."""

    windowed: bool = False  # live WeChat: customer-service messages only within the window
    service_window: timedelta = timedelta(hours=48)
    window_quota: int = 5  # customer-service messages per user after his last message
    template_id: str = ""  # the fallback template
    templates: Mapping[str, str] = field(default_factory=dict)  # kind → template id
    text_channel: str = "wechat"  # the channel name customer-service messages are marked with
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_kinds: frozenset[str] = field(default_factory=frozenset)
    subscribe: SubscribeSettings = field(default_factory=SubscribeSettings)

    def held_until(self, kind: str, now: datetime) -> datetime | None:
        """The end of the quiet hours if ``kind`` must wait now, else None."""
        if kind not in self.quiet_kinds or self.quiet_start is None or self.quiet_end is None:
            return None
        start, end = self.quiet_start, self.quiet_end
        here = local(now)
        t = here.time()
        quiet = (start <= t or t < end) if start > end else (start <= t < end)
        if not quiet:
            return None
        day = here.date()
        if t >= end:  # evening: the quiet hours end tomorrow morning
            day += timedelta(days=1)
        return datetime.combine(day, end, tzinfo=local_tz()).astimezone(UTC)

    def template_for(self, kind: str) -> str:
        """The template id for messages of ``kind``: its own, else the fallback."""
        return self.templates.get(kind) or self.template_id

    def route(self, session: Session, openid: str, now: datetime, kind: str = "") -> str:
        """``text`` (customer service / dev inbox), ``template``, or ``none``.

        WeChat allows customer-service messages only within ``service_window`` of the user's
        last message, and only ``window_quota`` of them in that time (docs/design.md §7); past
        either limit a template message goes instead. The quota is counted from the outbox:
        the customer-service messages marked sent since his last message.
        """
        if not self.windowed:
            return "text"
        if openid.startswith(subscribe_messages.MP_PREFIX):
            return SUBSCRIBE  # a mini-program user: no chat window, no Official Account openid
        last = session.scalar(select(User.last_inbound_at).where(User.openid == openid))
        if last is not None and now - last < self.service_window:
            used = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.openid == openid, OutboxMessage.status == "sent",
                    OutboxMessage.channel == self.text_channel, OutboxMessage.sent_at >= last)
            ) or 0
            if used < self.window_quota:
                return "text"
        return "template" if self.template_for(kind) else "none"


# One statement (SQLite ≥ 3.35 and PostgreSQL spell it alike): a key already queued is left
# as it is. Not a savepoint around an ORM insert, which cost three round trips a message.
_QUEUE = text(
    f"INSERT INTO {OutboxMessage.__tablename__} "
    "(key, openid, kind, text, status, attempts, next_attempt_at, created_at) "
    "VALUES (:key, :openid, :kind, :text, 'pending', 0, :now, :now) "
    "ON CONFLICT (key) DO NOTHING RETURNING id"
).bindparams(bindparam("now", type_=OutboxMessage.__table__.c.created_at.type))  # stored as the ORM stores it


def queue_message(
    session: Session, *, key: str, openid: str, kind: str, text: str, now: datetime
) -> bool:
    """Queue a text for one user; False if a message with this key already exists."""
    queued = session.execute(_QUEUE, {"key": key, "openid": openid, "kind": kind, "text": text,
                                      "now": now}).first()
    return queued is not None


def deliver_pending(
    session_factory: sessionmaker[Session],
    messenger: Messenger,
    *,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
    backoff_max_seconds: float = DEFAULT_BACKOFF_MAX_SECONDS,
    limit: int = 100,
    policy: DeliveryPolicy | None = None,
    subscriber: SubscribeSender | None = None,
) -> int:
    """Send due messages; returns how many were sent.

    Each message is claimed by bumping its next attempt time first (committed), so a second
    worker skips it, and only then sent: a crash after sending and before marking can at
    worst re-send once after the lease, never lose a message.
    """
    sent = 0
    with session_factory() as session:
        due = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending")
            .where(OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    for message_id in due:
        if _deliver_one(session_factory, messenger, message_id, now, max_attempts,
                        (backoff_seconds, backoff_max_seconds),
                        policy or DeliveryPolicy(), subscriber):
            sent += 1
    return sent


def _deliver_one(
    session_factory: sessionmaker[Session],
    messenger: Messenger,
    message_id: int,
    now: datetime,
    max_attempts: int,
    backoff: tuple[float, float],
    policy: DeliveryPolicy,
    subscriber: SubscribeSender | None = None,
) -> bool:
    with session_factory() as session:
        kind = session.scalar(select(OutboxMessage.kind).where(OutboxMessage.id == message_id))
        until = policy.held_until(kind or "", now)
        if until is not None:  # quiet hours: move it to the morning, no attempt counted
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
                .where(OutboxMessage.next_attempt_at <= now)
                .values(next_attempt_at=until)
            )
            session.commit()
            return False
        claimed = affected_rows(session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .where(OutboxMessage.status == "pending")
            .where(OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(minutes=2), attempts=OutboxMessage.attempts + 1)
        ))
        message = session.get(OutboxMessage, message_id)
        if message is not None:
            session.expunge(message)  # read after the session ends, whatever expire_on_commit
        route = policy.route(session, message.openid, now, message.kind) if message is not None else "none"
        plan: _Subscribe | str | None = None
        if claimed and message is not None and route == SUBSCRIBE:
            plan = _plan_subscribe(session, message, policy.subscribe, subscriber)
        session.commit()
    if not claimed or message is None:
        return False
    if route == SUBSCRIBE:
        assert plan is not None
        return _send_subscribe(session_factory, subscriber, message, plan, now, max_attempts,
                               backoff)
    if route == "none":
        log.error("outbox %s to %s cannot be sent: %s", message.key, message.openid, NO_TEMPLATE)
        with session_factory() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status="failed", last_error=NO_TEMPLATE))
            session.commit()
        return False
    channel = messenger.channel
    # Sent outside any transaction: a slow WeChat must not hold the database.
    try:
        if route == "template":
            messenger.send_template(message.openid, policy.template_for(message.kind),  # type: ignore[attr-defined]
                                    message.text)
            channel = f"{messenger.channel}_tpl"
        else:
            messenger.send_text(message.openid, message.text)
    except Exception as exc:  # noqa: BLE001 - DeliveryError, or an adapter's bug: retry, then fail loudly
        if not isinstance(exc, DeliveryError):
            log.exception("messenger %s raised unexpectedly", messenger.channel)
        with session_factory() as session:
            _after_failure(session, message, str(exc), now, max_attempts, backoff)
        return False
    with session_factory() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", channel=channel, sent_at=now, last_error=None)
        )
        session.commit()
    return True


def _after_failure(
    session: Session,
    message: OutboxMessage,
    error: str,
    now: datetime,
    max_attempts: int,
    backoff: tuple[float, float],
) -> None:
    values: dict[str, object] = {"last_error": error[:500]}
    if message.attempts >= max_attempts:
        values["status"] = "failed"
        log.error("outbox %s to %s failed for good after %s tries: %s",
                  message.key, message.openid, message.attempts, error)
    else:
        values["next_attempt_at"] = now + retry_delay(message.attempts, *backoff)
        log.warning("outbox %s try %s failed: %s", message.key, message.attempts, error)
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))
    session.commit()


@dataclass(frozen=True)
class _Subscribe:
    user_id: int
    template_id: str
    data: dict[str, dict[str, str]]
    page: str | None


def _plan_subscribe(
    session: Session, message: OutboxMessage, settings: SubscribeSettings,
    subscriber: SubscribeSender | None,
) -> _Subscribe | str:
    """What to send to a mini-program user, taking his consent (in the claim's transaction);
    or why nothing can be sent."""
    if subscriber is None:
        return "mini-program user, but no mini-program configured (api.miniprogram_appid / secret)"
    template = settings.template_for(message.kind)
    if template is None:
        return (f"mini-program user, and no subscribe template for kind {message.kind} "
                "(api.subscribe_progress / subscribe_deadline / subscribe_new_report)")
    user_id = session.scalar(select(User.id).where(User.openid == message.openid))
    if user_id is None:
        return "mini-program user not found"
    try:
        data = subscribe_messages.build_data(session, message, template)
    except subscribe_messages.NoHazard as exc:
        return str(exc)
    if message.channel != SUBSCRIBE:  # a retry already holds its consent
        if not subscriptions.take_one(session, user_id, template.template_id):
            return (f"no subscribe consent left for template {template.template_id} "
                    "(the user did not accept it in the mini-program, or it was used up)")
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                        .values(channel=SUBSCRIBE))
    number = subscribe_messages.hazard_number(message.key) or ""
    page = settings.page.replace("{number}", number) if settings.page else None
    return _Subscribe(user_id, template.template_id, data, page)


def _send_subscribe(
    session_factory: sessionmaker[Session], subscriber: SubscribeSender | None,
    message: OutboxMessage, plan: _Subscribe | str, now: datetime, max_attempts: int,
    backoff: tuple[float, float],
) -> bool:
    if isinstance(plan, str):
        log.warning("outbox %s to %s not sent: %s", message.key, message.openid, plan)
        _keep_unsent(session_factory, message.id, plan)
        return False
    assert subscriber is not None
    try:
        subscriber.send_subscribe(subscribe_messages.touser(message.openid), plan.template_id,
                                  plan.data, plan.page)
    except RecipientRefused as exc:
        log.warning("outbox %s to %s refused: %s", message.key, message.openid, exc)
        with session_factory() as session:
            subscriptions.forget(session, plan.user_id, plan.template_id)
            session.commit()
        _keep_unsent(session_factory, message.id, str(exc))
        return False
    except Exception as exc:  # noqa: BLE001 - as for the other channels: retry, then give up
        if not isinstance(exc, DeliveryError):
            log.exception("subscribe sender raised unexpectedly")
        with session_factory() as session:
            _after_failure(session, message, str(exc), now, max_attempts, backoff)
            if message.attempts >= max_attempts:  # given up: WeChat never used the consent
                subscriptions.give_back(session, plan.user_id, plan.template_id)
                session.commit()
        return False
    with session_factory() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message.id)
            .values(status="sent", channel=SUBSCRIBE, sent_at=now, last_error=None)
        )
        session.commit()
    return True


def _keep_unsent(session_factory: sessionmaker[Session], message_id: int, reason: str) -> None:
    with session_factory() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(status=NO_CHANNEL, last_error=reason[:500]))
        session.commit()
