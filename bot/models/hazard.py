"""Hazards (隐患), their append-only history, photos, followers, and the number counter.

The columns follow the regulators' ledgers (docs/design.md §3, 附件2 and 附件5) so that exports are
queries, not reconstructions. ``state`` is a cache of the last event's ``to_state``: it is only
ever changed together with a new ``HazardEvent`` (see ``bot/services/hazards/lifecycle.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base

STATES = (
    "submitted",
    "acknowledged",
    "rectifying",
    "awaiting_verification",
    "closed",
    "rejected",
    "merged",
)
SOURCES = (
    "self_check",
    "joint_inspection",
    "cross_inspection",
    "provincial",
    "public_report",
    "worker_report",
)
LEVELS = ("general", "major")


class Hazard(Base):
    __tablename__ = "hazards"
    __table_args__ = (
        Index("ix_hazards_region_state", "region_code", "state"),
        Index("ix_hazards_state_reported", "state", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16), default=None)

    # The enterprise; an unregistered one is kept by name and county for officers to match.
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True, default=None
    )
    enterprise_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    industry: Mapped[str | None] = mapped_column(String(16), default=None)

    description: Mapped[str] = mapped_column(Text)
    location_lat: Mapped[float | None] = mapped_column(Float, default=None)
    location_lng: Mapped[float | None] = mapped_column(Float, default=None)
    location_label: Mapped[str | None] = mapped_column(String(300), default=None)
    # The datum of location_lat/lng as received: "GCJ-02" (WeChat, Chinese maps), "WGS-84" (GPS);
    # None where the sender did not say (the mini-program form).
    location_system: Mapped[str | None] = mapped_column(String(8), default=None)

    # Reporter. Anonymous reports keep no link to the person at all, only a hashed query code.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, default=None
    )
    reporter_name: Mapped[str | None] = mapped_column(String(64), default=None)
    reporter_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    query_code_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    reported_at: Mapped[datetime]

    # Ledger columns filled as officers act (附件2 / 附件5).
    check_unit: Mapped[str | None] = mapped_column(String(200), default=None)
    checked_at: Mapped[datetime | None] = mapped_column(default=None)
    basis: Mapped[str | None] = mapped_column(Text, default=None)
    measures: Mapped[str | None] = mapped_column(Text, default=None)
    supervising_unit: Mapped[str | None] = mapped_column(String(200), default=None)
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    remarks: Mapped[str | None] = mapped_column(Text, default=None)

    # Workflow data (the scheduler's sweeps run over these, so they are indexed).
    possibly_major: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ack_due_at: Mapped[datetime | None] = mapped_column(index=True, default=None)  # 受理时限
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    events: Mapped[list[HazardEvent]] = relationship(
        back_populates="hazard", order_by="HazardEvent.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="hazard", order_by="Attachment.seq"
    )


class HazardEvent(Base):
    """One step in a hazard's life: append-only, never updated."""

    __tablename__ = "hazard_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32), default=None)
    to_state: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    hazard: Mapped[Hazard] = relationship(back_populates="events")


class Attachment(Base):
    """A piece of evidence: received as a WeChat media id, fetched and checked later by a job.

    ``kind`` is ``photo``, ``voice`` or ``video``. A voice message keeps WeChat's own transcript
    (``transcript``, when speech recognition gave one); a video keeps the media id of its
    thumbnail and, once stored, the thumbnail's own scrubbed picture (``thumb_relpath``).
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazards.id"), index=True, default=None
    )
    # Set for photos that belong to a step (rectification proof), not to the report itself.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_events.id"), default=None)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    media_id: Mapped[str] = mapped_column(String(128))
    pic_url: Mapped[str | None] = mapped_column(String(500), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|stored|rejected
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    original_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    relpath: Mapped[str | None] = mapped_column(String(200), default=None)
    content_type: Mapped[str | None] = mapped_column(String(32), default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    size_bytes: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(8), default="photo", server_default="photo")
    transcript: Mapped[str | None] = mapped_column(Text, default=None)
    thumb_media_id: Mapped[str | None] = mapped_column(String(128), default=None)
    thumb_relpath: Mapped[str | None] = mapped_column(String(200), default=None)

    hazard: Mapped[Hazard | None] = relationship(back_populates="attachments")


class HazardFollower(Base):
    """A named person who added to a hazard someone else reported (a supplement, 补充): he is
    told of its steps as its reporter is, and may 查询 it. An anonymous supplement leaves none."""

    __tablename__ = "hazard_followers"
    __table_args__ = (UniqueConstraint("hazard_id", "user_id", name="uq_hazard_followers_hazard_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    since: Mapped[datetime]


class HazardCounter(Base):
    """Last hazard number issued per day: numbers read YH<date><seq> and never collide."""

    __tablename__ = "hazard_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
