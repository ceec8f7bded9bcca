"""Who is told what when a hazard moves: recipients and outbox rows for each workflow step.

Messages are outbox rows queued in the step's own transaction (docs/design.md §5), each keyed by
its cause: ``{action}:{number}:{user id}`` for steps that happen once in a hazard's life, and
``{action}:{number}:e{event id}:{user id}`` for steps that can repeat (a second deadline, a
plan filed again), so a retry never sends twice and a repetition is never swallowed.

The named reporter is told of every step that matters to him (受理, 不予受理 with the reason,
合并 into which number, 定级 with the deadline, a deadline set later, 整改完成待验收, 退回,
销号, the reward), and so is whoever supplemented the hazard by name (its followers), the
reward excepted; never an officer's name or phone, only the authority ("小店区应急管理局").
An anonymous report has nobody to tell: its reporter follows it with 查询 and his code. The
channel rules (the 48-hour window and its quota of 5) are the outbox's: a reporter who has
not written since his report gets the later notices as template or subscribe messages.

Whistleblower rule: the templates for the enterprise never name the reporter, the channel
or whether the report was named (workflow_texts), and every message to anyone but the
reporter himself has the reporter's name, phone and openid blanked wherever free text (the
description, an officer's reason) happens to carry them: officers see the identity only
through ``lifecycle.reporter_identity``, which logs each look. Messages to the enterprise go
further (``anonymity.scrub_for_enterprise``): any phone number, 身份证, e-mail address or
self-introduction in them is blanked too, named report or anonymous, whoever typed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.models import Attachment, Hazard, HazardEvent, HazardFollower, Region, User
from bot.models.region import ABOVE_COUNTY
from bot.services.hazards import clause_hints, duplicates
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.citations import cited
from bot.services.messaging.outbox import queue_message
from bot.services.people.anonymity import named_reporter, scrub, scrub_for_enterprise, scrub_person
from bot.services.people.jurisdiction import is_within
from bot.services.people.roles import OFFICER_ROLES
from bot.services.platform.clock import format_local

SUMMARY_CHARS = 80


# --- recipients -------------------------------------------------------------------------------


def officers_at(session: Session, role: str, region_code: str | None) -> list[User]:
    if region_code is None:
        return []
    return list(session.scalars(
        select(User).where(User.role == role, User.region_code == region_code).order_by(User.id)
    ))


def city_code_of(session: Session, region_code: str) -> str | None:
    """The city a county belongs to (a city-level code is its own city; ``jurisdiction_of``)."""
    return jurisdiction_of(session, region_code).city


@dataclass(frozen=True)
class Jurisdiction:
    """A region's name and the codes of the levels that answer for it (None: no such level)."""

    name: str
    county: str
    city: str | None
    province: str | None


_PARENT = aliased(Region, name="parent")
# Built once: every report reads it (a region with the one above it, in one statement).
_JURISDICTION = (
    select(Region.name, Region.level, Region.parent_code, _PARENT.parent_code)
    .outerjoin(_PARENT, _PARENT.code == Region.parent_code).where(Region.code == bindparam("code"))
)


def jurisdiction_of(session: Session, region_code: str) -> Jurisdiction:
    """The region's name, city and province: a county's city is its parent, a city is its
    own, and the province is the city's parent. An unknown code is named by itself and has no
    city or province."""
    row = session.connection().execute(_JURISDICTION, {"code": region_code}).first()  # Core row
    if row is None:
        return Jurisdiction(region_code, region_code, None, None)
    name, level, parent, grandparent = row
    if level not in ABOVE_COUNTY:  # a county-level region
        return Jurisdiction(name, region_code, parent, grandparent)
    return Jurisdiction(name, region_code, region_code, parent)


# Built once: the officers of all three levels in one statement (a level with no code matches
# nobody: ``region_code = NULL`` is never true).
_OFFICERS = select(User).where(or_(
    and_(User.role == "county_officer", User.region_code == bindparam("county")),
    and_(User.role == "city_officer", User.region_code == bindparam("city")),
    and_(User.role == "province_officer", User.region_code == bindparam("province")),
)).order_by(User.id)


def new_report_officers(
    session: Session, hazard: Hazard, *, where: Jurisdiction | None = None
) -> list[User]:
    """The county's officers; the city's too when the reporter thinks it may be major.

    A report must reach someone: with no officer bound in the county it goes to the city,
    and with none there to the province. The officers of all three levels are read in one
    statement (a confirmation's budget is a dozen) and chosen from here. ``where``: the
    hazard's jurisdiction, when the caller has read it already.
    """
    where = where or jurisdiction_of(session, hazard.region_code)
    found = list(session.scalars(
        _OFFICERS, {"county": where.county, "city": where.city, "province": where.province}))

    def at(role: str, code: str | None) -> list[User]:
        return [u for u in found if u.role == role and code is not None and u.region_code == code]

    county = at("county_officer", where.county)
    chosen = county
    if hazard.possibly_major or not county:
        chosen = county + at("city_officer", where.city)
    if not chosen and where.city is not None:
        chosen = at("province_officer", where.province)
    return chosen


def jurisdiction_officers(session: Session, hazard: Hazard) -> list[User]:
    """Officers who follow a hazard: those told of the report, the city's for a major one,
    and any officer of the jurisdiction who has acted on it."""
    where = jurisdiction_of(session, hazard.region_code)
    found = {u.id: u for u in new_report_officers(session, hazard, where=where)}
    if hazard.level == "major":
        found.update((u.id, u) for u in officers_at(session, "city_officer", where.city))
    actors = session.scalars(
        select(User).join(HazardEvent, HazardEvent.actor_id == User.id)
        .where(HazardEvent.hazard_id == hazard.id, User.role.in_(OFFICER_ROLES)).distinct()
    )
    for user in actors:
        if user.region_code and is_within(session, user.region_code, hazard.region_code):
            found[user.id] = user
    return [found[k] for k in sorted(found)]


def managers(session: Session, hazard: Hazard) -> list[User]:
    """The enterprise's managers; an unregistered enterprise has none."""
    if hazard.enterprise_id is None:
        return []
    return list(session.scalars(
        select(User)
        .where(User.role == "enterprise_manager", User.enterprise_id == hazard.enterprise_id)
        .order_by(User.id)
    ))


# --- queueing ---------------------------------------------------------------------------------


# Messages that ask for an answer: they make their hazard the one a bare command ("受理",
# "验收", "方案") refers to. Mere news (a plan filed, a hazard closed) must not steal that.
ACTIONABLE = frozenset({"new_report", "assign", "send_back", "proof"})


def _queue(
    session: Session,
    users: Iterable[User],
    *,
    action: str,
    hazard: Hazard,
    text: str,
    now: datetime,
    event: HazardEvent | None = None,
    for_reporter: bool = False,
    for_enterprise: bool = False,
) -> None:
    """One outbox row per user. A message to anyone but the reporter himself is scrubbed of
    the reporter's identity (officers see it only through the logged
    ``lifecycle.reporter_identity``), one to the enterprise of anything that looks like
    identity as well, and an ACTIONABLE one points the recipients' ``last_notified_hazard_id``
    at this hazard."""
    cause = f"{hazard.number}:e{event.id}" if event is not None else hazard.number
    if for_enterprise:
        text = scrub_for_enterprise(session, hazard, text)
    elif not for_reporter:
        text = scrub(session, hazard, text)
    for user in users:
        queue_message(session, key=f"{action}:{cause}:{user.id}", openid=user.openid, kind=action,
                      text=text, now=now)
        if action in ACTIONABLE and not for_reporter:
            user.last_notified_hazard_id = hazard.id


def _to_enterprise(
    session: Session, hazard: Hazard, *, action: str, text: str, now: datetime,
    event: HazardEvent | None = None, skip: User | None = None,
) -> None:
    told = [u for u in managers(session, hazard) if skip is None or u.id != skip.id]
    _queue(session, told, action=action, hazard=hazard, text=text, now=now,
           event=event, for_enterprise=True)


def followers(session: Session, hazard: Hazard) -> list[User]:
    """Those who supplemented the hazard by name (``HazardFollower``), in the order they did."""
    return list(session.scalars(
        select(User).join(HazardFollower, HazardFollower.user_id == User.id)
        .where(HazardFollower.hazard_id == hazard.id).order_by(HazardFollower.id)
    ))


def _to_reporter(
    session: Session, hazard: Hazard, *, action: str, text: str, now: datetime,
    event: HazardEvent | None = None, with_followers: bool = True,
) -> None:
    """The named reporter, and (for the steps of the hazard, not a reward) those who
    supplemented it by name: an anonymous report keeps no link to anyone to tell."""
    reporter = named_reporter(session, hazard)
    if reporter is not None:
        _queue(session, [reporter], action=action, hazard=hazard, text=text, now=now, event=event,
               for_reporter=True)
    if not with_followers:
        return
    others = [u for u in followers(session, hazard) if reporter is None or u.id != reporter.id]
    if others:
        _queue(session, others, action=action, hazard=hazard, now=now, event=event, for_reporter=True,
               text=text.replace(T.YOUR_REPORT, T.YOUR_SUPPLEMENT, 1))


REPORTED = ("worker_report", "public_report")  # a report, not an inspection's own finding


def _to_whistleblower(
    session: Session, hazard: Hazard, *, action: str, text: str, now: datetime,
    event: HazardEvent | None = None,
) -> None:
    """The steps in between go to one who reported, not to an inspector or a manager whose
    own finding it is (he took part in them)."""
    if hazard.source in REPORTED:
        _to_reporter(session, hazard, action=action, text=text, now=now, event=event)


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "…"


def _level(hazard: Hazard) -> tuple[str, str]:
    level = T.LEVEL_NAMES.get(hazard.level or "", "")
    basis = T.BASIS_SUFFIX.format(basis=cited(hazard.basis)) if cited(hazard.basis) else ""
    return level, basis


# --- one function per cause -------------------------------------------------------------------


def _hints(session: Session, hazard: Hazard, now: datetime) -> str:
    """The likely clauses, then the likely duplicates with the reply that merges."""
    found = clause_hints.suggest_for(session, hazard)
    hints = T.CLAUSE_HINTS.format(lines=clause_hints.hint_lines(found, hazard.number)) if found else ""
    same = duplicates.duplicates_of(session, hazard, now=now)
    if same:
        hints += T.DUPLICATE_HINTS.format(lines=duplicates.duplicate_lines(same, hazard.number))
    return hints


def new_report(session: Session, hazard: Hazard, *, now: datetime, photos: int | None = None) -> None:
    """``photos``: how many photos (not voice messages or videos) the report has, when the
    caller knows (else they are counted)."""
    assert hazard.ack_due_at is not None
    if photos is None:
        photos = session.scalar(
            select(func.count()).select_from(Attachment)
            .where(Attachment.hazard_id == hazard.id, Attachment.event_id.is_(None),
                   Attachment.kind == "photo")
        )
    where = jurisdiction_of(session, hazard.region_code)  # the county's name and the officers'
    text = T.NEW_REPORT.format(
        major=T.NEW_REPORT_MAJOR if hazard.possibly_major else "",
        number=hazard.number, enterprise=hazard.enterprise_name,
        county=where.name,
        source=T.SOURCE_NAMES.get(hazard.source, hazard.source),
        summary=_summary(hazard.description), photos=photos or 0,
        location=T.NEW_REPORT_LOCATION.format(label=hazard.location_label) if hazard.location_label else "",
        ack_due=format_local(hazard.ack_due_at), hints=_hints(session, hazard, now),
    )
    _queue(session, new_report_officers(session, hazard, where=where), action="new_report", hazard=hazard,
           text=text, now=now)


def acknowledged(session: Session, hazard: Hazard, *, unit: str, now: datetime) -> None:
    _to_reporter(session, hazard, action="acknowledge", now=now, text=T.ACKNOWLEDGED.format(
        number=hazard.number, enterprise=hazard.enterprise_name, unit=unit))


def rejected(session: Session, hazard: Hazard, *, unit: str, reason: str, now: datetime) -> None:
    _to_reporter(session, hazard, action="reject", now=now, text=T.REJECTED.format(
        number=hazard.number, enterprise=hazard.enterprise_name, unit=unit, reason=reason))


def assigned(
    session: Session, hazard: Hazard, *, unit: str, now: datetime, skip: User | None = None
) -> None:
    """``skip``: a manager who graded his own 自查 finding is not told of it again."""
    level, basis = _level(hazard)
    _to_enterprise(session, hazard, action="assign", now=now, skip=skip, text=T.ASSIGNED.format(
        number=hazard.number, unit=unit, enterprise=hazard.enterprise_name,
        description=hazard.description, level=level, basis=basis,
        deadline=hazard.deadline.isoformat() if hazard.deadline else T.NO_DEADLINE))
    _to_whistleblower(session, hazard, action="graded", now=now, text=T.GRADED_FOR_REPORTER.format(
        number=hazard.number, enterprise=hazard.enterprise_name, unit=unit, level=level,
        deadline=hazard.deadline.isoformat() if hazard.deadline else T.REPORTER_NO_DEADLINE))


def regraded(session: Session, hazard: Hazard, *, event: HazardEvent, now: datetime) -> None:
    level, basis = _level(hazard)
    _to_enterprise(session, hazard, action="regrade", now=now, event=event, text=T.REGRADED.format(
        number=hazard.number, enterprise=hazard.enterprise_name, level=level, basis=basis))


def deadline_set(session: Session, hazard: Hazard, *, event: HazardEvent, now: datetime) -> None:
    assert hazard.deadline is not None
    _to_enterprise(session, hazard, action="deadline", now=now, event=event, text=T.DEADLINE_SET.format(
        number=hazard.number, enterprise=hazard.enterprise_name, deadline=hazard.deadline.isoformat()))
    _to_whistleblower(session, hazard, action="report_deadline", now=now, event=event,
                 text=T.DEADLINE_FOR_REPORTER.format(number=hazard.number,
                                                     enterprise=hazard.enterprise_name,
                                                     deadline=hazard.deadline.isoformat()))


def supervised(session: Session, hazard: Hazard, *, event: HazardEvent, now: datetime) -> None:
    _to_enterprise(session, hazard, action="supervise", now=now, event=event, text=T.SUPERVISED.format(
        number=hazard.number, enterprise=hazard.enterprise_name, unit=hazard.supervising_unit))


def plan_submitted(
    session: Session, hazard: Hazard, *, person: str, measures: str, funds: str, deadline: date,
    contingency: str, event: HazardEvent, now: datetime,
) -> None:
    _queue(session, jurisdiction_officers(session, hazard), action="plan", hazard=hazard, now=now,
           event=event, text=T.PLAN_SUBMITTED.format(
               number=hazard.number, enterprise=hazard.enterprise_name, person=person,
               measures=measures, funds=funds, deadline=deadline.isoformat(), contingency=contingency))


def proof_submitted(
    session: Session, hazard: Hazard, *, note: str | None, photos: int, event: HazardEvent,
    now: datetime,
) -> None:
    _queue(session, jurisdiction_officers(session, hazard), action="proof", hazard=hazard, now=now,
           event=event, text=T.PROOF_SUBMITTED.format(
               number=hazard.number, enterprise=hazard.enterprise_name, note=note or T.NO_NOTE,
               photos=photos))
    _to_whistleblower(session, hazard, action="rectified", now=now, event=event,
                 text=T.RECTIFIED_FOR_REPORTER.format(number=hazard.number,
                                                      enterprise=hazard.enterprise_name))


def sent_back(session: Session, hazard: Hazard, *, reason: str, event: HazardEvent, now: datetime) -> None:
    _to_enterprise(session, hazard, action="send_back", now=now, event=event, text=T.SENT_BACK.format(
        number=hazard.number, enterprise=hazard.enterprise_name, reason=reason))
    # The reporter hears that it went back, not the officer's reason (it is about the works).
    _to_whistleblower(session, hazard, action="returned", now=now, event=event,
                 text=T.RETURNED_FOR_REPORTER.format(number=hazard.number,
                                                     enterprise=hazard.enterprise_name))


def closed(session: Session, hazard: Hazard, *, unit: str, now: datetime) -> None:
    _to_reporter(session, hazard, action="close", now=now, text=T.CLOSED_FOR_REPORTER.format(
        number=hazard.number, enterprise=hazard.enterprise_name, unit=unit))
    _to_enterprise(session, hazard, action="close", now=now, text=T.CLOSED_FOR_ENTERPRISE.format(
        number=hazard.number, enterprise=hazard.enterprise_name))


def merged_target_closed(session: Session, target: Hazard, *, unit: str, now: datetime) -> None:
    """The target of merges was closed: the named reporters of every report merged into it
    (directly, or into one merged into it in turn) are told, once each."""
    seen = {target.number}
    queue = [target.number]
    while queue:
        into = queue.pop()
        for hazard in session.scalars(
            select(Hazard)
            .join(HazardEvent, HazardEvent.hazard_id == Hazard.id)
            .where(Hazard.state == "merged", HazardEvent.action == "merge",
                   HazardEvent.note == T.NOTE_MERGED_INTO.format(into=into))
            .order_by(Hazard.id)
        ):
            if hazard.number in seen:
                continue
            seen.add(hazard.number)
            queue.append(hazard.number)
            _to_reporter(session, hazard, action="merged_close", now=now,
                         text=T.MERGED_CLOSED_FOR_REPORTER.format(
                             number=hazard.number, enterprise=hazard.enterprise_name,
                             into=target.number, unit=unit))


def merged(session: Session, hazard: Hazard, *, into: str, now: datetime) -> None:
    _to_reporter(session, hazard, action="merge", now=now, text=T.MERGED_FOR_REPORTER.format(
        number=hazard.number, enterprise=hazard.enterprise_name, into=into))
    if hazard.level is not None:  # the enterprise was told of it only once it was graded
        _to_enterprise(session, hazard, action="merge", now=now, text=T.MERGED_FOR_ENTERPRISE.format(
            number=hazard.number, into=into))


def supplemented(
    session: Session, hazard: Hazard, *, text: str, attachments: int, event: HazardEvent,
    person: User | None, typed: tuple[str | None, ...] = (), now: datetime,
) -> None:
    """Someone added to the hazard (``reporting.supplements``): its officers are told, with the
    text blanked of who he is (his account's name, phone and openid, and the contact he typed)
    as of who reported it; the enterprise is not told."""
    if person is not None:
        text = scrub_person(text, person, *typed)
    _queue(session, jurisdiction_officers(session, hazard), action="supplement", hazard=hazard,
           event=event, now=now, text=T.SUPPLEMENTED.format(
               number=hazard.number, enterprise=hazard.enterprise_name, summary=_summary(text),
               photos=attachments))


def reward_opened(session: Session, hazard: Hazard, *, claim_days: int, now: datetime) -> None:
    _to_reporter(session, hazard, action="reward_open", now=now, with_followers=False,
                 text=T.REWARD_OPENED.format(number=hazard.number, claim_days=claim_days))


def reward_approved(
    session: Session, hazard: Hazard, *, amount: int, claim_by: date, claim_days: int, unit: str,
    now: datetime,
) -> None:
    _to_reporter(session, hazard, action="reward_approve", now=now, with_followers=False,
                 text=T.REWARD_APPROVED.format(number=hazard.number, amount=amount,
                                               claim_by=claim_by.isoformat(), claim_days=claim_days,
                                               unit=unit))
