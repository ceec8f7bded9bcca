"""The chat channel's application service: one inbound message, one transaction.

Deduplication, the user, the dialogue state, the report and its photos and the reply log are
all written in the same transaction, so a retried message either finds the first one's reply
or does the work itself — never both, never half.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import conversations, inbound_log
from bot.chat.inspections import InspectionChat
from bot.chat.reporter import ReporterChat
from bot.chat.reports import ReportChat
from bot.chat.workflow import WorkflowChat
from bot.db import unpinged_checkouts
from bot.handlers import dialogue as dialogues
from bot.handlers import texts
from bot.handlers.core import Choice, Dialogue, Nearby, ScanOutcome
from bot.handlers.incoming import Incoming, Intent, classify, is_new_follower, scene_of
from bot.models import User
from bot.services.forms.weekly_tables import ReportLinks
from bot.services.hazards.lifecycle import DEFAULT_SETTINGS, WorkflowSettings
from bot.services.inspections import walks
from bot.services.people import bindings, console_login, roles
from bot.services.platform.clock import format_local
from bot.services.registry import enterprises, qrcodes, visits
from bot.services.registry.coordinates import GCJ02, Point
from bot.services.reporting import media, progress, reports
from bot.services.reporting.lookups import QueryGuard, TooManyLookups

log = logging.getLogger(__name__)
NEARBY_LIMIT = 5  # plants offered for a location: a phone screen's worth


@dataclass(frozen=True)
class ChatSettings:
    idle: timedelta = timedelta(minutes=30)  # silent this long, a draft is offered to resume
    draft: timedelta = timedelta(hours=24)  # silent this long, a draft is dropped
    inspection_idle: timedelta = timedelta(minutes=120)  # a walk through a plant is slower
    max_photos: int = 9
    max_description_chars: int = 1000
    workflow: WorkflowSettings = DEFAULT_SETTINGS
    links: ReportLinks = ReportLinks(secret="dev-only-secret-change-me", base_url="http://127.0.0.1:5000")
    public_base_url: str = "http://127.0.0.1:5000"  # links sent in chat (the 附件5 download)
    queries: QueryGuard | None = None  # failed 查询 limited per user (None: tests without wiring)


class ChatServices(WorkflowChat, ReportChat, InspectionChat, ReporterChat):
    """What dialogue steps may do, bound to one transaction and one user (a ``ChatPort``).

    Reporting is here; the officers' and managers' commands are in ``WorkflowChat``.
    """

    def __init__(self, session: Session, user: User, settings: ChatSettings, now: datetime) -> None:
        self.session = session
        self.user = user
        self.now = now
        self.max_photos = settings.max_photos
        self.max_description_chars = settings.max_description_chars
        self.workflow = settings.workflow
        self.links = settings.links
        self.public_base_url = settings.public_base_url
        self.queries = settings.queries

    def find_enterprises(self, text: str) -> list[Choice]:
        found = enterprises.search_enterprises(self.session, text)
        return [Choice(str(m.id), f"{m.name}（{m.region_name}）") for m in found]

    def nearby_enterprises(self, lat: float, lng: float) -> list[Nearby]:
        found = enterprises.nearby_enterprises(self.session, Point(lat, lng, GCJ02), limit=NEARBY_LIMIT)
        return [Nearby(str(e.id), self.enterprise_label(e.id), km) for e, km in found]

    def find_counties(self, text: str) -> list[Choice]:
        return [
            Choice(r.code, f"{r.name}（{enterprises.region_name(self.session, r.parent_code or '')}）")
            for r in enterprises.search_counties(self.session, text)
        ]

    def enterprise_label(self, enterprise_id: int) -> str:
        found = enterprises.named(self.session, enterprise_id)
        if found is None:
            return "（企业已不在登记库中）"
        return f"{found.name}（{found.county}）"

    def county_label(self, code: str) -> str:
        return enterprises.region_name(self.session, code)

    def add_photo(self, media_id: str, pic_url: str, seq: int) -> int:
        attachment = media.add_photo(
            self.session, uploader=self.user, media_id=media_id, pic_url=pic_url, seq=seq,
            now=self.now,
        )
        return attachment.id

    def add_recording(
        self, kind: str, media_id: str, seq: int, transcript: str, thumb_media_id: str
    ) -> int:
        attachment = media.add_recording(
            self.session, uploader=self.user, kind=kind, media_id=media_id, seq=seq,
            transcript=transcript, thumb_media_id=thumb_media_id, now=self.now,
        )
        return attachment.id

    def discard_photos(self, ids: list[int]) -> None:
        media.discard_unsubmitted(self.session, uploader=self.user, attachment_ids=ids)

    def submit(self, draft: reports.ReportDraft) -> tuple[str, str | None]:
        hazard, code = reports.submit_report(
            self.session, draft, reporter=self.user, now=self.now, settings=self.workflow
        )
        log.info("hazard %s submitted (%s)", hazard.number, hazard.source)
        return hazard.number, code

    def status_text(self, number: str, code: str | None) -> str:
        if self.queries is None:
            hazard = reports.lookup_status(self.session, number, asker=self.user, query_code=code)
        else:
            try:
                hazard = self.queries.lookup(self.session, number, asker=self.user, query_code=code,
                                             now=self.now)
            except TooManyLookups as exc:
                log.warning("查询 refused: too many failed lookups by one user (retry in %d s)",
                            exc.retry_after)
                return str(exc)
        if hazard is None:
            return texts.QUERY_NOT_FOUND
        return progress.progress_text(progress.summarize(self.session, hazard))

    def scan(self, scene: str) -> ScanOutcome:
        target = qrcodes.resolve_scene(self.session, scene)
        if target is None:
            return ScanOutcome("unknown")
        if target.revoked:
            return ScanOutcome("revoked")
        label = self.enterprise_label(target.enterprise_id)
        stage, progress = self._inspection_offer(target.enterprise_id)
        if roles.is_officer(self.user):
            visits.record_visit(
                self.session, officer=self.user, enterprise_id=target.enterprise_id,
                qr_code_id=target.code_id, now=self.now,
            )
            return ScanOutcome("visit", target.enterprise_id, label, format_local(self.now),
                               inspect_stage=stage, inspect_open=progress)
        offer = bindings.may_declare_worker(self.user, target.enterprise_id)
        return ScanOutcome("report", target.enterprise_id, label, offer_worker=offer, inspect_stage=stage,
                           inspect_open=progress)

    def _inspection_offer(self, enterprise_id: int) -> tuple[str, str]:
        """The stage the person may inspect the enterprise at, and the open one's progress."""
        found = walks.offer(self.session, self.user, enterprise_id)
        if found is None:
            return "", ""
        stage, open_one = found
        if open_one is None:
            return walks.STAGE_NAMES[stage], ""
        view = self._inspection_view(open_one)
        names = "、".join(u.name or "检查人员" for u in walks.inspectors(self.session, open_one))
        return view.stage, f"{names}，已检查 {view.answered}/{view.total} 项"


def process_message(
    session_factory: sessionmaker[Session], msg: Incoming, *, now: datetime, settings: ChatSettings
) -> str:
    """Answer one WeChat message exactly once; returns the reply text ('' for none).

    Two deliveries of one message, or two messages of one new user, can race: the loser's
    flush or commit fails on a unique key, and it starts over, finding the winner's rows. A
    pooled connection the server has closed fails the first statement the same way (an
    ``OperationalError``, nothing done yet), and the next try runs on a fresh connection: so
    the pool's ping on checkout, a round trip per message, is skipped here
    (``bot.db.unpinged_checkouts``).
    """
    key = inbound_log.dedupe_key(
        msg_id=msg.msg_id, openid=msg.openid, create_time=msg.create_time,
        event=msg.event, event_key=msg.event_key,
    )
    for attempt in range(3):
        with unpinged_checkouts(), session_factory() as session:
            try:
                sender = conversations.load_sender(session, msg.openid, key=key, now=now)
                if isinstance(sender, conversations.Answered):
                    # Not the key: an event's key holds the sender's openid (logs never name people).
                    log.info("duplicate delivery of a %s message (MsgId %s) answered from the log",
                             msg.kind, msg.msg_id or "-")
                    return sender.reply
                reply, dialogue = _answer(session, sender.user, msg, now=now, settings=settings)
                log_row = inbound_log.entry(key=sender.key, openid=msg.openid, msg_type=msg.kind,
                                            reply=reply, now=now)
                if dialogue is None:
                    inbound_log.record(session, log_row)
                else:  # with the dialogue, in one statement where the database can
                    conversations.save(session, sender.user, dialogue, now=now, log=log_row)
                session.commit()
                return reply
            except (IntegrityError, OperationalError) as exc:
                session.rollback()
                if attempt == 2:
                    raise
                # Not the key either: it may hold the sender's openid.
                log.info("a %s message (MsgId %s) raced another transaction or met a dead "
                         "connection (%s); retrying",
                         msg.kind, msg.msg_id or "-", type(exc).__name__)
    raise AssertionError("unreachable")


def _answer(
    session: Session, user: User, msg: Incoming, *, now: datetime, settings: ChatSettings
) -> tuple[str, Dialogue | None]:
    """The reply, and the dialogue to write back (None: untouched)."""
    if classify(msg) is Intent.SCAN and console_login.is_login_scene(scene_of(msg)):
        return _console_login(session, user, msg, now), None
    port = ChatServices(session, user, settings, now)
    dialogue, updated_at = conversations.load(session, user)
    notice = ""
    idle = conversations.idle_limit(dialogue.state, idle=settings.draft,
                                    inspection_idle=settings.inspection_idle)
    if conversations.is_expired(dialogue, updated_at, now=now, idle=idle):
        notice = conversations.expired_notice(dialogue, idle)
        dialogues.reset(dialogue, port)
    conversations.mark_paused(dialogue, updated_at, now=now, quiet=settings.idle)
    reply = dialogues.handle(dialogue, msg, port)
    if notice:
        return notice + "\n\n" + (reply or texts.GUIDE), dialogue
    return reply, dialogue


def _console_login(session: Session, user: User, msg: Incoming, now: datetime) -> str:
    """A scan of the console's login code (``login:…``, not an enterprise's poster): it signs
    a desk browser in, whatever the dialogue is doing, so a draft report in progress stays."""
    result = console_login.confirm_scan(session, user, scene_of(msg), now)
    reply = console_login.chat_reply(result, at=format_local(now))
    return texts.WELCOME + "\n\n" + reply if is_new_follower(msg) else reply
