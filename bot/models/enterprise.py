"""Enterprises under supervision: the regulators' supervision ledger (监管台账, 003).

Every change is kept in ``EnterpriseChange`` (who, when, what), because the ledger is
re-filed every half year and officers must be able to say when a flag or a grade changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base

INDUSTRIES = ("冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸")
SCALES = ("规模以上", "规模以下")


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # 统一社会信用代码 (GB 32100-2015); unique, and the key a re-import matches on.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(300), default=None)
    industry: Mapped[str] = mapped_column(String(16))  # one of INDUSTRIES
    sub_sector: Mapped[str | None] = mapped_column(String(64), default=None)  # 钢铁, 铝加工（深井铸造）…
    scale: Mapped[str | None] = mapped_column(String(16), default=None)  # one of SCALES
    ownership: Mapped[str | None] = mapped_column(String(32), default=None)  # 央企 省属 市属 民营 外资…
    # Flags the campaigns single out (000): they decide which checklists apply.
    metal_smelting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dust_explosion: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dust_workers: Mapped[int | None] = mapped_column(Integer, default=None)  # 涉粉作业人数
    confined_space: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ammonia_refrigeration: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hazchem: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 厂中厂 / 出租场地
    leased_premises: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 结对帮扶 (000 三、附件1 row 2): 标杆企业 and 帮扶企业, set by the ledger import.
    benchmark: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    risk_grade: Mapped[str | None] = mapped_column(String(16), default=None)  # 分类分级
    principal_name: Mapped[str | None] = mapped_column(String(64), default=None)  # 主要负责人
    safety_contact_name: Mapped[str | None] = mapped_column(String(64), default=None)
    safety_contact_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    # 经度/纬度 as the ledger gives them, and the datum they are in (GCJ-02 from Chinese maps
    # and WeChat, WGS-84 from GPS): registry/coordinates.py compares them after conversion.
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    coord_system: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class EnterpriseChange(Base):
    """One change to an enterprise's ledger row: append-only."""

    __tablename__ = "enterprise_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))  # "user:12", "import:ledger.xlsx", "cli"
    # {"field": [old, new], …}; on creation every field with old = None.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class SelfCheckPlan(Base):
    """An enterprise's 自查自改工作方案, recorded by its manager or an officer: append-only.

    附件1 row 2 counts the enterprises that "制定了自查自改工作方案"; the record keeps who said
    so and when, since the count is filed upwards and must be answerable for.
    """

    __tablename__ = "selfcheck_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # the plan's name, as on its cover
    adopted_on: Mapped[date | None] = mapped_column(default=None)  # 印发日期, if given
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class EnterpriseQRCode(Base):
    """The code on an enterprise's poster. Unguessable token; revoked codes stay for audit."""

    __tablename__ = "enterprise_qr_codes"
    __table_args__ = (
        # At most one active code per enterprise, whatever the application does.
        Index(
            "uq_enterprise_qr_codes_active", "enterprise_id", unique=True,
            postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | revoked
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Cached permanent WeChat QR code (QR_LIMIT_STR_SCENE); None in dev mode.
    wechat_ticket: Mapped[str | None] = mapped_column(String(200), default=None)
    wechat_url: Mapped[str | None] = mapped_column(String(300), default=None)


class EnterpriseVisit(Base):
    """An officer scanned an enterprise's code on arrival (the inspection issue builds on it)."""

    __tablename__ = "enterprise_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    qr_code_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise_qr_codes.id"), default=None)
    at: Mapped[datetime]
