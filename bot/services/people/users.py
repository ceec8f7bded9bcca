"""Users as the chat sees them: found or created by openid on their first message."""

from __future__ import annotations

from datetime import datetime

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
        user = User(openid=openid, role="public", created_at=now)
        session.add(user)
        session.flush()
    user.last_inbound_at = now
    return user
