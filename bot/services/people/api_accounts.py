"""Mini-program accounts: which ``User`` acts behind a mini-program openid.

A person's mini-program openid is not his Official Account openid (WeChat issues one per
app), so the first login creates a new member of the public, ``openid = "mp:<openid>"``.
Officers and managers take their role here the same way as in chat: with a one-time binding
code issued by an admin (``bindings.bind``), so roles are never guessed across channels.
The unionid, when WeChat gives one (both apps under one Open Platform account), is kept so
that the two identities can be merged later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import MiniProgramAccount, User

OPENID_PREFIX = "mp:"


def login(session: Session, *, openid: str, unionid: str | None, now: datetime) -> User:
    """The user behind a mini-program openid, created on first login. Flushes, never commits.

    A concurrent first login of the same person makes the later flush fail on the unique
    openid; the caller retries and then finds this row.
    """
    account = session.scalars(
        select(MiniProgramAccount).where(MiniProgramAccount.openid == openid)
    ).one_or_none()
    if account is None:
        user = User(openid=OPENID_PREFIX + openid, role="public", created_at=now)
        session.add(user)
        session.flush()
        account = MiniProgramAccount(
            openid=openid, unionid=unionid, user_id=user.id, created_at=now, last_login_at=now
        )
        session.add(account)
        session.flush()
        return user
    account.last_login_at = now
    if unionid and account.unionid != unionid:
        account.unionid = unionid
    owner = session.get(User, account.user_id)
    if owner is None:  # cannot happen: user_id is a foreign key to users
        raise LookupError(f"mini program account {account.id} points at missing user {account.user_id}")
    return owner


def is_mini_program_user(user: User) -> bool:
    return user.openid.startswith(OPENID_PREFIX)
