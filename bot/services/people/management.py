"""Managing the people of a jurisdiction: who may invite, revoke and move whom, and the audit.

Each officer manages the roles below his own, within his jurisdiction (``jurisdiction``): a
province officer city and county officers, a city officer county officers, a county officer
the enterprise managers of his county; the admin (and the CLI, run by the operator) everyone.
The console's people page and ``flask users`` call these functions, so one rule holds for
both, and every change is a ``PeopleAudit`` row in the caller's transaction.

A revocation makes the person public at once: the chat and the API read his role from the
database on every message and request, and ``end_console_sessions`` refuses his console
cookie. Codes he issued and nobody used yet stop working with him. His open items (the
hazards he was last told about or acted on that are still open, the inspections he is
walking; for a manager, his plant's hazards awaiting a plan or proof) are handed to the
jurisdiction's other officers: they are told in chat what is left, through the ``Queue`` the
caller passes in (people sits below messaging, so the outbox is given, not imported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.models import (
    BindingCode,
    Conversation,
    Enterprise,
    Hazard,
    HazardEvent,
    Inspection,
    InspectionInspector,
    PeopleAudit,
    Region,
    User,
)
from bot.services.people import bindings
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.people.roles import OFFICER_ROLES, ROLE_NAMES

# The roles each one may invite, revoke and move.
MANAGES: dict[str, tuple[str, ...]] = {
    "admin": bindings.BINDABLE_ROLES,
    "province_officer": ("city_officer", "county_officer"),
    "city_officer": ("county_officer",),
    "county_officer": ("enterprise_manager",),
}
CLI_LABEL = "命令行（管理员）"
_CLOSED = ("closed", "rejected", "merged")
_MANAGER_OPEN = ("acknowledged", "rectifying", "awaiting_verification")
_LIST_LIMIT = 500
_ITEMS_SHOWN = 20

# A queue for one chat message: ``outbox.queue_message``'s keyword signature.
Queue = Callable[..., object]


class ManagementError(bindings.BindingError):
    """A change the actor may not make; the message (Chinese) is shown as it is."""


@dataclass(frozen=True)
class Person:
    """One line of the people list."""

    id: int
    name: str
    role: str
    role_name: str
    place: str
    region_code: str | None
    enterprise_id: int | None
    bound_since: datetime | None
    last_seen: datetime | None


@dataclass
class Handover:
    """What a revoked or moved person left open, and who was told to carry it on."""

    hazards: list[str] = field(default_factory=list)
    inspections: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # their labels

    @property
    def summary(self) -> str:
        if not self.hazards and not self.inspections:
            return "无未办结事项"
        parts = []
        if self.hazards:
            parts.append(f"隐患{len(self.hazards)}条")
        if self.inspections:
            parts.append(f"进行中的检查{len(self.inspections)}次")
        told = "、".join(self.recipients) or "（辖区暂无其他监管人员）"
        return f"{'，'.join(parts)}，已转交：{told}"


# --- who may do what --------------------------------------------------------------------------


def managed_roles(actor: User | None) -> tuple[str, ...]:
    """The roles ``actor`` may invite, revoke and move (None: the CLI, as the admin)."""
    return MANAGES["admin"] if actor is None else MANAGES.get(actor.role, ())


def _codes(session: Session, actor: User | None) -> set[str] | None:
    """The actor's jurisdiction; None for no limit (admin, CLI)."""
    if actor is None or actor.role == "admin":
        return None
    if actor.role not in OFFICER_ROLES or not actor.region_code:
        return set()
    return jurisdiction_codes(session, actor.region_code)


def _require_role(actor: User | None, role: str) -> None:
    if role not in managed_roles(actor):
        allowed = "、".join(ROLE_NAMES.get(r, r) for r in managed_roles(actor)) or "无"
        raise ManagementError(f"您不能管理“{ROLE_NAMES.get(role, role)}”：您可管理的角色为 {allowed}。")


def _require_region(session: Session, actor: User | None, region_code: str | None) -> None:
    codes = _codes(session, actor)
    if codes is not None and (region_code is None or region_code not in codes):
        raise ManagementError("该行政区划或企业不在您的辖区内。")


def actor_label(actor: User | None) -> str:
    if actor is None:
        return CLI_LABEL
    return f"{actor.name or f'用户{actor.id}'}（{ROLE_NAMES.get(actor.role, actor.role)}）"[:64]


def _place(session: Session, user: User) -> tuple[str, str | None]:
    """The person's place as shown, and the region code it lies in."""
    if user.role == "enterprise_manager":
        enterprise = session.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
        return (enterprise.name, enterprise.region_code) if enterprise else ("", None)
    region = session.get(Region, user.region_code) if user.region_code else None
    return (region.name, region.code) if region else ("", user.region_code)


def _label(session: Session, user: User) -> str:
    place, _ = _place(session, user)
    return f"{user.name or f'用户{user.id}'}（{ROLE_NAMES.get(user.role, user.role)}，{place}）"[:64]


def _subject(session: Session, actor: User | None, subject_id: int) -> User:
    subject = session.get(User, subject_id)
    if subject is None or subject.role not in bindings.BINDABLE_ROLES:
        raise ManagementError(f"没有编号为 {subject_id} 的监管人员或企业负责人。")
    if actor is not None and subject.id == actor.id:
        raise ManagementError("不能变更自己的身份；如需解除绑定，请在公众号回复“解绑”。")
    _require_role(actor, subject.role)
    _require_region(session, actor, _place(session, subject)[1])
    return subject


def _audit(
    session: Session, actor: User | None, *, action: str, subject: User | None, subject_label: str,
    role: str, region_code: str | None, detail: str, now: datetime, to_region_code: str | None = None,
) -> None:
    session.add(PeopleAudit(
        at=now, action=action, actor_id=actor.id if actor else None, actor_label=actor_label(actor),
        subject_id=subject.id if subject else None, subject_label=subject_label[:64], role=role,
        region_code=region_code, to_region_code=to_region_code, detail=detail,
    ))
    session.flush()


# --- invite -----------------------------------------------------------------------------------


def invite(
    session: Session, actor: User | None, *, role: str, region_code: str | None = None,
    enterprise_id: int | None = None, name: str | None = None, days: int = 7, now: datetime,
) -> str:
    """Issue a binding code for a role below the actor's, within his jurisdiction."""
    _require_role(actor, role)
    where: str | None
    if role == "enterprise_manager":
        enterprise = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
        if enterprise is None:
            raise ManagementError("企业负责人须指定登记库中的企业")
        place, where = enterprise.name, enterprise.region_code
    else:
        region = session.get(Region, region_code) if region_code else None
        place, where = (region.name if region else ""), region_code
    _require_region(session, actor, where)
    code = bindings.issue_code(
        session, role=role, region_code=region_code, enterprise_id=enterprise_id, name=name, days=days,
        created_by="cli" if actor is None else f"user:{actor.id}", now=now,
    )
    who = (name or "").strip()[:32] or "（未指定姓名）"
    _audit(session, actor, action="invite", subject=None, subject_label=who, role=role, region_code=where,
           detail=f"发放绑定码：{ROLE_NAMES.get(role, role)}，{place}，{days}天内有效", now=now)
    return code


# --- the list ---------------------------------------------------------------------------------


def people_of(session: Session, actor: User | None, *, region_code: str | None = None) -> list[Person]:
    """The people ``actor`` manages, with role, place, bound since and last seen.

    "Last seen" is the later of his last message (kept 48 h only: ``retention``) and his last
    step on a hazard: no new trail of a person's activity is recorded for this list.
    """
    roles = managed_roles(actor)
    codes = _codes(session, actor)
    if region_code is not None:
        wanted = jurisdiction_codes(session, region_code)
        codes = wanted if codes is None else codes & wanted
    query = (select(User, Enterprise.region_code)
             .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
             .where(User.role.in_(roles)).order_by(User.role, User.region_code, User.id).limit(_LIST_LIMIT))
    if codes is not None:
        query = query.where(or_(
            (User.role != "enterprise_manager") & User.region_code.in_(codes),
            (User.role == "enterprise_manager") & Enterprise.region_code.in_(codes),
        ))
    rows = session.execute(query).all()
    ids = [user.id for user, _ in rows]
    bound: dict[Any, Any] = dict(session.execute(  # type: ignore[arg-type]
        select(BindingCode.used_by, func.max(BindingCode.used_at))
        .where(BindingCode.used_by.in_(ids)).group_by(BindingCode.used_by)).all()) if ids else {}
    acted: dict[Any, Any] = dict(session.execute(  # type: ignore[arg-type]
        select(HazardEvent.actor_id, func.max(HazardEvent.at))
        .where(HazardEvent.actor_id.in_(ids)).group_by(HazardEvent.actor_id)).all()) if ids else {}
    people = []
    for user, _ in rows:
        place, where = _place(session, user)
        seen = [t for t in (user.last_inbound_at, _aware(acted.get(user.id))) if t is not None]
        people.append(Person(
            id=user.id, name=user.name or f"用户{user.id}", role=user.role,
            role_name=ROLE_NAMES.get(user.role, user.role), place=place, region_code=where,
            enterprise_id=user.enterprise_id, bound_since=_aware(bound.get(user.id)),
            last_seen=max(seen) if seen else None,
        ))
    return people


def _aware(value: Any) -> datetime | None:
    """A ``func.max`` over a UTC column comes back without the type's conversion on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit_rows(session: Session, actor: User | None, *, limit: int = 100) -> list[PeopleAudit]:
    """The latest audit rows concerning the actor's jurisdiction (all of them for the admin)."""
    query = select(PeopleAudit).order_by(PeopleAudit.at.desc(), PeopleAudit.id.desc()).limit(limit)
    codes = _codes(session, actor)
    if codes is not None:
        query = query.where(or_(PeopleAudit.region_code.in_(codes), PeopleAudit.to_region_code.in_(codes)))
    return list(session.scalars(query))


# --- revoke, move, unbind ---------------------------------------------------------------------


def revoke(session: Session, actor: User | None, subject_id: int, *, now: datetime, queue: Queue) -> Handover:
    """Make the person public again; his open items go to his jurisdiction's other officers."""
    subject = _subject(session, actor, subject_id)
    return _end_role(session, actor, subject, action="revoke", now=now, queue=queue)


def unbind_self(session: Session, user: User, *, now: datetime, queue: Queue) -> Handover:
    """"解绑" in chat: the person gives up his role himself (a worker his employer)."""
    if user.role == "admin":
        raise ManagementError("系统管理员的身份请在命令行调整。")
    if user.role not in (*bindings.BINDABLE_ROLES, "worker"):
        raise ManagementError("您当前没有绑定任何身份，无需解绑。")
    return _end_role(session, user, user, action="unbind", now=now, queue=queue)


def _end_role(
    session: Session, actor: User | None, subject: User, *, action: str, now: datetime, queue: Queue
) -> Handover:
    label, (_, where), role = _label(session, subject), _place(session, subject), subject.role
    handover = _hand_over(session, subject, label=label, region_code=where, now=now, queue=queue,
                          why="已解除绑定" if action == "unbind" else "已被撤销身份")
    _void_codes(session, subject, now)
    if action != "unbind":  # 解绑 is itself a chat message: its dialogue is reset by the chat
        _end_dialogue(session, subject)
    subject.role = "public"
    subject.region_code = None
    subject.enterprise_id = None
    subject.last_notified_hazard_id = None
    bindings.end_console_sessions(subject)
    verb = "本人解除绑定" if action == "unbind" else "撤销身份"
    _audit(session, actor, action=action, subject=subject, subject_label=label, role=role, region_code=where,
           detail=f"{verb}，改为公众；{handover.summary}", now=now)
    return handover


def move(
    session: Session, actor: User | None, subject_id: int, *, region_code: str | None = None,
    enterprise_id: int | None = None, now: datetime, queue: Queue,
) -> Handover:
    """Move an officer to another region of his level, or a manager to another enterprise.

    Both places must lie in the actor's jurisdiction. What he left open in the old place is
    handed over there, as for a revocation, and his console sessions end (a page opened for
    the old region is not the new one's).
    """
    subject = _subject(session, actor, subject_id)
    label, (old_place, old_where) = _label(session, subject), _place(session, subject)
    if subject.role == "enterprise_manager":
        enterprise = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
        if enterprise is None:
            raise ManagementError("请指定登记库中的企业。")
        new_place, new_where = enterprise.name, enterprise.region_code
        unchanged = enterprise.id == subject.enterprise_id
    else:
        region = session.get(Region, region_code) if region_code else None
        if region is None:
            raise ManagementError(f"没有行政区划代码“{region_code or ''}”")
        if not bindings.level_fits(subject.role, region):
            raise ManagementError(f"“{region.name}”不是该角色对应的行政区划级别")
        new_place, new_where = region.name, region.code
        unchanged = region.code == subject.region_code
    if unchanged:
        raise ManagementError("新的辖区或企业与原来相同。")
    _require_region(session, actor, new_where)
    handover = _hand_over(session, subject, label=label, region_code=old_where, now=now, queue=queue,
                          why=f"已调整至{new_place}")
    if subject.role == "enterprise_manager":
        subject.enterprise_id = enterprise_id
    else:
        subject.region_code = new_where
    subject.last_notified_hazard_id = None
    bindings.end_console_sessions(subject)
    _end_dialogue(session, subject)
    _audit(session, actor, action="move", subject=subject, subject_label=label, role=subject.role,
           region_code=old_where, to_region_code=new_where,
           detail=f"调整：{old_place} → {new_place}；{handover.summary}", now=now)
    return handover


def _end_dialogue(session: Session, subject: User) -> None:
    """Drop his stored dialogue: an inspection walk or a plan begun under the old role must
    not go on under the new one (the walk's steps trust the dialogue). A missing row is the
    idle state; a draft's photos are left to retention like any abandoned draft's."""
    session.execute(delete(Conversation).where(Conversation.user_id == subject.id)
                    .execution_options(synchronize_session=False))


def _void_codes(session: Session, subject: User, now: datetime) -> None:
    """Unused codes the person issued stop working with his role."""
    session.execute(
        update(BindingCode)
        .where(BindingCode.created_by == f"user:{subject.id}", BindingCode.used_at.is_(None),
               BindingCode.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False)
    )


# --- the handover -----------------------------------------------------------------------------


def open_items(session: Session, user: User) -> tuple[list[str], list[str]]:
    """The person's open hazards (numbers) and open inspections (enterprise names).

    An officer's: open hazards of his jurisdiction he was last told about or has acted on,
    and open inspections he takes part in. A manager's: his enterprise's hazards waiting for
    the plant (a plan, a proof) or for an officer's check of it.
    """
    if user.role == "enterprise_manager":
        if user.enterprise_id is None:
            return [], []
        numbers = session.scalars(
            select(Hazard.number).where(Hazard.enterprise_id == user.enterprise_id,
                                        Hazard.state.in_(_MANAGER_OPEN)).order_by(Hazard.id))
        return list(numbers), []
    if user.role not in OFFICER_ROLES or not user.region_code:
        return [], []
    codes = jurisdiction_codes(session, user.region_code)
    acted = select(HazardEvent.hazard_id).where(HazardEvent.actor_id == user.id)
    mine: Any = Hazard.id.in_(acted)
    if user.last_notified_hazard_id is not None:
        mine = mine | (Hazard.id == user.last_notified_hazard_id)
    numbers = session.scalars(
        select(Hazard.number).where(mine, Hazard.state.not_in(_CLOSED), Hazard.region_code.in_(codes))
        .order_by(Hazard.id))
    walks = session.scalars(
        select(Enterprise.name).join(Inspection, Inspection.enterprise_id == Enterprise.id)
        .join(InspectionInspector, InspectionInspector.inspection_id == Inspection.id)
        .where(InspectionInspector.user_id == user.id, Inspection.state == "open").order_by(Inspection.id))
    return list(numbers), list(walks)


def _successors(session: Session, user: User, region_code: str | None) -> list[User]:
    """The officers who carry on: those of the same place, or else those just above it."""
    code = region_code
    for _ in range(3):
        if code is None:
            return []
        found = list(session.scalars(
            select(User).where(User.role.in_(OFFICER_ROLES), User.region_code == code, User.id != user.id)
            .order_by(User.id)))
        if found:
            return found
        region = session.get(Region, code)
        code = region.parent_code if region else None
    return []


def _hand_over(
    session: Session, user: User, *, label: str, region_code: str | None, why: str, now: datetime,
    queue: Queue,
) -> Handover:
    hazards, walks = open_items(session, user)
    handover = Handover(hazards=hazards, inspections=walks)
    if not hazards and not walks:
        return handover
    lines = [f"【人员变动】{label}{why}，其未办结事项请您所在辖区继续办理："]
    if hazards:
        shown = "、".join(hazards[:_ITEMS_SHOWN]) + ("等" if len(hazards) > _ITEMS_SHOWN else "")
        lines.append(f"隐患（{len(hazards)}条）：{shown}")
    if walks:
        lines.append(f"进行中的检查：{'、'.join(walks[:_ITEMS_SHOWN])}（回复“检查 企业名称”加入并继续）")
    lines.append("回复“待办”查看待处理事项。")
    text = "\n".join(lines)
    for officer in _successors(session, user, region_code):
        queue(session, key=f"handover:{user.id}:{now.isoformat()}:{officer.id}", openid=officer.openid,
              kind="people_handover", text=text, now=now)
        handover.recipients.append(officer.name or f"用户{officer.id}")
    return handover
