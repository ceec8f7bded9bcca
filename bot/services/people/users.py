"""Users as the chat sees them: found or created by openid on their first message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import User


def get_or_create_user(session: Session, openid: str, *, now: datetime) -> User:
    """The user behind an openid, created as a member of the public on first contact.

    A concurrent first message of the same user makes the later flush fail on the unique
    openid; the chat service retries the whole message, which then finds this row.
    """
    user = session.scalars(select(User).where(User.openid == openid)).one_or_none()
    if user is None:
        user = User(openid=openid, role="public", created_at=now, last_inbound_at=now)
        session.add(user)
        session.flush()
        return user
    note_inbound(user, now)
    return user


# ``last_inbound_at`` opens WeChat's 48-hour window for customer-service messages. Kept to the
# minute: a dialogue's messages seconds apart then write the user row once, not every time,
# and the window, computed from a time up to a minute early, only ever closes early.
INBOUND_RESOLUTION = timedelta(minutes=1)


def note_inbound(user: User, now: datetime) -> None:
    """Record that ``user`` just wrote, unless that was already recorded within the minute."""
    last = user.last_inbound_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    aware_now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if last is None or not timedelta(0) <= aware_now - last < INBOUND_RESOLUTION:
        user.last_inbound_at = now
