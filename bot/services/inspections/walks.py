"""Inspections: an officer (or an enterprise's manager, for 企业自查) walks the checklist items
that apply to the enterprise and records each answer; a failed item or a free finding becomes
a hazard at once.

Who inspects at which stage follows the seeds (000 四): an officer whose region covers the
enterprise does 市县检查 (a province officer 省级督查), a city officer from another city
交叉检查, the enterprise's own manager 企业自查. Each finding is a ``Hazard`` with
``source`` = the stage and ``reporter_id`` = the inspector. A finding at a checklist item
carries its level (重大 when the item is a major criterion, else 一般) and its 判定依据 (the
item's clause): it is recorded as found (受理, the inspector found it himself) and graded at
once by the lifecycle's own 定级 step (``lifecycle.classify_finding``), so it is 整改中 and the
enterprise's managers get the same 整改通知 as after a 定级 in chat. A free finding (清单外)
has neither: it is graded the same way when the officer gives its level as he records it
(``一般`` / ``重大 4.4``), else it stays 已受理 until an officer sends ``定级 编号 …``. A
manager's 企业自查 finding goes the same way into the enterprise's own rectification (seed
000 四（一）: 自查自改, 逐一销号), without the notice to the manager who recorded it. The
inspector's region splits 市本级 from 县级 in the weekly figures (``coverage.py``);
``checked_at`` dates it there. One inspection per enterprise and stage is open at a time: a
second inspector joins it, and anyone of them can resume it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import (
    Attachment,
    ChecklistItem,
    Enterprise,
    Hazard,
    HazardEvent,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    InspectionResult,
    User,
)
from bot.services.hazards import lifecycle, notifications
from bot.services.hazards.numbers import next_hazard_number
from bot.services.hazards.workflow_common import unit_name
from bot.services.inspections.checklists import applicable_items
from bot.services.messaging import outbox
from bot.services.people.jurisdiction import is_within

STAGE_NAMES = {
    "self_check": "企业自查",
    "joint_inspection": "市县检查",
    "cross_inspection": "交叉检查",
    "provincial": "省级督查",
}
LEVEL_LABELS = {"general": "一般", "major": "重大"}
RESULT_NAMES = {"pass": "合格", "hazard": "有隐患", "not_applicable": "不适用", "skipped": "跳过"}
MAX_DESCRIPTION = 1000
SELF_CHECK_UNIT = "企业自查"  # who "核实确认" a self-check's finding in the enterprise's notice
SELF_CHECK_LINES = 12  # findings listed by name in the officers' self-check notice


class InspectionError(ValueError):
    """A refused inspection step; the message (Chinese) is shown as it is."""


@dataclass
class Progress:
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # result → items
    findings: int = 0
    major: int = 0

    @property
    def answered(self) -> int:
        return sum(self.counts.values())


def stage_for(session: Session, user: User, enterprise: Enterprise) -> str | None:
    """The stage ``user`` would inspect ``enterprise`` at, or None when he may not."""
    if user.role == "enterprise_manager":
        return "self_check" if user.enterprise_id == enterprise.id else None
    if user.role not in ("county_officer", "city_officer", "province_officer") or not user.region_code:
        return None
    if user.role == "province_officer":
        return "provincial"
    if is_within(session, user.region_code, enterprise.region_code):
        return "joint_inspection"
    return "cross_inspection" if user.role == "city_officer" else None


def open_inspection(session: Session, enterprise_id: int, stage: str) -> Inspection | None:
    return session.scalars(
        select(Inspection).where(
            Inspection.enterprise_id == enterprise_id, Inspection.stage == stage, Inspection.state == "open"
        )
    ).one_or_none()


def offer(session: Session, user: User, enterprise_id: int) -> tuple[str, Inspection | None] | None:
    """What scanning the enterprise's code offers ``user``: (stage, the open inspection to
    join or None), or None when he may not inspect it."""
    enterprise = session.get(Enterprise, enterprise_id)
    stage = stage_for(session, user, enterprise) if enterprise else None
    if stage is None:
        return None
    return stage, open_inspection(session, enterprise_id, stage)


def start_or_join(session: Session, *, user: User, enterprise_id: int, now: datetime) -> Inspection:
    """The open inspection of the enterprise at ``user``'s stage, joined, or a new one.

    Two inspectors starting at once: the partial unique index lets one insert win; the
    other's transaction fails and the chat retries it (``chat.process_message``), finding it.
    """
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise InspectionError("该企业已不在登记库中。")
    stage = stage_for(session, user, enterprise)
    if stage is None:
        raise InspectionError(
            "您不能检查该企业：监管人员检查本辖区企业（市级人员可交叉检查外市企业），企业负责人只能自查本企业。"
        )
    inspection = open_inspection(session, enterprise.id, stage)
    if inspection is None:
        items = applicable_items(session, enterprise)
        if not items:
            raise InspectionError("检查清单尚未加载，请联系管理员（flask checklists load）。")
        unit = enterprise.name if stage == "self_check" else unit_name(session, user.region_code)
        inspection = Inspection(
            token=secrets.token_urlsafe(18), enterprise_id=enterprise.id, stage=stage, unit=unit,
            state="open", item_ids=[i.id for i in items], started_by=user.id, started_at=now,
        )
        session.add(inspection)
        session.flush()
    join(session, inspection, user, now=now)
    return inspection


def join(session: Session, inspection: Inspection, user: User, *, now: datetime) -> None:
    if user.id not in inspector_ids(session, inspection):
        session.add(InspectionInspector(inspection_id=inspection.id, user_id=user.id, joined_at=now))
        session.flush()


def inspector_ids(session: Session, inspection: Inspection) -> list[int]:
    return list(session.scalars(
        select(InspectionInspector.user_id).where(InspectionInspector.inspection_id == inspection.id)
        .order_by(InspectionInspector.id)
    ))


def inspectors(session: Session, inspection: Inspection) -> list[User]:
    return [u for u in (session.get(User, i) for i in inspector_ids(session, inspection)) if u]


def resumable(session: Session, user: User) -> Inspection | None:
    """The open inspection ``user`` last joined, for "检查" without a name."""
    return session.scalars(
        select(Inspection)
        .join(InspectionInspector, InspectionInspector.inspection_id == Inspection.id)
        .where(InspectionInspector.user_id == user.id, Inspection.state == "open")
        .order_by(InspectionInspector.joined_at.desc(), Inspection.id.desc())
        .limit(1)
    ).first()


def get(session: Session, inspection_id: int, *, lock: bool = False) -> Inspection | None:
    query = select(Inspection).where(Inspection.id == inspection_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def item(session: Session, item_id: str) -> ChecklistItem:
    found = session.get(ChecklistItem, item_id)
    if found is None:
        raise InspectionError("检查项已不在清单中。")
    return found


def results(session: Session, inspection: Inspection) -> dict[str, InspectionResult]:
    return {
        r.item_id: r for r in session.scalars(
            select(InspectionResult).where(InspectionResult.inspection_id == inspection.id))
    }


def next_item(session: Session, inspection: Inspection, after: str | None = None) -> str | None:
    """The first unanswered item after ``after`` in the walk's order (wrapping round), so two
    inspectors each go on from where they are and neither is sent back over the other's."""
    answered = set(results(session, inspection))
    order = list(inspection.item_ids)
    start = order.index(after) + 1 if after in order else 0
    for item_id in order[start:] + order[:start]:
        if item_id not in answered:
            return item_id
    return None


def previous_item(inspection: Inspection, current: str | None) -> str | None:
    order = list(inspection.item_ids)
    if current is None:
        return order[-1] if order else None
    position = order.index(current) if current in order else 0
    return order[position - 1] if position > 0 else None


def record_result(
    session: Session, inspection: Inspection, item_id: str, result: str, *, user: User, now: datetime
) -> None:
    """Answer an item (合格 / 有隐患 / 不适用 / 跳过); a later answer replaces an earlier one, but
    an item with a hazard recorded stays 有隐患 (the hazard goes on its own way)."""
    _check_open(inspection)
    if item_id not in inspection.item_ids:
        raise InspectionError("该检查项不属于本次检查。")
    row = results(session, inspection).get(item_id)
    if row is not None and row.result == "hazard" and result != "hazard":
        raise InspectionError("该项已登记隐患，不能再改为其他结果；如有误请按隐患编号处理。")
    if row is None:
        row = InspectionResult(inspection_id=inspection.id, item_id=item_id, result=result,
                               by_id=user.id, at=now)
        session.add(row)
    row.result, row.by_id, row.at = result, user.id, now
    session.flush()


def record_finding(
    session: Session,
    inspection: Inspection,
    *,
    item_id: str | None,
    description: str,
    photo_ids: list[int],
    user: User,
    now: datetime,
    level: str | None = None,
    basis: str | None = None,
) -> Hazard:
    """Create the hazard an item failed (or a free finding, ``item_id`` None) and link it.
    A free finding is graded at once when its inspector gives ``level`` (general|major, and
    optionally ``basis``) as he records it; a finding at an item takes the item's."""
    _check_open(inspection)
    description = description.strip()
    if not 2 <= len(description) <= MAX_DESCRIPTION:
        raise InspectionError(f"隐患描述须为 2–{MAX_DESCRIPTION} 字。")
    if level not in (None, "general", "major"):
        raise InspectionError("隐患等级只能是“一般”或“重大”。")
    if basis and len(basis.strip()) > lifecycle.MAX_BASIS_CHARS:
        raise InspectionError(f"判定依据不能超过 {lifecycle.MAX_BASIS_CHARS} 字。")
    enterprise = session.get(Enterprise, inspection.enterprise_id)
    if enterprise is None:
        raise InspectionError("该企业已不在登记库中。")
    checked = item(session, item_id) if item_id else None
    if item_id:
        record_result(session, inspection, item_id, "hazard", user=user, now=now)
    hazard = Hazard(
        number=next_hazard_number(session, now),
        state="acknowledged",
        source=inspection.stage,
        enterprise_id=enterprise.id,
        enterprise_name=enterprise.name,
        region_code=enterprise.region_code,
        industry=enterprise.industry,
        description=description,
        anonymous=False,
        reporter_id=user.id,
        reporter_name=user.name,
        reported_at=now,
        check_unit=inspection.unit,
        checked_at=now,
        possibly_major=bool(checked and checked.major),
    )
    session.add(hazard)
    session.flush()
    stage = STAGE_NAMES[inspection.stage]
    note = f"{stage}发现" + (f"（{checked.basis}）" if checked else "（清单外）")
    session.add(HazardEvent(hazard_id=hazard.id, at=now, action="inspect", from_state=None,
                            to_state="acknowledged", actor_id=user.id, note=note))
    session.flush()
    if checked is not None:
        self_check = inspection.stage == "self_check"
        lifecycle.classify_finding(
            session, hazard, actor=user, level="major" if checked.major else "general",
            basis=basis_text(checked), unit=SELF_CHECK_UNIT if self_check else inspection.unit,
            now=now, tell_actor=not self_check)
    elif level is not None:
        lifecycle.classify_finding(session, hazard, actor=user, level=level, basis=basis,
                                   unit=inspection.unit, now=now,
                                   tell_actor=inspection.stage != "self_check")
    if photo_ids:
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(photo_ids), Attachment.uploader_id == user.id,
                   Attachment.hazard_id.is_(None))
            .values(hazard_id=hazard.id)
        )
    session.add(InspectionFinding(inspection_id=inspection.id, item_id=item_id, hazard_id=hazard.id,
                                  by_id=user.id, at=now))
    session.flush()
    return hazard


def basis_text(checked: ChecklistItem) -> str:
    """The 判定依据 a finding carries onto the hazard, and so onto every printed, signed or sent
    text (附件5, 附件2, the chat): the clause cited by article and item, as officers cite it
    (《工贸企业重大事故隐患判定标准》第四条第（四）项). Whether the clause's *text* is verbatim does
    not matter here: its article and item are certain; the text is shown, marked 待核对, only
    where an officer reads it (the walk, the console)."""
    return checked.basis


def clauses(session: Session, inspection: Inspection) -> dict[int, ChecklistItem]:
    """The checklist item behind each finding (by hazard id); free findings have none."""
    found: dict[int, ChecklistItem] = {}
    for finding, hazard in findings(session, inspection):
        checked = session.get(ChecklistItem, finding.item_id) if finding.item_id else None
        if checked is not None:
            found[hazard.id] = checked
    return found


def findings(session: Session, inspection: Inspection) -> list[tuple[InspectionFinding, Hazard]]:
    rows = session.execute(
        select(InspectionFinding, Hazard)
        .join(Hazard, Hazard.id == InspectionFinding.hazard_id)
        .where(InspectionFinding.inspection_id == inspection.id)
        .order_by(InspectionFinding.id)
    ).all()
    return [(f, h) for f, h in rows]


def progress(session: Session, inspection: Inspection) -> Progress:
    found = Progress(total=len(inspection.item_ids))
    for row in results(session, inspection).values():
        found.counts[row.result] = found.counts.get(row.result, 0) + 1
    for _, hazard in findings(session, inspection):
        found.findings += 1
        found.major += hazard.level == "major"
    return found


def finish(session: Session, inspection: Inspection, *, user: User, now: datetime) -> Inspection:
    """Close the inspection; items left unanswered stay so (shown as 未检查).

    A 企业自查 that found hazards is reported to the officers of the jurisdiction (seed 000
    四（一）: 自查发现的重大事故隐患及时上报属地应急部门), through the outbox.
    """
    _check_open(inspection)
    inspection.state = "finished"
    inspection.finished_by = user.id
    inspection.finished_at = now
    session.flush()
    if inspection.stage == "self_check":
        _report_self_check(session, inspection, now=now)
    return inspection


def awaiting_grade(hazard: Hazard) -> bool:
    """A finding still to be graded by an officer (定级): one without a checklist level."""
    return hazard.state == "acknowledged"


def _report_self_check(session: Session, inspection: Inspection, *, now: datetime) -> None:
    found = [h for _, h in findings(session, inspection)]
    if not found:
        return
    first = found[0]
    major = sum(h.level == "major" for h in found)
    ungraded = [h for h in found if awaiting_grade(h)]
    lines = "\n".join(
        f"{h.number}（{'待定级' if awaiting_grade(h) else LEVEL_LABELS.get(h.level or '', '')}）"
        f"{h.description[:60]}" for h in found[:SELF_CHECK_LINES])
    if len(found) > SELF_CHECK_LINES:
        lines += f"\n……另有 {len(found) - SELF_CHECK_LINES} 条，见隐患台账。"
    graded = len(found) - len(ungraded)
    steps = []
    if graded:
        steps.append(f"按检查项定级的 {graded} 条已转企业自行整改，可回复“限期 编号 日期”设定整改期限，"
                     "重大隐患可回复“督办 编号”挂牌督办。")
    if ungraded:
        steps.append(f"清单外发现的 {len(ungraded)} 条待定级，请回复“定级 编号 重大|一般 [判定依据]”，"
                     f"例如“定级 {ungraded[0].number} 一般”。")
    text = (
        f"【企业自查】{first.enterprise_name} 完成自查，发现隐患 {len(found)} 条（重大 {major} 条）：\n"
        f"{lines}\n" + "\n".join(steps)
    )
    for officer in notifications.jurisdiction_officers(session, first):
        outbox.queue_message(session, key=f"self_check:{inspection.id}:{officer.id}", openid=officer.openid,
                             kind="self_check", text=text, now=now)


def _check_open(inspection: Inspection) -> None:
    if inspection.state != "open":
        raise InspectionError("本次检查已经结束。")
