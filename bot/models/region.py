"""Administrative divisions (GB/T 2260): province, city, county."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

ABOVE_COUNTY = ("province", "prefecture_city")  # levels that are not county-level


class Region(Base):
    """A division of Shanxi; officers act within a region and everything under it."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(32))  # province | prefecture_city | county | ...
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code"), index=True, default=None
    )

    @property
    def is_county_level(self) -> bool:
        return self.level not in ABOVE_COUNTY
