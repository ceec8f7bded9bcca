"""A report that repeats an open one: offered before confirming, and added to it on request.

Before a reporter confirms, ``similar_reports`` lists the enterprise's open hazards of the last
30 days his description is likely a repeat of (``hazards.duplicates``), as he may see them: the
number, the state, the date and the start of the description with anything that looks like
identity blanked. ``supplement`` then adds his text and evidence to the chosen one instead of
making a new hazard: an event "supplement" (补充情况) with his text, his photos, voice messages
and videos among the hazard's own evidence, and a notice to the officers who follow the hazard.

The anonymity rules are those of a report. A named supplement links the event to him and makes
him a follower (``HazardFollower``): he is then told of the hazard's steps as its reporter is,
and may 查询 it by number. An anonymous one keeps no link to him at all (no actor, no uploader,
no follower), gets no query code (the hazard is someone else's report) and hears nothing more.
The enterprise never learns of a supplement: its managers do not see the event, nor its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.models import Attachment, Hazard, HazardFollower, User
from bot.services.hazards import duplicates, notifications
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.workflow_common import find_hazard, record_event
from bot.services.people.anonymity import scrub_for_enterprise
from bot.services.platform.clock import local
from bot.services.reporting.reports import ReportDraft, ReportError

GONE = ("报告 {number} 已不能补充（可能已办结或合并）。回复“确认”作为新报告提交，或回复“取消”放弃。")
INCOMPLETE = "补充内容还不完整，请回复“举报”重新开始。"


@dataclass(frozen=True)
class SimilarReport:
    """An open report the reporter is offered to add to, as he may see it."""

    number: str
    state_label: str  # 待受理, 整改中…
    reported_on: date
    excerpt: str  # the start of its description, identity blanked


@dataclass(frozen=True)
class Supplemented:
    """What the reporter is told after adding to a report."""

    number: str
    enterprise: str
    anonymous: bool
    attachments: int  # photos, voice messages and videos added


def _matches(
    session: Session, draft: ReportDraft, *, reporter: User, now: datetime
) -> list[duplicates.Likely]:
    if not draft.description or not duplicates.offered_to(reporter, draft.enterprise_id):
        return []
    return duplicates.likely_duplicates(
        session, draft.description, enterprise_id=draft.enterprise_id,
        enterprise_name=draft.enterprise_name, region_code=draft.region_code, now=now,
    )


def similar_reports(
    session: Session, draft: ReportDraft, *, reporter: User, now: datetime
) -> list[SimilarReport]:
    """The open reports (at most two) the draft likely repeats, most alike first; none for a
    manager of the enterprise."""
    return [
        SimilarReport(
            number=f.hazard.number, state_label=T.STATE_NAMES.get(f.hazard.state, f.hazard.state),
            reported_on=local(f.hazard.reported_at).date(),
            excerpt=duplicates.excerpt(scrub_for_enterprise(session, f.hazard, f.hazard.description)),
        )
        for f in _matches(session, draft, reporter=reporter, now=now)
    ]


def supplement(
    session: Session, draft: ReportDraft, number: str, *, reporter: User, now: datetime
) -> Supplemented:
    """Add the draft to the open report ``number`` instead of filing it (see the module).

    The report must still be one ``similar_reports`` offers for this draft (open, of the same
    enterprise, alike): otherwise a ``ReportError`` says so and nothing is written.
    """
    if not draft.description or draft.anonymous is None:
        raise ReportError(INCOMPLETE)
    offered = {f.hazard.number for f in _matches(session, draft, reporter=reporter, now=now)}
    hazard = find_hazard(session, number, lock=True)
    if hazard is None or hazard.number not in offered or hazard.state not in duplicates.OPEN_STATES:
        raise ReportError(GONE.format(number=number.strip().upper()[:30]))
    attachments = _adopt_evidence(session, hazard, draft, reporter=reporter)
    how = T.SUPPLEMENT_ANONYMOUS if draft.anonymous else T.SUPPLEMENT_NAMED
    event = record_event(session, hazard, action="supplement", actor=None if draft.anonymous else reporter,
                         now=now, note=T.NOTE_SUPPLEMENT.format(how=how, text=draft.description,
                                                                photos=attachments))
    if not draft.anonymous:
        _follow(session, hazard, reporter, now=now)
    notifications.supplemented(
        session, hazard, text=draft.description, attachments=attachments, event=event,
        person=None if draft.anonymous else reporter,
        typed=() if draft.anonymous else (draft.reporter_name, draft.reporter_phone), now=now,
    )
    return Supplemented(hazard.number, hazard.enterprise_name, bool(draft.anonymous), attachments)


def _adopt_evidence(session: Session, hazard: Hazard, draft: ReportDraft, *, reporter: User) -> int:
    """The draft's photos, voice messages and videos become the hazard's own evidence (after
    its own, in the order sent); an anonymous supplement's keep no link to who sent them."""
    if not draft.photo_ids:
        return 0
    last = session.scalar(select(func.max(Attachment.seq)).where(Attachment.hazard_id == hazard.id)) or 0
    mine = list(session.scalars(
        select(Attachment).where(Attachment.id.in_(draft.photo_ids), Attachment.uploader_id == reporter.id,
                                 Attachment.hazard_id.is_(None))
        .order_by(Attachment.seq, Attachment.id)
    ))
    for offset, attachment in enumerate(mine, start=1):
        session.execute(
            update(Attachment).where(Attachment.id == attachment.id)
            .values(hazard_id=hazard.id, seq=last + offset,
                    uploader_id=None if draft.anonymous else reporter.id)
            .execution_options(synchronize_session=False)
        )
    return len(mine)


def _follow(session: Session, hazard: Hazard, person: User, *, now: datetime) -> None:
    """Make a named supplementer a follower of the hazard (once; not its own reporter)."""
    if hazard.reporter_id == person.id:
        return
    exists = session.scalar(select(HazardFollower.id).where(
        HazardFollower.hazard_id == hazard.id, HazardFollower.user_id == person.id))
    if exists is None:
        session.add(HazardFollower(hazard_id=hazard.id, user_id=person.id, since=now))
        session.flush()

