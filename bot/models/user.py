"""People who talk to the bot, identified by their WeChat openid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

ROLES = (
    "public",
    "worker",
    "enterprise_manager",
    "county_officer",
    "city_officer",
    "province_officer",
    "admin",
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32), default="public")
    name: Mapped[str | None] = mapped_column(String(64), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    # A worker is bound to his employer; his reports are 内部报告 (worker_report).
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), default=None)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    created_at: Mapped[datetime]
    # WeChat allows customer-service messages only within 48 h of the user's last message.
    # Cleared once that window has passed (bot.services.platform.retention): kept, it would date the
    # person's last message for ever, and so one of them could be matched to an anonymous
    # report's time.
    last_inbound_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # The hazard this officer or manager was last told about: a bare "受理" means that one.
    last_notified_hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazards.id", use_alter=True), default=None
    )
    # The console's signed cookie carries the number it was issued under; logout and a new
    # role or scope add one, which ends every console session of this person at once, on
    # every browser (a signed cookie cannot be revoked otherwise: bot/console/auth.py).
    console_session_version: Mapped[int] = mapped_column(default=0, server_default="0")
