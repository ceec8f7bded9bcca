"""What every dialogue shares: its states, its stored shape, and the port to the services.

The reporting dialogue (``dialogue.py``), officers' commands (``officer.py``) and the
manager's 五落实 dialogue (``plan.py``) are steps over one ``Dialogue``; ``dialogue.handle``
dispatches among them. Nothing here touches the database: ``ChatPort`` is implemented in
``bot/chat/channel.py`` and faked in the unit tests.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.handlers import texts
from bot.handlers.incoming import Incoming
from bot.services.hazards.lifecycle import PenaltyDraft, PlanDraft, ReporterView
from bot.services.people.bindings import Bound
from bot.services.reporting.progress import ReportLine
from bot.services.reporting.reports import ReportDraft
from bot.services.reporting.supplements import SimilarReport, Supplemented


class State(enum.Enum):
    IDLE = "idle"
    # reporting a hazard
    ENTERPRISE = "enterprise"
    ENTERPRISE_CHOICE = "enterprise_choice"
    COUNTY = "county"
    COUNTY_CHOICE = "county_choice"
    DESCRIPTION = "description"
    PHOTOS = "photos"
    LOCATION = "location"
    IDENTITY = "identity"
    CONTACT = "contact"
    MAJOR = "major"
    CONFIRM = "confirm"
    # a manager's 五落实 rectification plan
    PLAN_PERSON = "plan_person"
    PLAN_MEASURES = "plan_measures"
    PLAN_FUNDS = "plan_funds"
    PLAN_DEADLINE = "plan_deadline"
    PLAN_CONTINGENCY = "plan_contingency"
    PLAN_CONFIRM = "plan_confirm"
    # a manager's proof that the rectification is done
    PROOF_PHOTOS = "proof_photos"
    PROOF_NOTE = "proof_note"
    PROOF_CONFIRM = "proof_confirm"
    # an inspection: walking the checklist items (inspect.py)
    INSPECT_CHOOSE = "inspect_choose"
    INSPECT_ITEM = "inspect_item"
    INSPECT_DESCRIPTION = "inspect_description"
    INSPECT_PHOTOS = "inspect_photos"
    INSPECT_LEVEL = "inspect_level"  # an officer's free finding: 一般 / 重大 [依据] / 跳过
    INSPECT_FINISH = "inspect_finish"

    @property
    def flow(self) -> str:
        """``idle``, ``report``, ``plan``, ``proof`` or ``inspect``: the dialogue of this state."""
        if self is State.IDLE:
            return "idle"
        prefixes = ("plan_", "proof_", "inspect_")
        return self.value.split("_")[0] if self.value.startswith(prefixes) else "report"


@dataclass
class Dialogue:
    state: State = State.IDLE
    draft: ReportDraft = field(default_factory=ReportDraft)
    choices: list[str] = field(default_factory=list)  # ids or codes behind a numbered list
    typed: str = ""  # the name the person typed, for an unregistered enterprise
    # Everything else a flow keeps between messages (JSON-safe): the plan's answers, the
    # proof's photos, the enterprise whose code was scanned.
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def photo_ids(self) -> list[int]:
        """Photos received in this dialogue and not yet part of a hazard."""
        return [*self.draft.photo_ids, *self.data.get("photo_ids", [])]


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class Nearby:
    """A registered enterprise near the reporter's location: ``label`` as the typed search
    shows it ("name（county）"), ``km`` from where he is."""

    key: str
    label: str
    km: float


@dataclass(frozen=True)
class ScanOutcome:
    """What scanning an enterprise's code means for this person.

    ``kind``: ``report`` (start a report about it), ``visit`` (an officer's arrival was
    recorded), ``revoked`` (an old poster) or ``unknown``. ``offer_worker``: the person may
    declare himself an employee of it ("我是员工").
    """

    kind: str
    enterprise_id: int | None = None
    label: str = ""
    at: str = ""
    offer_worker: bool = False
    # The inspection the person may start or join there: its stage (市县检查…), and the open
    # one's progress ("张三，已检查 5/16 项") when there is one.
    inspect_stage: str = ""
    inspect_open: str = ""


@dataclass(frozen=True)
class Outcome:
    """A hazard after an officer's or manager's step, as the confirmation shows it."""

    number: str
    state_label: str
    level_label: str = ""
    deadline: str = ""
    supervising_unit: str = ""
    officer_deadline: str = ""  # the officers' 限期 when a plan's earlier date drives the reminders


@dataclass(frozen=True)
class PlanTarget:
    """The hazard a manager is about to file a plan or proof for."""

    number: str
    label: str  # what he is shown: number, level, the problem
    deadline: date | None  # the officers' 整改期限, which the plan may not pass


@dataclass(frozen=True)
class InspectionView:
    """An inspection as the chat shows it."""

    id: int
    enterprise: str
    stage: str  # 市县检查…
    total: int
    answered: int
    findings: int
    major: int
    open: bool
    summary: str = ""  # counts by result, for the end


@dataclass(frozen=True)
class ItemView:
    """One checklist item within an inspection."""

    id: str
    index: int  # 1-based position in the walk
    total: int
    text: str
    focus: str | None
    basis: str
    major: bool
    verbatim: bool
    recorded: str = ""  # the answer already recorded (合格…), if any, and by whom


@dataclass(frozen=True)
class FindingOutcome:
    number: str
    level_label: str  # empty: no level yet (a free finding, 待定级)
    rectifying: bool = False  # graded at once by its checklist item: the enterprise rectifies it


@dataclass(frozen=True)
class FinishedInspection:
    view: InspectionView
    xlsx_url: str
    pdf_url: str
    rectifying: tuple[str, ...] = ()  # findings graded by their item, now with the enterprise
    ungraded: tuple[str, ...] = ()  # findings that still await 定级 (no level of their own)
    managers_bound: bool = True  # the enterprise has a manager to receive the 整改通知


@dataclass(frozen=True)
class PendingItem:
    number: str
    enterprise: str
    state_label: str
    waiting: str  # how long it has waited, e.g. "3天"
    urgency: str = ""  # "超期2天", "剩5天", "今天到期"; empty when it has no date


@dataclass(frozen=True)
class WeeklyView:
    """This week's table of the officer's jurisdiction, as the 周报 answer shows it."""

    campaign: str
    week: str
    region: str
    status: str  # draft | confirmed
    enterprises: int
    general_found: int
    general_fixed: int
    major_found: int
    major_fixed: int
    texts_missing: tuple[str, ...]  # free-text rows still empty
    url: str  # the signed download link
    hours: int  # how long the link works
    confirmed_by: str = ""
    confirmed_at: str = ""


class ChatPort(Protocol):
    """The services a dialogue step may use (implemented in ``bot/chat/channel.py``).

    The workflow methods raise ``WorkflowError`` or ``BindingError`` (``str(exc)`` is the
    Chinese answer); hazards are named by number.
    """

    max_photos: int
    max_description_chars: int

    # reporting
    def find_enterprises(self, text: str) -> list[Choice]: ...
    def find_counties(self, text: str) -> list[Choice]: ...
    # registered enterprises within 3 km of a WeChat location (GCJ-02), nearest first
    def nearby_enterprises(self, lat: float, lng: float) -> list[Nearby]: ...
    def enterprise_label(self, enterprise_id: int) -> str: ...
    def county_label(self, code: str) -> str: ...
    def add_photo(self, media_id: str, pic_url: str, seq: int) -> int: ...
    def discard_photos(self, ids: list[int]) -> None: ...
    # a voice message or video (kind), fetched after the reply; discarded like a photo
    def add_recording(
        self, kind: str, media_id: str, seq: int, transcript: str, thumb_media_id: str
    ) -> int: ...
    def submit(self, draft: ReportDraft) -> tuple[str, str | None]: ...
    # the enterprise's open reports the draft likely repeats (at most two), and adding the
    # draft to one of them instead of submitting it (ReportError when it no longer may)
    def similar_reports(self, draft: ReportDraft) -> list[SimilarReport]: ...
    def supplement(self, draft: ReportDraft, number: str) -> Supplemented: ...
    def status_text(self, number: str, code: str | None) -> str: ...
    def scan(self, scene: str) -> ScanOutcome: ...
    def my_reports(self, limit: int) -> tuple[list[ReportLine], int]: ...  # newest first, total

    # who is talking
    def role(self) -> str: ...  # officer | manager | worker | public
    def today(self) -> date: ...  # local date, for "12月31日"
    def last_notified_number(self) -> str | None: ...
    def bind(self, code: str) -> Bound: ...
    def bound_role(self) -> str | None: ...  # the role 解绑 would end; None: nothing bound
    def unbind(self) -> bool: ...  # 解绑 确认; True when open items were handed over
    def declare_worker(self, enterprise_id: int) -> str: ...  # the enterprise's name

    # officers
    def acknowledge(self, number: str) -> Outcome: ...
    def reject(self, number: str, reason: str) -> Outcome: ...
    def classify(self, number: str, level: str, basis: str | None) -> Outcome: ...
    def classify_hints(self, number: str) -> str: ...  # likely clauses, one per line; "" for none
    def set_deadline(self, number: str, deadline: date) -> Outcome: ...
    def supervise(self, number: str) -> Outcome: ...
    def verify(self, number: str) -> Outcome: ...
    def send_back(self, number: str, reason: str) -> Outcome: ...
    def merge(self, number: str, into: str) -> Outcome: ...
    def pending(self, offset: int = 0, limit: int = 10) -> tuple[list[PendingItem], int]: ...  # page, total
    def reporter(self, number: str) -> ReporterView: ...
    def record_penalty(self, number: str, penalty: PenaltyDraft) -> str: ...  # as recorded
    def reward(self, number: str, action: str) -> None: ...  # approve | pay

    # officers: the weekly table (ReportError / StatsError on refusal)
    def weekly_table(self) -> WeeklyView: ...
    def weekly_confirm(self) -> WeeklyView: ...
    def weekly_text(self, row: str, text: str) -> WeeklyView: ...
    def weekly_progress(self) -> tuple[str, dict[str, str]]: ...  # week, city → status

    # enterprise managers
    def plan_target(self, number: str, flow: str) -> PlanTarget: ...
    def submit_plan(self, number: str, plan: PlanDraft) -> Outcome: ...
    def submit_proof(self, number: str, photo_ids: list[int], note: str) -> Outcome: ...

    # inspections (raise InspectionError; str(exc) is the answer)
    def start_inspection(self, enterprise_id: int) -> InspectionView: ...
    def resumable_inspection(self) -> InspectionView | None: ...
    def own_enterprise(self) -> int | None: ...  # a manager's enterprise
    def inspection(self, inspection_id: int) -> InspectionView: ...
    def inspection_item(self, inspection_id: int, item_id: str) -> ItemView: ...
    def next_inspection_item(self, inspection_id: int, after: str | None) -> str | None: ...
    def previous_inspection_item(self, inspection_id: int, current: str | None) -> str | None: ...
    def answer_item(self, inspection_id: int, item_id: str, result: str) -> None: ...
    def add_finding(
        self, inspection_id: int, item_id: str | None, description: str, photo_ids: list[int],
        level: str | None = None, basis: str | None = None,
    ) -> FindingOutcome: ...  # level general|major: a free finding graded as it is recorded
    def finish_inspection(self, inspection_id: int) -> FinishedInspection: ...


Step = Callable[[Dialogue, Incoming, ChatPort], str]


def reset(dialogue: Dialogue, port: ChatPort) -> None:
    """Drop whatever the dialogue gathered, and its photos, and go back to idle."""
    port.discard_photos(dialogue.photo_ids)
    dialogue.state = State.IDLE
    dialogue.draft = ReportDraft()
    dialogue.choices = []
    dialogue.typed = ""
    dialogue.data = {}


def shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def collect_photo(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Add a photo to ``d.data["photo_ids"]`` (proof, inspection findings), up to the limit.

    The photo is stored by a job after the reply; only its attachment id is kept here so a
    restart mid-dialogue loses nothing.
    """
    ids: list[int] = d.data.setdefault("photo_ids", [])
    if len(ids) >= port.max_photos:
        return texts.PHOTO_OVER_LIMIT.format(max=port.max_photos)
    ids.append(port.add_photo(msg.media_id, msg.pic_url, len(ids) + 1))
    if len(ids) == port.max_photos:
        return texts.PHOTO_LIMIT_REACHED.format(n=len(ids), max=port.max_photos)
    return texts.PHOTO_RECEIVED.format(n=len(ids))
