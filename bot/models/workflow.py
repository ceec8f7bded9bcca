"""The officers' workflow around a hazard: bindings, 五落实 plans, penalties, rewards, audit.

Each table mirrors a paper the regulators already keep: the 五落实 rectification plan, the
行政处罚 record (一案双罚), the 举报奖励 case, and the log of who looked at a reporter's identity.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class BindingCode(Base):
    """A one-time code an admin issues so that a person can bind his WeChat account to a role."""

    __tablename__ = "binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the code
    role: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), default=None)
    name: Mapped[str | None] = mapped_column(String(64), default=None)  # whom it is meant for
    created_by: Mapped[str] = mapped_column(String(64))  # "cli", "user:3"
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class RectificationPlan(Base):
    """五落实: responsible person, measures, funds, deadline, contingency plan."""

    __tablename__ = "rectification_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), unique=True)
    responsible_person: Mapped[str] = mapped_column(String(64))
    measures: Mapped[str] = mapped_column(Text)
    funds_wan: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # 资金（万元）
    deadline: Mapped[date] = mapped_column(Date)
    contingency: Mapped[str] = mapped_column(Text)  # 预案
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]


class Penalty(Base):
    """行政处罚 on an enterprise, usually for a hazard: 一案双罚 keeps the two fines apart."""

    __tablename__ = "penalties"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), index=True, default=None)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    fine_enterprise_wan: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    fine_principal_wan: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    ordered_rectification: Mapped[bool] = mapped_column(Boolean, default=False)  # 责令限期整改
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)  # 停产整顿
    license_revoked: Mapped[bool] = mapped_column(Boolean, default=False)  # 暂扣吊销证照
    closed_down: Mapped[bool] = mapped_column(Boolean, default=False)  # 关闭取缔
    judicial_transfer: Mapped[bool] = mapped_column(Boolean, default=False)  # 移送司法
    joint_punishment: Mapped[bool] = mapped_column(Boolean, default=False)  # 联合惩戒
    note: Mapped[str | None] = mapped_column(Text, default=None)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


class RewardCase(Base):
    """举报奖励 for a verified major hazard (安监总财〔2018〕19号): opened on closing, then approved, paid."""

    __tablename__ = "reward_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_yuan: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text)  # how the amount was computed, for the file
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|approved|paid|refused
    opened_at: Mapped[datetime]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)


class IdentityAccess(Base):
    """Every time an officer is shown a reporter's identity (whistleblower protection audit)."""

    __tablename__ = "identity_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))  # chat | console | api
    at: Mapped[datetime]
