"""Dialogue state stored in the database, so a restart in mid-dialogue loses nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class

from bot.chat import inbound_log
from bot.handlers import inspect_texts, texts
from bot.handlers.core import Dialogue, State
from bot.models import Conversation, User
from bot.services.messaging import outbox
from bot.services.people.users import get_or_create_user, note_inbound
from bot.services.reporting import media
from bot.services.reporting.reports import ReportDraft

# The tables themselves, for the Core statements of the hot path (no ORM unit of work).
_TABLE = cast(Table, Conversation.__table__)
_USERS = cast(Table, User.__table__)
_USER_KEYS = tuple(User.__mapper__.get_property_by_column(c).key for c in _USERS.c)
_USER_MANAGER = manager_of_class(User)

_ROWS = "hazardbot.conversation_rows"  # session.info: user id -> his row (None: none yet)


class _Row(NamedTuple):
    """A dialogue row as read (columns, not a mapped object: nothing writes it through the ORM)."""

    id: int
    state: str
    data: dict[str, Any]
    updated_at: datetime


_COLUMNS = (_TABLE.c.id, _TABLE.c.state, _TABLE.c.data, _TABLE.c.updated_at)
# Built once: every message runs these, and building a statement and its cache key costs
# about as much CPU as the round trip itself.
_LOAD_SENDER = inbound_log.outerjoin_keys(
    select(*_USERS.c, *_COLUMNS, *inbound_log.COLUMNS).join(_TABLE, _TABLE.c.user_id == _USERS.c.id)
).where(_USERS.c.openid == bindparam("openid")).with_for_update(of=_TABLE)
_LOAD_ROW = select(*_COLUMNS).where(_TABLE.c.user_id == bindparam("user_id"))
_INSERT = insert(_TABLE).inline()  # no RETURNING: nothing reads the new row's id
_UPDATE = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(
    state=bindparam("b_state"), data=bindparam("b_data", type_=_TABLE.c.data.type),
    updated_at=bindparam("b_updated_at"))


@dataclass(frozen=True)
class Sender:
    """The sender of a new message, and the key it is to be logged under."""

    user: User
    key: str


@dataclass(frozen=True)
class Answered:
    """The message was answered before (a retry, a second delivery): the reply given then."""

    reply: str


def load_sender(session: Session, openid: str, *, key: str, now: datetime) -> Sender | Answered:
    """The sender of a message with his dialogue row (locked), and whether the message was
    answered before (``inbound_log.resolve``), all in one statement: it runs on every message.

    ``load`` and ``save`` then use that row instead of reading it again. A person without a
    dialogue row yet (the first message, or one after retention) costs two statements more.
    """
    keys = inbound_log.keys_for(key, openid=openid)
    found = session.connection().execute(_LOAD_SENDER, {
        "openid": openid, "plain": keys.plain, "own": keys.own_if_taken}).first()
    if found is None:
        mine, earlier = inbound_log.earlier_delivery(session, key, openid=openid)
        if earlier is not None:
            return Answered(earlier)
        user = get_or_create_user(session, openid, now=now)
        session.info.setdefault(_ROWS, {})[user.id] = None  # no row yet: save() makes it
        return Sender(user, mine)
    users = len(_USER_KEYS)
    user, row = _attached_user(session, found[:users]), _Row(*found[users:users + 4])
    plain, own = inbound_log.from_columns(found[users + 4:])
    mine, earlier = inbound_log.resolve(keys, openid=openid, plain=plain, own=own)
    if earlier is not None:
        return Answered(earlier)
    session.info.setdefault(_ROWS, {})[user.id] = row
    note_inbound(user, now)
    return Sender(user, mine)


def _attached_user(session: Session, values: Sequence[Any]) -> User:
    """The sender as a persistent ``User`` of ``session``, made from his columns as read.

    Read as columns on the session's connection and attached rather than loaded as an entity:
    on every message the ORM's loading of one row cost more CPU than the statement's round
    trip. The object is made as the ORM's loader makes one (a new instance whose state is the
    row, ``make_transient_to_detached`` marking it loaded, then added), so changes to him
    (``note_inbound``, a binding) are tracked and flushed as for a loaded object. Not through
    the constructor, which would first record every column as a change."""
    user = _USER_MANAGER.new_instance()
    user.__dict__.update(zip(_USER_KEYS, values, strict=True))
    make_transient_to_detached(user)
    session.add(user)
    return user


def _row(session: Session, user: User, *, lock: bool) -> _Row | None:
    rows: dict[int, _Row | None] = session.info.setdefault(_ROWS, {})
    if user.id in rows:
        return rows[user.id]
    query = _LOAD_ROW.with_for_update() if lock else _LOAD_ROW
    found = session.execute(query, {"user_id": user.id}).first()
    row = None if found is None else _Row(*found)
    rows[user.id] = row
    return row


def load(session: Session, user: User) -> tuple[Dialogue, datetime | None]:
    """The user's dialogue (locked for this transaction) and when it last moved."""
    row = _row(session, user, lock=True)
    if row is None:
        return Dialogue(), None
    return _from_json(row.state, row.data), row.updated_at


# An inspection is a walk through a plant: minutes pass between answers, so it has its own
# (longer) idle limit (config ``dialogue.inspection_idle_minutes``).
INSPECTION_STATES = tuple(s.value for s in State if s.flow == "inspect")


def idle_limit(state: State, *, idle: timedelta, inspection_idle: timedelta | None = None) -> timedelta:
    """How long a dialogue in ``state`` may sit unanswered before it is ended."""
    if inspection_idle is not None and state.flow == "inspect":
        return inspection_idle
    return idle


def is_expired(dialogue: Dialogue, updated_at: datetime | None, *, now: datetime, idle: timedelta) -> bool:
    """``idle``: the limit for this dialogue's state (``idle_limit``)."""
    return dialogue.state is not State.IDLE and updated_at is not None and now - updated_at > idle


def expired_notice(dialogue: Dialogue, idle: timedelta) -> str:
    """What the person is told when his unfinished dialogue was ended for idleness."""
    minutes = int(idle.total_seconds() // 60)
    if dialogue.state.flow == "inspect":
        return inspect_texts.EXPIRED.format(minutes=minutes)
    span = f"{minutes // 60} 小时" if minutes % 60 == 0 else f"{minutes} 分钟"
    if dialogue.state.flow == "report":
        return texts.EXPIRED.format(span=span)
    return texts.EXPIRED_FLOW.format(span=span)


def mark_paused(dialogue: Dialogue, updated_at: datetime | None, *, now: datetime, quiet: timedelta) -> None:
    """A draft (not an inspection) silent for longer than ``quiet`` but not expired is kept;
    the next message first offers to resume it (``dialogue.offer_resume``)."""
    if (dialogue.state.flow in ("report", "plan", "proof") and updated_at is not None
            and now - updated_at > quiet):
        dialogue.data["paused_minutes"] = int((now - updated_at).total_seconds() // 60)


# The dialogue's UPDATE and the message's log row in one statement (PostgreSQL).
_UPDATE_AND_LOG = inbound_log.recording_with(_UPDATE.cte("saved_dialogue"))


def save(
    session: Session, user: User, dialogue: Dialogue, *, now: datetime, log: dict[str, Any] | None = None
) -> None:
    """Write the dialogue back (one Core statement on the row ``load_sender`` locked) and,
    given ``log`` (``inbound_log.entry``), the message's log row: on PostgreSQL in the same
    statement, a data-modifying ``WITH``, so that an ordinary message costs one round trip
    less; SQLite, which has no such ``WITH``, takes two statements.

    Core, not the ORM's unit of work: this runs on every message, and a flush of a changed
    object costs several times the statement itself; nothing reads the row after this. (A
    new user's row is flushed already: ``get_or_create_user`` flushes it for its id.)"""
    row = _row(session, user, lock=False)
    state, data = dialogue.state.value, _to_json(dialogue)
    conn = session.connection()  # past the ORM's execution layer: no ORM object is involved
    if row is None:  # a new user's first message, or one after retention
        conn.execute(_INSERT, {"user_id": user.id, "state": state, "data": data, "updated_at": now})
    else:
        params = {"row_id": row.id, "b_state": state, "b_data": data, "b_updated_at": now}
        if log is not None and conn.dialect.name == "postgresql":
            conn.execute(_UPDATE_AND_LOG, {**params, **log})
            return
        conn.execute(_UPDATE, params)
    if log is not None:
        inbound_log.record(session, log)


_DRAFT_FIELDS = tuple(f.name for f in dataclasses.fields(ReportDraft))


def _to_json(dialogue: Dialogue) -> dict[str, Any]:
    # Not dataclasses.asdict, which deep-copies every value: the UPDATE serialises this at
    # once, so a flat look at the draft's fields is all it needs.
    return {
        "draft": {name: getattr(dialogue.draft, name) for name in _DRAFT_FIELDS},
        "choices": list(dialogue.choices),
        "typed": dialogue.typed,
        "data": dialogue.data,
    }


def _from_json(state: str, data: dict[str, Any]) -> Dialogue:
    # No copy: the dialogue may change the row's loaded lists in place, but ``save`` writes
    # the row with a Core UPDATE, never through the ORM's comparison of old and new.
    try:
        draft = ReportDraft(**{k: v for k, v in data.get("draft", {}).items() if k in _DRAFT_FIELDS})
        return Dialogue(
            state=State(state), draft=draft,
            choices=[str(c) for c in data.get("choices", [])], typed=str(data.get("typed", "")),
            data=dict(data.get("data") or {}),
        )
    except (ValueError, TypeError):
        # A state from an older release: start afresh rather than fail the user.
        return Dialogue()


def expire_idle(
    session: Session, *, now: datetime, idle: timedelta, inspection_idle: timedelta | None = None,
    limit: int = 100,
) -> int:
    """End dialogues idle for longer than ``idle`` (inspections: ``inspection_idle``, when
    given): drop their drafts and tell the person.

    The notice goes through the outbox (the person wrote within the last 48 hours, so a
    customer-service message is allowed); its key makes a second sweep a no-op.
    """
    inspection_idle = idle if inspection_idle is None else inspection_idle
    rows = session.scalars(
        select(Conversation)
        .where(Conversation.state != State.IDLE.value)
        .where(or_(
            and_(Conversation.state.in_(INSPECTION_STATES),
                 Conversation.updated_at < now - inspection_idle),
            and_(Conversation.state.not_in(INSPECTION_STATES), Conversation.updated_at < now - idle),
        ))
        .order_by(Conversation.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        user = session.get(User, row.user_id)
        if user is None:
            continue
        dialogue = _from_json(row.state, row.data)
        media.discard_unsubmitted(session, uploader=user, attachment_ids=dialogue.photo_ids)
        again = "需要时回复“举报”重新开始。" if dialogue.state.flow == "report" else ""
        outbox.queue_message(
            session, key=f"dialogue_expired:{row.id}:{row.updated_at.isoformat()}",
            openid=user.openid, kind="dialogue_expired", now=now,
            text=expired_notice(dialogue, idle_limit(dialogue.state, idle=idle,
                                                     inspection_idle=inspection_idle)) + again,
        )
        row.state = State.IDLE.value
        row.data = _to_json(Dialogue())
        row.updated_at = now
    return len(rows)
