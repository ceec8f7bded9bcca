"""Chat plumbing: dialogue state, the inbound log (retry dedupe), the outbox and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class Conversation(Base):
    """Where a user is in a dialogue, kept in the database so a restart loses nothing."""

    __tablename__ = "conversations"
    # Retention (bot.services.platform.retention) deletes idle rows by age through this index.
    __table_args__ = (Index("ix_conversations_state_updated", "state", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    state: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class InboundMessage(Base):
    """Every message WeChat delivered, keyed so that its retries act once.

    The key is the MsgId, or FromUserName+CreateTime for events (which have no MsgId). The row
    is written in the same transaction as the message's effects, so a retry racing the first
    delivery waits on the unique key and then reads the reply. The reply is kept only briefly,
    to answer retries identically: it may hold a query code.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    msg_type: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(index=True)
    reply: Mapped[str | None] = mapped_column(Text, default=None)


class OutboxMessage(Base):
    """A message to a person, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # Per recipient: the service-window quota (outbox.DeliveryPolicy.route) counts a
        # user's sent messages, and retention finds rows still holding a recipient
        # (``openid > ''``) without walking the scrubbed ones.
        Index("ix_outbox_openid_created", "openid", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Job(Base):
    """Slow work done after WeChat has its answer (photo downloads), persisted so none is lost."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime]


class DevMedia(Base):
    """Dev mode only: pictures the simulator uploaded, served as if WeChat held them."""

    __tablename__ = "dev_media"

    media_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
