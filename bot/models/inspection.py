"""Inspections (检查): the checklist library (一行业一清单) and the walks through a plant.

The library is data (``bot/data/checklists/*.toml``) loaded into ``checklists`` and
``checklist_items`` by ``bot/services/inspections/checklists.py``; an item that leaves the data is made
inactive, never deleted, because past inspections point at it. An inspection keeps the list
of items it walks (``item_ids``) from its start, so reloading the library mid-walk moves
nothing under the inspectors' feet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

# 检查环节 of an inspection; the same codes as Hazard.source.
STAGES = ("self_check", "joint_inspection", "cross_inspection", "provincial")
RESULTS = ("pass", "hazard", "not_applicable", "skipped")  # 合格 有隐患 不适用 跳过


class Checklist(Base):
    __tablename__ = "checklists"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order among checklists
    standard: Mapped[str | None] = mapped_column(String(200), default=None)
    loaded_at: Mapped[datetime]


class ChecklistItem(Base):
    __tablename__ = "checklist_items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable: results point at it
    checklist_id: Mapped[str] = mapped_column(ForeignKey("checklists.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    focus: Mapped[str | None] = mapped_column(Text, default=None)  # the campaign's wording
    basis: Mapped[str] = mapped_column(String(300))  # 判定依据: article and item
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    verbatim: Mapped[bool] = mapped_column(Boolean, default=True)  # False: show 待核对
    # [{"all": true} | {"industry": [...], "sub_sector": [...], "flags": [...]}, ...]
    applies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        # One open inspection per enterprise and stage: a second inspector joins it.
        Index(
            "uq_inspections_open", "enterprise_id", "stage", unique=True,
            postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # for the 附件5 download link
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))  # one of STAGES
    unit: Mapped[str] = mapped_column(String(200))  # 检查单位
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | finished
    item_ids: Mapped[list[str]] = mapped_column(JSON)
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    finished_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class InspectionInspector(Base):
    """Who took part: the one who started it and everyone who joined."""

    __tablename__ = "inspection_inspectors"
    __table_args__ = (UniqueConstraint("inspection_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime]


class InspectionResult(Base):
    """The answer for one item of one inspection (the latest one; 返回 may correct it)."""

    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("checklist_items.id"))
    result: Mapped[str] = mapped_column(String(16))  # one of RESULTS
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class InspectionFinding(Base):
    """A hazard the inspection found: at an item, or a free finding (``item_id`` None)."""

    __tablename__ = "inspection_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("checklist_items.id"), default=None)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), unique=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
