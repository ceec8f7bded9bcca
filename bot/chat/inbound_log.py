"""The inbound log: WeChat retries a message up to three times; it must act only once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CTE, Insert, Select, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.models import InboundMessage
from bot.services.platform.dml import affected_rows

# The table itself, for the Core statements of the hot path (no ORM unit of work).
_TABLE = cast(Table, InboundMessage.__table__)

# Built once (every message runs them): building a statement costs about as much as running it.
_EARLIER = select(_TABLE.c.dedupe_key, _TABLE.c.openid, _TABLE.c.reply).where(
    _TABLE.c.dedupe_key.in_([bindparam("plain"), bindparam("own")]))
_RECORD = insert(_TABLE).inline()  # no RETURNING: nothing reads the new row's id

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


@dataclass(frozen=True)
class Keys:
    """The keys a message may be logged under: ``plain``, and ``own_if_taken`` when another
    sender's message already holds the plain key (see ``earlier_delivery``)."""

    plain: str
    own_if_taken: str


@dataclass(frozen=True)
class Logged:
    """A row of the log as the check reads it (``reply`` None: seen, the reply gone; ``openid``
    '' where it is not read: a row under the own key is always this sender's)."""

    openid: str
    reply: str | None


def keys_for(key: str, *, openid: str) -> Keys:
    return Keys(key, f"{key}:{_sender_digest(openid)}" if key.startswith("msg:") else key)


def resolve(keys: Keys, *, openid: str, plain: Logged | None, own: Logged | None) -> tuple[str, str | None]:
    """The key this sender's message is logged under, and the reply already given to it
    (None if it is new; "" if seen but the reply is gone or was empty: answer nothing), from
    the rows found under the two keys."""
    mine = keys.plain if plain is None or plain.openid == openid else keys.own_if_taken
    row = plain if mine == keys.plain else own
    return mine, None if row is None else (row.reply or "")


def earlier_delivery(session: Session, key: str, *, openid: str) -> tuple[str, str | None]:
    """The key this sender's message is logged under, and the reply already given to it
    (``resolve``). The sender's first message reads it here; every later one with his
    dialogue row (``conversations.load_sender``, through ``outerjoin_keys``), in one statement.

    The key is ``key``, or, when another sender's message already holds that MsgId, ``key``
    with a digest of this sender. Why: a stored reply (a query code, a summary) must never be
    served to another person who sends the same MsgId. WeChat's MsgIds are unique, so a clash
    is a forgery or a simulator; the first sender keeps the plain ``msg:<MsgId>`` key (the
    format of rows already logged), every other sender gets his own. Event keys hold the
    sender already. Both keys are read in one statement.
    """
    keys = keys_for(key, openid=openid)
    found = {row.dedupe_key: Logged(row.openid, row.reply) for row in session.execute(
        _EARLIER, {"plain": keys.plain, "own": keys.own_if_taken})}
    return resolve(keys, openid=openid, plain=found.get(keys.plain), own=found.get(keys.own_if_taken))


# The log's rows under the two keys, outer-joined to the statement that loads the sender.
_PLAIN = _TABLE.alias("logged_plain")
_OWN = _TABLE.alias("logged_own")
# The plain key's sender (never NULL in a row: NULL, no row) and reply; the own key's id (NULL:
# no row) and reply. The own key is this sender's by construction: its openid is not read.
COLUMNS = (_PLAIN.c.openid, _PLAIN.c.reply, _OWN.c.id, _OWN.c.reply)


def outerjoin_keys(query: Select[Any]) -> Select[Any]:
    """``query`` (which selects ``COLUMNS``) with the log's rows under ``:plain`` and ``:own``."""
    return (query.outerjoin(_PLAIN, _PLAIN.c.dedupe_key == bindparam("plain"))
            .outerjoin(_OWN, _OWN.c.dedupe_key == bindparam("own")))


def from_columns(values: Sequence[Any]) -> tuple[Logged | None, Logged | None]:
    """The rows under the two keys, from the values of ``COLUMNS`` in a result row."""
    plain = Logged(values[0], values[1]) if values[0] is not None else None
    own = Logged("", values[3]) if values[2] is not None else None
    return plain, own


def _sender_digest(openid: str) -> str:
    return hashlib.sha256(openid.encode()).hexdigest()[:16]


def entry(*, key: str, openid: str, msg_type: str, reply: str, now: datetime) -> dict[str, Any]:
    """The log row of a message with its reply (``record`` writes it)."""
    return {"dedupe_key": key, "openid": openid, "msg_type": msg_type, "received_at": now, "reply": reply}


def record(session: Session, row: dict[str, Any]) -> None:
    """Log the message (``entry``) in the transaction of its effects: a Core INSERT on the
    session's connection, past the ORM's execution layer (it runs on every message, and
    nothing reads the row back in this transaction)."""
    session.connection().execute(_RECORD, row)


def recording_with(write: CTE) -> Insert:
    """The log's INSERT carrying another write as a data-modifying ``WITH`` (PostgreSQL): the
    two in one statement, one round trip (``conversations.save``)."""
    return _RECORD.add_cte(write)


def purge_old_replies(session: Session, *, now: datetime) -> int:
    """Forget replies older than the retry window; returns how many were cleared."""
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < now - REPLY_RETENTION)
        .where(InboundMessage.reply.is_not(None))
        .values(reply=None)
    )
    return affected_rows(result)
