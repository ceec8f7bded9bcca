"""The inbound log: WeChat retries a message up to three times; it must act only once."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.models import InboundMessage
from bot.services.platform.dml import affected_rows

# The table itself, for the Core statements of the hot path (no ORM unit of work).
_TABLE = cast(Table, InboundMessage.__table__)

# Built once (every message runs them): building a statement costs about as much as running it.
_EARLIER = select(_TABLE.c.dedupe_key, _TABLE.c.openid, _TABLE.c.reply).where(
    _TABLE.c.dedupe_key.in_([bindparam("plain"), bindparam("own")]))
_RECORD = insert(_TABLE)

# WeChat retries within ~15 s; keep replies a while longer, then forget them (they may
# hold an anonymous reporter's query code, which is otherwise stored only as a hash).
REPLY_RETENTION = timedelta(minutes=10)


def dedupe_key(
    *, msg_id: str | None, openid: str, create_time: int, event: str = "", event_key: str = ""
) -> str:
    """MsgId for messages (``sender_key`` keeps senders apart); for events (no MsgId),
    sender + CreateTime + the event itself.

    WeChat's retry of an event repeats all of these; two different events of one person
    within the same second (two quick scans) differ in event or key and both count.
    """
    if msg_id:
        return f"msg:{msg_id}"
    what = hashlib.sha1(f"{event}|{event_key}".encode()).hexdigest()[:16]
    return f"evt:{openid}:{create_time}:{what}"


def earlier_delivery(session: Session, key: str, *, openid: str) -> tuple[str, str | None]:
    """The key this sender's message is logged under, and the reply already given to it
    (None if it is new; "" if seen but the reply is gone or was empty: answer nothing).

    The key is ``key``, or, when another sender's message already holds that MsgId, ``key``
    with a digest of this sender. Why: a stored reply (a query code, a summary) must never be
    served to another person who sends the same MsgId. WeChat's MsgIds are unique, so a clash
    is a forgery or a simulator; the first sender keeps the plain ``msg:<MsgId>`` key (the
    format of rows already logged), every other sender gets his own. Event keys hold the
    sender already. Both keys are read in one statement: this runs on every message.
    """
    own_if_taken = f"{key}:{_sender_digest(openid)}" if key.startswith("msg:") else key
    found = {
        row.dedupe_key: row for row in session.execute(_EARLIER, {"plain": key, "own": own_if_taken})
    }
    plain = found.get(key)
    own = key if plain is None or plain.openid == openid else own_if_taken
    row = found.get(own)
    return own, None if row is None else (row.reply or "")


def _sender_digest(openid: str) -> str:
    return hashlib.sha256(openid.encode()).hexdigest()[:16]


def record(
    session: Session, *, key: str, openid: str, msg_type: str, reply: str, now: datetime
) -> None:
    """Log the message with its reply, in the transaction of its effects (a Core INSERT: it
    runs on every message, and nothing reads the row back in this transaction)."""
    session.execute(_RECORD, {"dedupe_key": key, "openid": openid, "msg_type": msg_type,
                              "received_at": now, "reply": reply})


def purge_old_replies(session: Session, *, now: datetime) -> int:
    """Forget replies older than the retry window; returns how many were cleared."""
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < now - REPLY_RETENTION)
        .where(InboundMessage.reply.is_not(None))
        .values(reply=None)
    )
    return affected_rows(result)
