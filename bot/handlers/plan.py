"""The enterprise manager's dialogues: the 五落实 plan, then the proof of rectification.

"整改 YH…" asks 责任人 → 措施 → 资金 → 时限 → 预案, shows a summary and on "确认" files the
plan; "提交整改 YH…" takes 1–9 photos, a note, and on "确认" asks for verification. The
answers wait in ``Dialogue.data`` (JSON in the conversation row) until then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bot.handlers import texts
from bot.handlers.commands import CommandError, parse_date, parse_wan
from bot.handlers.core import ChatPort, Dialogue, Outcome, State, Step, collect_photo, reset, shorten
from bot.handlers.incoming import Incoming, Intent
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import PlanDraft, WorkflowError

MAX_PERSON_CHARS = 40
MAX_TEXT_CHARS = 1000


def start(d: Dialogue, flow: str, number: str, port: ChatPort) -> str:
    """Begin the plan (``flow="plan"``) or proof (``"proof"``) dialogue for a hazard.

    The port checks at once that the manager may take that step on it now, so a wrong
    number is refused before five questions, not after.
    """
    if d.state is not State.IDLE:
        return texts.FLOW_BUSY
    target = port.plan_target(number, flow)  # a refusal (WorkflowError) before any question
    d.data = {"number": target.number}
    if flow == "plan":
        d.data["limit"] = target.deadline.isoformat() if target.deadline else None
        d.state = State.PLAN_PERSON
        return texts.PLAN_START.format(label=target.label) + prompt(d, port)
    d.state = State.PROOF_PHOTOS
    d.data["photo_ids"] = []
    return texts.PROOF_START.format(label=target.label, max=port.max_photos)


def prompt(d: Dialogue, port: ChatPort) -> str:
    return {
        State.PLAN_PERSON: texts.ASK_PLAN_PERSON,
        State.PLAN_MEASURES: texts.ASK_PLAN_MEASURES,
        State.PLAN_FUNDS: texts.ASK_PLAN_FUNDS,
        State.PLAN_DEADLINE: texts.ASK_PLAN_DEADLINE + (
            texts.PLAN_LIMIT.format(deadline=d.data["limit"]) if d.data.get("limit") else ""
        ),
        State.PLAN_CONTINGENCY: texts.ASK_PLAN_CONTINGENCY,
        State.PLAN_CONFIRM: texts.CONFIRM_EXPECTED,
        State.PROOF_PHOTOS: texts.PROOF_PHOTOS_EXPECTED.format(max=port.max_photos),
        State.PROOF_NOTE: texts.ASK_PROOF_NOTE,
        State.PROOF_CONFIRM: texts.CONFIRM_EXPECTED,
    }[d.state]


def _free_text(msg: Incoming, *, low: int, high: int) -> str:
    """The answer as typed, or ``CommandError`` saying why it will not do."""
    answer = msg.text.strip()
    if len(answer) < low:
        raise CommandError(texts.PLAN_TOO_SHORT)
    if len(answer) > high:
        raise CommandError(texts.PLAN_TOO_LONG.format(max=high))
    return answer


def _answer(key: str, next_state: State, low: int, high: int) -> Step:
    def step(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
        try:
            d.data[key] = _free_text(msg, low=low, high=high)
        except CommandError as exc:
            return f"{exc}\n{prompt(d, port)}"
        d.state = next_state
        return prompt(d, port)

    return step


def _funds(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    try:
        d.data["funds"] = str(parse_wan(msg.text, error=T.FUNDS_INVALID))
    except CommandError as exc:
        return f"{exc}\n{prompt(d, port)}"
    d.state = State.PLAN_DEADLINE
    return prompt(d, port)


def _deadline(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    today = port.today()
    try:
        deadline = parse_date(msg.text, today=today)
    except CommandError as exc:
        return f"{exc}\n{prompt(d, port)}"
    if deadline < today:
        return f"{texts.PLAN_PAST_DEADLINE}\n{prompt(d, port)}"
    limit = d.data.get("limit")
    if limit and deadline > date.fromisoformat(limit):
        return f"{T.PLAN_AFTER_DEADLINE.format(deadline=limit)}\n{prompt(d, port)}"
    d.data["deadline"] = deadline.isoformat()
    d.state = State.PLAN_CONTINGENCY
    return prompt(d, port)


def _contingency(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    reply = _answer("contingency", State.PLAN_CONFIRM, 4, MAX_TEXT_CHARS)(d, msg, port)
    if d.state is not State.PLAN_CONFIRM:
        return reply
    data = d.data
    return texts.PLAN_SUMMARY.format(
        number=data["number"], person=data["person"], measures=shorten(data["measures"]),
        funds=data["funds"], deadline=data["deadline"], contingency=shorten(data["contingency"]),
    )


def _submit_plan(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    data = d.data
    plan = PlanDraft(
        responsible_person=data["person"], measures=data["measures"], funds_wan=Decimal(data["funds"]),
        deadline=date.fromisoformat(data["deadline"]), contingency=data["contingency"],
    )
    return _finish(d, port, "plan", lambda: port.submit_plan(data["number"], plan))


def _photos_done(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if not d.data.get("photo_ids"):
        return texts.PROOF_PHOTO_REQUIRED
    d.state = State.PROOF_NOTE
    return prompt(d, port)


def _note(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    reply = _answer("note", State.PROOF_CONFIRM, 2, MAX_TEXT_CHARS)(d, msg, port)
    if d.state is not State.PROOF_CONFIRM:
        return reply
    return texts.PROOF_SUMMARY.format(
        number=d.data["number"], photos=len(d.data["photo_ids"]), note=shorten(d.data["note"]),
    )


def _submit_proof(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    data = d.data
    return _finish(
        d, port, "proof", lambda: port.submit_proof(data["number"], list(data["photo_ids"]), data["note"])
    )


def _finish(d: Dialogue, port: ChatPort, verb: str, submit: Callable[[], Outcome]) -> str:
    try:
        outcome = submit()
    except WorkflowError as exc:
        reset(d, port)
        return str(exc)
    d.data = {}  # the photos now belong to the hazard: not discarded
    reset(d, port)
    return texts.DONE[verb].format(number=outcome.number, state=outcome.state_label)


def _required(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is State.PROOF_PHOTOS:
        return texts.PROOF_PHOTO_REQUIRED
    return f"{texts.PLAN_REQUIRED}\n{prompt(d, port)}"


TRANSITIONS: dict[tuple[State, Intent], Step] = {
    (State.PLAN_PERSON, Intent.TEXT): _answer("person", State.PLAN_MEASURES, 2, MAX_PERSON_CHARS),
    (State.PLAN_MEASURES, Intent.TEXT): _answer("measures", State.PLAN_FUNDS, 4, MAX_TEXT_CHARS),
    (State.PLAN_FUNDS, Intent.TEXT): _funds,
    (State.PLAN_FUNDS, Intent.NUMBER): _funds,
    (State.PLAN_DEADLINE, Intent.TEXT): _deadline,
    (State.PLAN_CONTINGENCY, Intent.TEXT): _contingency,
    (State.PLAN_CONFIRM, Intent.CONFIRM): _submit_plan,
    (State.PROOF_PHOTOS, Intent.IMAGE): collect_photo,
    (State.PROOF_PHOTOS, Intent.DONE): _photos_done,
    (State.PROOF_PHOTOS, Intent.CONFIRM): _photos_done,
    (State.PROOF_NOTE, Intent.TEXT): _note,
    (State.PROOF_CONFIRM, Intent.CONFIRM): _submit_proof,
    **{
        (state, Intent.SKIP): _required
        for state in (
            State.PLAN_PERSON, State.PLAN_MEASURES, State.PLAN_FUNDS, State.PLAN_DEADLINE,
            State.PLAN_CONTINGENCY, State.PROOF_PHOTOS, State.PROOF_NOTE,
        )
    },
}
