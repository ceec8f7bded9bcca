"""What the mini-program API keeps: its accounts, idempotent uploads, consents, rate counters.

Mini-program openids are issued per app: the same person has one openid for the Official
Account and another for the mini-program. A ``MiniProgramAccount`` maps the mini-program's
openid to one of our ``User`` rows (created as ``openid = "mp:<openid>"``, so the users table
still holds one unique openid per row and the channel can be told from it); the unionid is
kept when WeChat gives one, for a later merge with the chat identity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class MiniProgramAccount(Base):
    """One mini-program openid, bound to the ``User`` who acts through it."""

    __tablename__ = "mini_program_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime]


class ApiIdempotencyKey(Base):
    """The answer to a report upload, kept so that a retry gets it again instead of a second
    report.

    ``key_hash`` is an HMAC of the user and the client's key: without the key (which only the
    phone knows) nobody reading the table can tell whose upload a row was, and so an anonymous
    report stays unlinked. The stored answer is encrypted with a key derived from the client's
    key for the same reason (it holds the anonymous report's query code).
    """

    __tablename__ = "api_idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # what was sent: same key, other body
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(index=True)


class SubscribeConsent(Base):
    """A mini-program user's answers to ``wx.requestSubscribeMessage`` for one template.

    WeChat's one-time subscriptions allow one message per "accept", so ``remaining`` counts
    what may still be sent; "reject" and "ban" set it to zero.
    """

    __tablename__ = "subscribe_consents"
    __table_args__ = (UniqueConstraint("user_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    last_answer: Mapped[str] = mapped_column(String(16))  # accept | reject | ban
    updated_at: Mapped[datetime]


class RateLimitCounter(Base):
    """Fixed-window counters for rate limits when no Redis is configured.

    Keys are HMACs (``user:…``/``ip:…``) and windows coarse, so the table says neither who
    reported nor exactly when.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
