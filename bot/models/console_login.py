"""A temporary QR code a desk browser shows to sign in to the console by scanning it in WeChat.

Only a hash of the code's secret is stored: the secret is in the waiting browser's signed
session (and in the code's scene, which only WeChat and we see), so a copy of this table
signs no one in. ``status`` moves pending → confirmed (a console user scanned it; ``user_id``)
or refused (anyone else did), and confirmed → used when that browser signs in, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

LOGIN_STATUSES = ("pending", "confirmed", "refused", "used")


class ConsoleLoginTicket(Base):
    __tablename__ = "console_login_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # "Chrome 131 · Windows": told to the scanner in chat, so a code someone else showed him
    # (a phishing page relaying our code) is noticed.
    browser: Mapped[str] = mapped_column(String(64), default="")
    qr_url: Mapped[str] = mapped_column(String(255))  # what the QR image encodes
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    scanned_at: Mapped[datetime | None] = mapped_column(default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
