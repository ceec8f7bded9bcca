"""Demo data for the console (``flask demo console``): people to sign in as, hazards with history.

Dev mode has no WeChat account, so the console's dev login lists these users. The hazards
are spread over the last twelve weeks, the demo enterprises and every stage of the
lifecycle, with the events each stage implies (submit → 受理 → 定级 → 五落实 → 提交整改 →
销号), so the ledger, the hazard pages and the dashboards have something to show. Numbers
come from the real counter, so hazards reported later never collide with them.
Idempotent: running it again adds nothing when the demo users exist.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign, Enterprise, Hazard, HazardEvent, RectificationPlan, Region, User
from bot.services.hazards.numbers import next_hazard_number
from bot.services.platform.clock import local

DEMO_PREFIX = "demo-console-"
DEMO_USERS: tuple[tuple[str, str, str | None, str | None], ...] = (
    # (key, role, region code, name); the manager's enterprise is DEMO_ENTERPRISE
    ("county-xiaodian", "county_officer", "140105", "演示科长（小店区）"),
    ("county-qingxu", "county_officer", "140121", "演示科员（清徐县）"),
    ("city-taiyuan", "city_officer", "140100", "演示处长（太原市）"),
    ("province", "province_officer", "140000", "演示督查员（省厅）"),
    ("manager", "enterprise_manager", None, "演示安全负责人（太原晋钢）"),
    ("admin", "admin", None, "演示管理员"),
)
DEMO_ENTERPRISE = "太原晋钢钢铁有限公司"
DEMO_CAMPAIGN = "演示专项行动（开发模式）"
HAZARDS_PER_ENTERPRISE = 12
SOURCES = ("self_check", "joint_inspection", "joint_inspection", "cross_inspection", "provincial",
           "public_report", "worker_report", "worker_report")
DESCRIPTIONS = (
    "炼钢车间吊运铁水的起重机未使用冶金铸造起重机，制动器磨损严重",
    "深井铸造平台结晶器冷却水与铸造机未设置联锁",
    "除尘系统未设置泄爆装置，粉尘积尘较厚",
    "有限空间作业未执行先通风、再检测、后作业",
    "煤气柜区域一氧化碳报警器失灵两天无人处理",
    "液氨储罐区未设置泄漏报警和应急喷淋装置",
    "厂中厂承租单位未纳入统一安全管理",
    "高温熔融金属吊运区域地面有积水",
    "转炉氧枪冷却水进出水流量差未设报警",
    "危险作业未办理审批手续，现场无监护人",
)
# Stage reached, and how many of each twelve hazards end there.
STAGES = ("submitted",) * 2 + ("acknowledged",) + ("rectifying",) * 3 + ("awaiting_verification",) \
    + ("closed",) * 4 + ("rejected",)


def load_console_demo(session: Session, *, now: datetime) -> int:
    """Add the demo users, hazards and a running campaign; returns the hazards added."""
    if session.scalars(select(User).where(User.openid == DEMO_PREFIX + "admin")).first():
        return 0
    managed = session.scalars(select(Enterprise).where(Enterprise.name == DEMO_ENTERPRISE)).one()
    users: dict[str, User] = {}
    for key, role, region, name in DEMO_USERS:
        user = User(openid=DEMO_PREFIX + key, role=role, region_code=region, name=name, created_at=now,
                    enterprise_id=managed.id if role == "enterprise_manager" else None)
        session.add(user)
        users[key] = user
    session.flush()
    today = local(now).date()
    if not session.scalars(select(Campaign).where(Campaign.doc_number == "演示〔2026〕1号")).first():
        session.add(Campaign(doc_number="演示〔2026〕1号", name=DEMO_CAMPAIGN, region_code="140000",
                             starts_on=today - timedelta(days=90), ends_on=today + timedelta(days=90),
                             cadence="weekly", due_weekday=4, form="weekly_dispatch", created_at=now))
    officer = users["county-xiaodian"]
    rng = random.Random(2026)
    added = 0
    for enterprise in session.scalars(select(Enterprise).order_by(Enterprise.id)).all():
        unit = (session.get(Region, enterprise.region_code) or Region(name="")).name + "应急管理局"
        for i in range(HAZARDS_PER_ENTERPRISE):
            # Only the demo people's own hazards name them; the others read "系统".
            _add_hazard(session, enterprise, STAGES[(i + enterprise.id) % len(STAGES)], rng, now=now,
                        actor=officer if enterprise.region_code == officer.region_code else None,
                        manager=users["manager"] if enterprise.id == managed.id else None, unit=unit,
                        author_id=users["manager"].id)
            added += 1
    session.flush()
    return added


def _add_hazard(
    session: Session, enterprise: Enterprise, stage: str, rng: random.Random, *, now: datetime,
    actor: User | None, manager: User | None, unit: str, author_id: int,
) -> None:
    reported = now - timedelta(days=rng.randint(1, 83), hours=rng.randint(0, 23))
    graded = stage not in ("submitted", "acknowledged", "rejected")
    level = rng.choice(("general",) * 3 + ("major",)) if graded else None
    source = rng.choice(SOURCES)
    hazard = Hazard(
        number=next_hazard_number(session, reported), state=stage, source=source, level=level,
        enterprise_id=enterprise.id, enterprise_name=enterprise.name, region_code=enterprise.region_code,
        industry=enterprise.industry, description=rng.choice(DESCRIPTIONS),
        anonymous=source != "worker_report",
        reported_at=reported, ack_due_at=reported + timedelta(hours=24),
        location_lat=round(37.7 + rng.random(), 6) if rng.random() < 0.5 else None,
        location_lng=round(112.4 + rng.random(), 6), possibly_major=level == "major",
    )
    if hazard.location_lat is None:
        hazard.location_lng = None
    else:
        hazard.location_system = "GCJ-02"  # as a WeChat location message gives it
    if source == "worker_report":
        hazard.reporter_name, hazard.reporter_phone = "演示职工", "13800000000"
    session.add(hazard)
    session.flush()
    t = reported
    path = ["submit"]
    order = ("acknowledged", "rectifying", "awaiting_verification", "closed")
    if stage == "rejected":
        path.append("reject")
    elif stage in order:
        path += ["acknowledge", "classify", "deadline", "plan", "proof", "close"][: {
            "acknowledged": 1, "rectifying": 4, "awaiting_verification": 5, "closed": 6}[stage]]
    state = None
    for action in path:
        to = {"submit": "submitted", "acknowledge": "acknowledged", "reject": "rejected",
              "classify": "rectifying", "proof": "awaiting_verification", "close": "closed",
              }.get(action, state or "submitted")
        note = None
        who: User | None = actor
        if action == "submit":
            who = None
        elif action == "reject":
            note = "经核实不属于安全生产隐患"
        elif action == "classify":
            note = {"general": "一般隐患", "major": "重大事故隐患"}[level or "general"]
            hazard.check_unit, hazard.checked_at = unit, t
        elif action == "deadline":
            hazard.deadline = _deadline(local(t).date(), rng)
            note = hazard.deadline.isoformat()
        elif action == "plan":
            who = manager
            hazard.measures = "停用并更换相关设备，完善联锁与报警"
            session.add(RectificationPlan(
                hazard_id=hazard.id, responsible_person="王五", measures=hazard.measures,
                funds_wan=Decimal(rng.randint(1, 50)), deadline=hazard.deadline or local(t).date(),
                contingency="整改期间停产或专人监护", submitted_by=author_id, submitted_at=t))
            note = "五落实方案"
        elif action == "proof":
            who, note = manager, "已按方案整改完毕"
        elif action == "close":
            hazard.closed_at = t
        session.add(HazardEvent(hazard_id=hazard.id, at=t, action=action, from_state=state, to_state=to,
                                actor_id=who.id if who else None, note=note))
        state = to
        t = min(t + timedelta(hours=rng.randint(3, 60)), now)
    hazard.state = stage


def _deadline(day: date, rng: random.Random) -> date:
    return day + timedelta(days=rng.randint(5, 40))
