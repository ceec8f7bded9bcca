"""An in-memory ``ChatPort`` for the dialogue tests, and messages as a phone would send them.

``FakeChat`` finds by substring, records photos, submissions and queries, and answers the
workflow commands from a small table of hazards: each call is recorded in ``calls`` as
``(method, *args)``, and ``refuse`` makes the next workflow call raise that ``WorkflowError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import count
from typing import Any

from bot.handlers.core import Choice, Dialogue, Nearby, Outcome, PendingItem, PlanTarget, ScanOutcome, State
from bot.handlers.dialogue import handle
from bot.handlers.incoming import Incoming
from bot.services.hazards.lifecycle import PenaltyDraft, PlanDraft, ReporterView, WorkflowError
from bot.services.people.bindings import BindingError, Bound
from bot.services.reporting.progress import ReportLine
from bot.services.reporting.reports import ReportDraft, ReportError
from bot.services.reporting.supplements import SimilarReport, Supplemented

TODAY = date(2026, 11, 24)
NOT_FOUND = "没有找到编号为 {number} 的隐患，或您无权处理。"

ENTERPRISES = {
    "1": "太原晋钢钢铁有限公司（小店区）",
    "2": "晋城福盛钢铁有限公司（城区）",
    "7": "河津华圣铝业有限公司（河津市）",
}
COUNTIES = {
    "140302": "城区（阳泉市）",
    "140502": "城区（晋城市）",
    "141181": "孝义市（吕梁市）",
}


@dataclass
class FakeChat:
    """An in-memory ``ChatPort``: finds by substring, records photos, submissions, queries and
    workflow calls."""

    max_photos: int = 3
    max_description_chars: int = 200
    photos: dict[int, str] = field(default_factory=dict)
    discarded: list[int] = field(default_factory=list)
    submitted: list[ReportDraft] = field(default_factory=list)
    queries: list[tuple[str, str | None]] = field(default_factory=list)
    submit_error: str | None = None
    _ids: count[int] = field(default_factory=lambda: count(101))
    # the workflow: who is talking, the hazards he may act on (number → state label)
    user_role: str = "public"
    last_notified: str | None = None
    hazards: dict[str, str] = field(default_factory=lambda: {"YH202611240001": "整改中"})
    hints: dict[str, str] = field(default_factory=dict)  # 定级 编号: the likely clauses
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    refuse: str | None = None
    plan_deadline: date | None = None
    earlier_plan: date | None = None  # a plan's date before the officer's 限期
    own_reports: list[ReportLine] = field(default_factory=list)  # 我的报告, newest first
    # the registered plants around any location, nearest first
    nearby: list[Nearby] = field(default_factory=lambda: [
        Nearby("1", ENTERPRISES["1"], 0.83), Nearby("7", ENTERPRISES["7"], 2.4)])
    similar: list[SimilarReport] = field(default_factory=list)  # what the summary offers
    supplemented: list[tuple[ReportDraft, str]] = field(default_factory=list)
    supplement_error: str | None = None

    def find_enterprises(self, text: str) -> list[Choice]:
        return [Choice(k, v) for k, v in ENTERPRISES.items() if text in v]

    def nearby_enterprises(self, lat: float, lng: float) -> list[Nearby]:
        self.calls.append(("nearby_enterprises", lat, lng))
        return list(self.nearby)

    def find_counties(self, text: str) -> list[Choice]:
        return [Choice(k, v) for k, v in COUNTIES.items() if text in v.split("（")[0]]

    def enterprise_label(self, enterprise_id: int) -> str:
        return ENTERPRISES[str(enterprise_id)]

    def county_label(self, code: str) -> str:
        return COUNTIES[code].split("（")[0]

    def add_photo(self, media_id: str, pic_url: str, seq: int) -> int:
        photo_id = next(self._ids)
        self.photos[photo_id] = media_id
        return photo_id

    def add_recording(
        self, kind: str, media_id: str, seq: int, transcript: str, thumb_media_id: str
    ) -> int:
        recording_id = next(self._ids)
        self.photos[recording_id] = f"{kind}:{media_id}"  # evidence, whatever its kind
        return recording_id

    def discard_photos(self, ids: list[int]) -> None:
        self.discarded.extend(ids)

    def submit(self, draft: ReportDraft) -> tuple[str, str | None]:
        if self.submit_error:
            raise ReportError(self.submit_error)
        self.submitted.append(draft)
        return "YH202611240001", ("ABCD2345" if draft.anonymous else None)

    def status_text(self, number: str, code: str | None) -> str:
        self.queries.append((number, code))
        return f"状态：{number}"

    def scan(self, scene: str) -> ScanOutcome:
        return SCENES.get(scene, ScanOutcome("unknown"))

    def my_reports(self, limit: int) -> tuple[list[ReportLine], int]:
        return self.own_reports[:limit], len(self.own_reports)

    def similar_reports(self, draft: ReportDraft) -> list[SimilarReport]:
        return list(self.similar)

    def supplement(self, draft: ReportDraft, number: str) -> Supplemented:
        if self.supplement_error:
            raise ReportError(self.supplement_error)
        self.supplemented.append((draft, number))
        return Supplemented(number, "太原晋钢钢铁有限公司", bool(draft.anonymous), len(draft.photo_ids))


    # --- workflow ---------------------------------------------------------------------------

    def role(self) -> str:
        return self.user_role

    def today(self) -> date:
        return TODAY

    def last_notified_number(self) -> str | None:
        return self.last_notified

    def _step(self, method: str, number: str, *args: Any) -> Outcome:
        self.calls.append((method, number, *args))
        if self.refuse:
            raise WorkflowError(self.refuse)
        if number not in self.hazards:
            raise WorkflowError(NOT_FOUND.format(number=number))
        return Outcome(number, self.hazards[number], "重大事故隐患", "2026-12-31", "小店区应急管理局")

    def bind(self, code: str) -> Bound:
        self.calls.append(("bind", code))
        if code != "GOODCODE23":
            raise BindingError("绑定码不正确，请核对后重新发送，或联系管理员。")
        self.user_role = "officer"
        return Bound("county_officer", "小店区", "张三")

    def bound_role(self) -> str | None:
        return {"officer": "county_officer", "manager": "enterprise_manager"}.get(self.user_role)

    def unbind(self) -> bool:
        self.calls.append(("unbind",))
        self.user_role = "public"
        return False

    def declare_worker(self, enterprise_id: int) -> str:
        self.calls.append(("declare_worker", enterprise_id))
        return ENTERPRISES[str(enterprise_id)].split("（")[0]

    def acknowledge(self, number: str) -> Outcome:
        return self._step("acknowledge", number)

    def reject(self, number: str, reason: str) -> Outcome:
        return self._step("reject", number, reason)

    def classify(self, number: str, level: str, basis: str | None) -> Outcome:
        return self._step("classify", number, level, basis)

    def classify_hints(self, number: str) -> str:
        self._step("classify_hints", number)
        return self.hints.get(number, "")

    def set_deadline(self, number: str, deadline: date) -> Outcome:
        outcome = self._step("set_deadline", number, deadline)
        if self.earlier_plan is not None and self.earlier_plan < deadline:  # the plan's date drives
            return replace(outcome, deadline=self.earlier_plan.isoformat(),
                           officer_deadline=deadline.isoformat())
        return outcome

    def supervise(self, number: str) -> Outcome:
        return self._step("supervise", number)

    def verify(self, number: str) -> Outcome:
        return self._step("verify", number)

    def send_back(self, number: str, reason: str) -> Outcome:
        return self._step("send_back", number, reason)

    def merge(self, number: str, into: str) -> Outcome:
        return self._step("merge", number, into)

    def pending(self, offset: int = 0, limit: int = 10) -> tuple[list[PendingItem], int]:
        self.calls.append(("pending",))
        items = [PendingItem(n, "太原晋钢钢铁有限公司", s, "2天") for n, s in self.hazards.items()]
        return items[offset:offset + limit], len(items)

    def reporter(self, number: str) -> ReporterView:
        self._step("reporter", number)
        return ReporterView(anonymous=False, name="李四", phone="13912345678", source="public_report")

    def record_penalty(self, number: str, penalty: PenaltyDraft) -> str:
        self._step("record_penalty", number, penalty)
        return "罚款企业 5 万元"

    def reward(self, number: str, action: str) -> None:
        self._step("reward", number, action)

    def plan_target(self, number: str, flow: str) -> PlanTarget:
        self._step("plan_target", number, flow)
        return PlanTarget(number, f"{number}（重大事故隐患）转炉氧枪冷却水流量报警失灵", self.plan_deadline)

    def submit_plan(self, number: str, plan: PlanDraft) -> Outcome:
        return self._step("submit_plan", number, plan)

    def submit_proof(self, number: str, photo_ids: list[int], note: str) -> Outcome:
        return self._step("submit_proof", number, photo_ids, note)


SCENES = {
    "e:good": ScanOutcome("report", 7, ENTERPRISES["7"]),
    "e:old": ScanOutcome("revoked"),
    "e:officer": ScanOutcome("visit", 1, ENTERPRISES["1"], "2026-11-24 10:00"),
}


_time = count(1_700_000_000)


def text(t: str) -> Incoming:
    return Incoming(openid="o-reporter", kind="text", create_time=next(_time), text=t)


def image(media_id: str) -> Incoming:
    return Incoming(openid="o-reporter", kind="image", create_time=next(_time), media_id=media_id,
                    pic_url=f"http://mmbiz/{media_id}")


def location(lat: float, lng: float, label: str) -> Incoming:
    return Incoming(openid="o-reporter", kind="location", create_time=next(_time), lat=lat, lng=lng,
                    label=label)


class Chat:
    """A reporter talking to the dialogue: ``chat.say("举报")`` returns the bot's reply."""

    def __init__(self, port: FakeChat | None = None) -> None:
        self.port = port or FakeChat()
        self.dialogue = Dialogue()

    def say(self, t: str) -> str:
        return handle(self.dialogue, text(t), self.port)

    def send(self, msg: Incoming) -> str:
        return handle(self.dialogue, msg, self.port)

    @property
    def state(self) -> State:
        return self.dialogue.state

    @property
    def draft(self) -> ReportDraft:
        return self.dialogue.draft


def scan(event: str, key: str) -> Incoming:
    return Incoming(openid="o-reporter", kind="event", create_time=next(_time), event=event, event_key=key)
