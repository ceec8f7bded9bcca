"""Enterprises under supervision (the registry issue extends this)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    industry: Mapped[str] = mapped_column(String(16))  # 冶金 有色 建材 机械 轻工 纺织 烟草 商贸
    sub_sector: Mapped[str | None] = mapped_column(String(64), default=None)
    address: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime]
