"""The outbox: messages to people, queued with their cause and delivered by a worker.

A message is queued in the same transaction as the change that causes it, under a unique
key, so a rollback sends nothing and a retry, a restart or a second worker never sends twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import OutboxMessage
from bot.services.ports import DeliveryError, Messenger

log = logging.getLogger(__name__)


def queue_message(
    session: Session, *, key: str, openid: str, kind: str, text: str, now: datetime
) -> bool:
    """Queue a text for one user; False if a message with this key already exists."""
    try:
        with session.begin_nested():
            session.add(
                OutboxMessage(
                    key=key, openid=openid, kind=kind, text=text, status="pending",
                    next_attempt_at=now, created_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def deliver_pending(
    session_factory: sessionmaker[Session],
    messenger: Messenger,
    *,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
    limit: int = 100,
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
        if _deliver_one(session_factory, messenger, message_id, now, max_attempts, backoff_seconds):
            sent += 1
    return sent


def _deliver_one(
    session_factory: sessionmaker[Session],
    messenger: Messenger,
    message_id: int,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
) -> bool:
    with session_factory() as session:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .where(OutboxMessage.status == "pending")
            .where(OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(minutes=2), attempts=OutboxMessage.attempts + 1)
        ).rowcount
        message = session.get(OutboxMessage, message_id)
        if message is not None:
            session.expunge(message)  # read after the session ends, whatever expire_on_commit
        session.commit()
    if not claimed or message is None:
        return False
    # Sent outside any transaction: a slow WeChat must not hold the database.
    try:
        messenger.send_text(message.openid, message.text)
    except Exception as exc:  # noqa: BLE001 - DeliveryError, or an adapter's bug: retry, then fail loudly
        if not isinstance(exc, DeliveryError):
            log.exception("messenger %s raised unexpectedly", messenger.channel)
        with session_factory() as session:
            _after_failure(session, message, str(exc), now, max_attempts, backoff_seconds)
        return False
    with session_factory() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", channel=messenger.channel, sent_at=now, last_error=None)
        )
        session.commit()
    return True


def _after_failure(
    session: Session,
    message: OutboxMessage,
    error: str,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
) -> None:
    values: dict[str, object] = {"last_error": error[:500]}
    if message.attempts >= max_attempts:
        values["status"] = "failed"
        log.error("outbox %s to %s failed for good after %s tries: %s",
                  message.key, message.openid, message.attempts, error)
    else:
        values["next_attempt_at"] = now + timedelta(seconds=backoff_seconds * 2 ** (message.attempts - 1))
        log.warning("outbox %s try %s failed: %s", message.key, message.attempts, error)
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))
    session.commit()
