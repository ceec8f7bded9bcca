"""Plain factory functions: users with a role and a place, hazards in any state, inspections.

Rows are added and flushed, never committed: the caller's session decides. A hazard made
directly in a later state gets the one ``submit`` event its history starts with, plus the
level and (for the states after grading) a 五落实 plan a real hazard would carry there, so
the lifecycle's own rules (a plan before proof, managers see graded hazards) hold.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Attachment,
    Enterprise,
    Hazard,
    HazardEvent,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    RectificationPlan,
    User,
)
from bot.services.hazards.numbers import next_hazard_number

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Taiyuan
_seq = itertools.count(1)
GRADED_STATES = ("rectifying", "awaiting_verification", "closed")


def make_user(
    session: Session,
    *,
    role: str = "public",
    region_code: str | None = None,
    enterprise_id: int | None = None,
    name: str | None = None,
    phone: str | None = None,
    openid: str | None = None,
) -> User:
    user = User(
        openid=openid or f"o_{role}_{next(_seq):05d}", role=role, region_code=region_code,
        enterprise_id=enterprise_id, name=name, phone=phone, created_at=T0,
    )
    session.add(user)
    session.flush()
    return user


def enterprise(session: Session, name: str) -> Enterprise:
    """A demo enterprise (loaded by the clean_db fixture) by name."""
    return session.scalars(select(Enterprise).where(Enterprise.name == name)).one()


def make_hazard(
    session: Session,
    *,
    enterprise: Enterprise | None = None,
    enterprise_name: str = "未登记的某某铸造厂",
    region_code: str | None = None,
    state: str = "submitted",
    level: str | None = None,
    source: str = "public_report",
    reporter: User | None = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    possibly_major: bool = False,
    description: str = "熔炼炉冷却水管漏水，炉前积水",
    reported_at: datetime = T0,
    with_plan: bool | None = None,
) -> Hazard:
    """A hazard in ``state``; anonymous unless a ``reporter`` is given. Graded states default
    to a major level and carry a plan (``with_plan`` overrides)."""
    if level is None and state in GRADED_STATES:
        level = "major"
    hazard = Hazard(
        number=next_hazard_number(session, reported_at),  # as real ones: never a demo hazard's
        state=state,
        source=source,
        level=level,
        enterprise_id=enterprise.id if enterprise else None,
        enterprise_name=enterprise.name if enterprise else enterprise_name,
        region_code=region_code or (enterprise.region_code if enterprise else "140105"),
        description=description,
        anonymous=reporter is None,
        reporter_id=reporter.id if reporter else None,
        reporter_name=reporter_name if reporter else None,
        reporter_phone=reporter_phone if reporter else None,
        possibly_major=possibly_major,
        reported_at=reported_at,
    )
    session.add(hazard)
    session.flush()
    session.add(HazardEvent(
        hazard_id=hazard.id, at=reported_at, action="submit", from_state=None, to_state=state,
        actor_id=reporter.id if reporter else None,
    ))
    if with_plan if with_plan is not None else state in GRADED_STATES:
        # A placeholder author with no role, so that no extra manager receives messages.
        author = make_user(session, role="public")
        session.add(RectificationPlan(
            hazard_id=hazard.id, responsible_person="王五", measures="更换冷却水管",
            funds_wan=Decimal("2.00"), deadline=date(2026, 12, 31), contingency="停炉排水",
            submitted_by=author.id, submitted_at=reported_at,
        ))
    session.flush()
    return hazard


def make_photo(session: Session, *, uploader: User, at: datetime = T0) -> Attachment:
    """A photo the user sent that no report or step has used yet."""
    photo = Attachment(uploader_id=uploader.id, seq=1, media_id=f"M{next(_seq):06d}", created_at=at)
    session.add(photo)
    session.flush()
    return photo


def make_inspection(
    session: Session,
    *,
    enterprise: Enterprise,
    stage: str,
    by: User,
    started_at: datetime,
    finished_at: datetime | None = None,
    unit: str = "检查组",
    findings: tuple[Hazard, ...] = (),
) -> Inspection:
    """An inspection of ``enterprise`` at ``stage`` started by ``by`` (open unless
    ``finished_at``), with ``findings`` linked to it as the hazards it found."""
    inspection = Inspection(
        token=f"t{next(_seq):08d}", enterprise_id=enterprise.id, stage=stage, unit=unit,
        state="finished" if finished_at else "open", item_ids=[], started_by=by.id,
        started_at=started_at, finished_by=by.id if finished_at else None, finished_at=finished_at,
    )
    session.add(inspection)
    session.flush()
    session.add(InspectionInspector(inspection_id=inspection.id, user_id=by.id, joined_at=started_at))
    for hazard in findings:
        session.add(InspectionFinding(inspection_id=inspection.id, hazard_id=hazard.id,
                                      by_id=hazard.reporter_id or by.id, at=hazard.reported_at))
    session.flush()
    return inspection


# --- one small province for the workflow tests ------------------------------------------------

ENTERPRISE = "太原晋钢钢铁有限公司"  # 小店区 (140105), 太原市 (140100)
OTHER_ENTERPRISE = "清徐宏达焦化钢铁有限公司"  # 清徐县 (140121), also 太原市
REPORTER_NAME = "李四"
REPORTER_PHONE = "13900000000"


@dataclass(frozen=True)
class World:
    """Ids of the people around one enterprise and of their foreign counterparts."""

    ent: int
    other_ent: int
    county: int  # county officers of 小店区
    county2: int
    city: int  # city officer of 太原市
    province: int
    manager: int  # managers of ENTERPRISE
    manager2: int
    worker: int  # a worker of ENTERPRISE, the whistleblower
    public: int
    other_county: int  # 清徐县
    other_city: int  # 长治市
    other_manager: int  # manager of OTHER_ENTERPRISE
    admin: int


def make_world(session: Session) -> World:
    ent = enterprise(session, ENTERPRISE)
    other = enterprise(session, OTHER_ENTERPRISE)

    def user(role: str, **kw: object) -> int:
        return make_user(session, role=role, **kw).id  # type: ignore[arg-type]

    return World(
        ent=ent.id, other_ent=other.id,
        county=user("county_officer", region_code="140105", name="赵科长"),
        county2=user("county_officer", region_code="140105"),
        city=user("city_officer", region_code="140100"),
        province=user("province_officer", region_code="140000"),
        manager=user("enterprise_manager", enterprise_id=ent.id),
        manager2=user("enterprise_manager", enterprise_id=ent.id),
        worker=user("worker", enterprise_id=ent.id, name=REPORTER_NAME, phone=REPORTER_PHONE),
        public=user("public"),
        other_county=user("county_officer", region_code="140121"),
        other_city=user("city_officer", region_code="140400"),
        other_manager=user("enterprise_manager", enterprise_id=other.id),
        admin=user("admin"),
    )
