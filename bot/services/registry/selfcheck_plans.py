"""An enterprise's 自查自改工作方案, recorded as a fact: who said it was adopted, and when.

附件1 row 2 begins "**家企业制定了自查自改工作方案": the number of enterprises that have such a
plan, filed upwards every week. The plan itself is a document on the enterprise's desk; what
the system keeps is that it exists (its title and date, as on its cover), who recorded it —
the enterprise's own manager, or an officer of its jurisdiction who has seen it — and when.
Records are append-only (a revised plan is a new record), so a filed count can always be
traced to the records behind it. The console's enterprise page records it
(``bot/console/registry.py``); ``forms.figures`` counts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise, User
from bot.models.enterprise import SelfCheckPlan
from bot.services.people.jurisdiction import is_within
from bot.services.people.roles import is_officer
from bot.services.platform.clock import local

MIN_TITLE = 4
MAX_TITLE = 200
EARLIEST = date(2020, 1, 1)  # no plan of these campaigns predates them


class PlanRecordError(ValueError):
    """A plan that cannot be recorded; the message says why, in Chinese, for the person."""


@dataclass(frozen=True)
class PlanRecord:
    """One recorded plan as the console lists it."""

    title: str
    adopted_on: date | None
    recorded_at: datetime
    recorded_by: str  # the recorder's name, or his role when he gave none


def may_record(session: Session, user: User, enterprise: Enterprise) -> bool:
    """The enterprise's own manager, or an officer whose jurisdiction holds it."""
    if user.role == "enterprise_manager":
        return user.enterprise_id == enterprise.id
    if is_officer(user) and user.region_code:
        return is_within(session, user.region_code, enterprise.region_code)
    return False


def clean_title(raw: str | None) -> str:
    """The plan's title with whitespace collapsed; refused when empty, too short or too long."""
    title = re.sub(r"\s+", " ", raw or "").strip()
    if len(title) < MIN_TITLE:
        raise PlanRecordError(
            f"请填写方案名称（至少{MIN_TITLE}个字），例如：2025年安全生产自查自改工作方案。")
    if len(title) > MAX_TITLE:
        raise PlanRecordError(f"方案名称太长了（{len(title)}个字），请精简到{MAX_TITLE}个字以内。")
    if title.startswith("="):
        raise PlanRecordError("方案名称不能以“=”开头。")
    return title


def parse_adopted_on(raw: str | None, *, now: datetime) -> date | None:
    """The plan's date as typed (2025-01-08); empty means not given; not in the future."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PlanRecordError("印发日期格式不对，请写成 2025-01-08，或不填。") from None
    if day > local(now).date():
        raise PlanRecordError("印发日期不能晚于今天。")
    if day < EARLIEST:
        raise PlanRecordError(f"印发日期不能早于{EARLIEST.year}年。")
    return day


def record_plan(
    session: Session, enterprise: Enterprise, *, actor: User, title: str | None,
    adopted_on: str | None, now: datetime,
) -> SelfCheckPlan:
    """Record that ``enterprise`` has adopted its plan; the caller commits.

    Raises ``PlanRecordError`` (nothing added) for a person who may not, or bad input.
    """
    if not may_record(session, actor, enterprise):
        raise PlanRecordError("只有本企业的安全管理人员或辖区监管人员可以登记自查自改工作方案。")
    plan = SelfCheckPlan(
        enterprise_id=enterprise.id, title=clean_title(title),
        adopted_on=parse_adopted_on(adopted_on, now=now), recorded_by=actor.id, recorded_at=now,
    )
    session.add(plan)
    session.flush()
    return plan


def plans_of(session: Session, enterprise_id: int) -> list[PlanRecord]:
    """The enterprise's recorded plans, newest first."""
    rows = session.execute(
        select(SelfCheckPlan, User.name, User.role)
        .join(User, User.id == SelfCheckPlan.recorded_by)
        .where(SelfCheckPlan.enterprise_id == enterprise_id)
        .order_by(SelfCheckPlan.recorded_at.desc(), SelfCheckPlan.id.desc())
    ).all()
    return [PlanRecord(p.title, p.adopted_on, p.recorded_at, name or _ROLE_WORDS.get(role, role))
            for p, name, role in rows]


_ROLE_WORDS = {"enterprise_manager": "企业安全管理人员", "county_officer": "县级监管人员",
               "city_officer": "市级监管人员", "province_officer": "省级监管人员"}
