"""The reporting dialogue as a state machine: ``{(State, Intent): step}``.

Each step takes the dialogue, the message and a ``ChatPort`` (the services it may call) and
returns the reply text. Steps hold no business rules: validation and storage live in
``bot/services``; here is only "what do we ask next".
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.handlers import texts
from bot.handlers.incoming import (
    Incoming,
    Intent,
    classify,
    fold,
    is_new_follower,
    parse_query,
    scene_of,
)
from bot.services.reports import ReportDraft, ReportError, clean_description, parse_contact


class State(enum.Enum):
    IDLE = "idle"
    ENTERPRISE = "enterprise"
    ENTERPRISE_CHOICE = "enterprise_choice"
    COUNTY = "county"
    COUNTY_CHOICE = "county_choice"
    DESCRIPTION = "description"
    PHOTOS = "photos"
    LOCATION = "location"
    IDENTITY = "identity"
    CONTACT = "contact"
    CONFIRM = "confirm"


@dataclass
class Dialogue:
    state: State = State.IDLE
    draft: ReportDraft = field(default_factory=ReportDraft)
    choices: list[str] = field(default_factory=list)  # ids or codes behind a numbered list
    typed: str = ""  # the name the person typed, for an unregistered enterprise


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class ScanOutcome:
    """What scanning an enterprise's code means for this person.

    ``kind``: ``report`` (start a report about it), ``visit`` (an officer's arrival was
    recorded), ``revoked`` (an old poster) or ``unknown``.
    """

    kind: str
    enterprise_id: int | None = None
    label: str = ""
    at: str = ""


class ChatPort(Protocol):
    """The services a dialogue step may use (implemented in ``bot/services/chat.py``)."""

    max_photos: int
    max_description_chars: int

    def find_enterprises(self, text: str) -> list[Choice]: ...
    def find_counties(self, text: str) -> list[Choice]: ...
    def enterprise_label(self, enterprise_id: int) -> str: ...
    def county_label(self, code: str) -> str: ...
    def add_photo(self, media_id: str, pic_url: str, seq: int) -> int: ...
    def discard_photos(self, ids: list[int]) -> None: ...
    def submit(self, draft: ReportDraft) -> tuple[str, str | None]: ...
    def status_text(self, number: str, code: str | None) -> str: ...
    def scan(self, scene: str) -> ScanOutcome: ...


Step = Callable[[Dialogue, Incoming, ChatPort], str]


def handle(dialogue: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Answer one message, updating the dialogue in place."""
    intent = classify(msg)
    step = TRANSITIONS.get((dialogue.state, intent)) or GLOBAL.get(intent)
    if step is None:
        step = _guide if dialogue.state is State.IDLE else _reprompt
    return step(dialogue, msg, port)


def reset(dialogue: Dialogue, port: ChatPort) -> None:
    """Drop the draft and its photos and go back to idle."""
    port.discard_photos(dialogue.draft.photo_ids)
    dialogue.state = State.IDLE
    dialogue.draft = ReportDraft()
    dialogue.choices = []
    dialogue.typed = ""


# --- steps available in every state -------------------------------------------------------

def _start(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is not State.IDLE:
        return texts.ALREADY_REPORTING + "\n\n" + prompt(d, port)
    d.state = State.ENTERPRISE
    return texts.ASK_ENTERPRISE


def _cancel(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is State.IDLE:
        return texts.NOTHING_TO_CANCEL
    reset(d, port)
    return texts.CANCELLED


def _help(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is State.IDLE:
        return texts.HELP
    return texts.HELP + "\n\n" + prompt(d, port)


def _query(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    parsed = parse_query(msg.text)
    answer = texts.QUERY_USAGE if parsed is None else port.status_text(*parsed)
    if d.state is State.IDLE:
        return answer
    return answer + "\n\n（报告尚未提交）" + prompt(d, port)


def _guide(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if classify(msg) in (Intent.IMAGE, Intent.LOCATION):
        return texts.NOT_REPORTING_MEDIA
    if classify(msg) is Intent.UNSUPPORTED:
        return texts.UNSUPPORTED
    return texts.GUIDE


def _welcome(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return texts.WELCOME + "\n" + texts.GUIDE


def _scan(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """An enterprise's poster was scanned: report about it, or record an officer's visit."""
    outcome = port.scan(scene_of(msg))
    greeting = texts.WELCOME + "\n\n" if is_new_follower(msg) else ""
    if outcome.kind == "visit":
        return greeting + texts.OFFICER_VISIT.format(enterprise=outcome.label, at=outcome.at)
    if outcome.kind != "report" or outcome.enterprise_id is None:
        return greeting + (texts.SCAN_REVOKED if outcome.kind == "revoked" else texts.SCAN_UNKNOWN)
    dropped = texts.DRAFT_REPLACED if d.state is not State.IDLE else ""
    reset(d, port)
    d.draft.enterprise_id = outcome.enterprise_id
    d.state = State.DESCRIPTION
    return greeting + dropped + texts.SCAN_REPORT + prompt(d, port)


def _silent(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return ""


def _reprompt(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if classify(msg) is Intent.UNSUPPORTED:
        return texts.UNSUPPORTED + "\n\n" + prompt(d, port)
    return prompt(d, port)


def prompt(d: Dialogue, port: ChatPort) -> str:
    """The question for the current state, repeated when the answer did not fit."""
    if d.state is State.DESCRIPTION:  # the only question that needs the port: ask it only here
        return texts.ASK_DESCRIPTION.format(enterprise=_enterprise_label(d, port))
    return {
        State.IDLE: texts.GUIDE,
        State.ENTERPRISE: texts.ASK_ENTERPRISE,
        State.ENTERPRISE_CHOICE: texts.CHOOSE_NUMBER.format(low=0, high=len(d.choices)),
        State.COUNTY: texts.ASK_COUNTY,
        State.COUNTY_CHOICE: texts.CHOOSE_NUMBER.format(low=1, high=len(d.choices)),
        State.PHOTOS: texts.PHOTOS_EXPECTED,
        State.LOCATION: texts.LOCATION_EXPECTED,
        State.IDENTITY: texts.IDENTITY_EXPECTED,
        State.CONTACT: texts.ASK_CONTACT,
        State.CONFIRM: texts.CONFIRM_EXPECTED,
    }[d.state]


# --- enterprise and county ----------------------------------------------------------------

def _enterprise_typed(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    typed = fold(msg.text)
    if len(typed) > 50:
        return texts.NAME_TOO_LONG
    d.typed = typed
    found = port.find_enterprises(typed)
    d.choices = [c.key for c in found]
    d.state = State.ENTERPRISE_CHOICE
    if not found:
        return texts.NO_ENTERPRISE_MATCH.format(typed=typed)
    lines = "\n".join(f"{i}. {c.label}" for i, c in enumerate(found, 1))
    return texts.ENTERPRISE_CHOICES.format(lines=lines, typed=typed)


def _enterprise_chosen(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    n = int(fold(msg.text))
    if n == 0:
        d.draft.enterprise_id = None
        d.draft.enterprise_name = d.typed
        d.choices = []
        d.state = State.COUNTY
        return texts.ASK_COUNTY
    if not 1 <= n <= len(d.choices):
        return prompt(d, port)
    d.draft.enterprise_id = int(d.choices[n - 1])
    d.choices = []
    d.state = State.DESCRIPTION
    return prompt(d, port)


def _county_typed(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    typed = fold(msg.text)[:30]
    found = port.find_counties(typed)
    if not found:
        d.state = State.COUNTY
        return texts.NO_COUNTY_MATCH.format(typed=typed)
    if len(found) == 1:
        return _set_county(d, found[0].key, port)
    d.choices = [c.key for c in found]
    d.state = State.COUNTY_CHOICE
    lines = "\n".join(f"{i}. {c.label}" for i, c in enumerate(found, 1))
    return texts.COUNTY_CHOICES.format(lines=lines)


def _county_chosen(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    n = int(fold(msg.text))
    if not 1 <= n <= len(d.choices):
        return prompt(d, port)
    return _set_county(d, d.choices[n - 1], port)


def _set_county(d: Dialogue, code: str, port: ChatPort) -> str:
    d.draft.region_code = code
    d.choices = []
    d.state = State.DESCRIPTION
    return prompt(d, port)


def _enterprise_label(d: Dialogue, port: ChatPort) -> str:
    if d.draft.enterprise_id is not None:
        return port.enterprise_label(d.draft.enterprise_id)
    return f"{d.draft.enterprise_name}（未登记，{port.county_label(d.draft.region_code)}）"


# --- description, photos, location ----------------------------------------------------------

def _description(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    try:
        d.draft.description = clean_description(msg.text, max_chars=port.max_description_chars)
    except ReportError as exc:
        return str(exc)
    d.state = State.PHOTOS
    return texts.ASK_PHOTOS.format(max=port.max_photos)


def _early_photo(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    _photo(d, msg, port)
    return texts.PHOTO_BEFORE_DESCRIPTION


def _photo(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    count = len(d.draft.photo_ids)
    if count >= port.max_photos:
        return texts.PHOTO_OVER_LIMIT.format(max=port.max_photos)
    d.draft.photo_ids.append(port.add_photo(msg.media_id, msg.pic_url, count + 1))
    n = count + 1
    if n == port.max_photos:
        return texts.PHOTO_LIMIT_REACHED.format(n=n, max=port.max_photos)
    return texts.PHOTO_RECEIVED.format(n=n)


def _photos_done(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    d.state = State.LOCATION
    return texts.ASK_LOCATION


def _location(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    d.draft.location_lat = msg.lat
    d.draft.location_lng = msg.lng
    d.draft.location_label = msg.label[:300] or None
    d.state = State.IDENTITY
    return texts.ASK_IDENTITY


def _address(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    d.draft.location_label = fold(msg.text)[:300]
    d.state = State.IDENTITY
    return texts.ASK_IDENTITY


def _no_location(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    d.state = State.IDENTITY
    return texts.ASK_IDENTITY


# --- identity and confirmation --------------------------------------------------------------

def _identity(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    choice = fold(msg.text)
    if choice == "1":
        d.draft.anonymous = False
        d.state = State.CONTACT
        return texts.ASK_CONTACT
    if choice == "2":
        d.draft.anonymous = True
        d.draft.reporter_name = d.draft.reporter_phone = None
        return _summary(d, port)
    return texts.IDENTITY_EXPECTED


def _contact(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    try:
        d.draft.reporter_name, d.draft.reporter_phone = parse_contact(msg.text)
    except ReportError as exc:
        return str(exc)
    return _summary(d, port)


def _summary(d: Dialogue, port: ChatPort) -> str:
    d.state = State.CONFIRM
    draft = d.draft
    if draft.location_lat is not None:
        location = f"{draft.location_label or ''}（{draft.location_lat:.5f}, {draft.location_lng:.5f}）"
    else:
        location = draft.location_label or "未提供"
    if draft.anonymous:
        identity = "匿名"
    else:
        phone = draft.reporter_phone or ""
        identity = f"实名（{draft.reporter_name} {phone[:3]}****{phone[-4:]}）"
    description = draft.description if len(draft.description) <= 120 else draft.description[:120] + "…"
    return texts.SUMMARY.format(
        enterprise=_enterprise_label(d, port), description=description,
        photos=len(draft.photo_ids), location=location, identity=identity,
    )


def _confirm(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    try:
        number, code = port.submit(d.draft)
    except ReportError as exc:
        reset(d, port)
        return str(exc)
    d.state, d.draft, d.choices, d.typed = State.IDLE, ReportDraft(), [], ""
    if code:
        return texts.SUBMITTED_ANONYMOUS.format(number=number, code=code)
    return texts.SUBMITTED.format(number=number)


def _contact_required(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return texts.CONTACT_REQUIRED


GLOBAL: dict[Intent, Step] = {
    Intent.START_REPORT: _start,
    Intent.CANCEL: _cancel,
    Intent.HELP: _help,
    Intent.QUERY: _query,
    Intent.SUBSCRIBE: _welcome,
    Intent.SCAN: _scan,
    Intent.SILENT_EVENT: _silent,
}

TRANSITIONS: dict[tuple[State, Intent], Step] = {
    (State.ENTERPRISE, Intent.TEXT): _enterprise_typed,
    (State.ENTERPRISE_CHOICE, Intent.NUMBER): _enterprise_chosen,
    (State.ENTERPRISE_CHOICE, Intent.TEXT): _enterprise_typed,
    (State.COUNTY, Intent.TEXT): _county_typed,
    (State.COUNTY_CHOICE, Intent.NUMBER): _county_chosen,
    (State.COUNTY_CHOICE, Intent.TEXT): _county_typed,
    (State.DESCRIPTION, Intent.TEXT): _description,
    (State.DESCRIPTION, Intent.IMAGE): _early_photo,
    (State.PHOTOS, Intent.IMAGE): _photo,
    (State.PHOTOS, Intent.DONE): _photos_done,
    (State.PHOTOS, Intent.SKIP): _photos_done,
    (State.PHOTOS, Intent.CONFIRM): _photos_done,
    (State.LOCATION, Intent.LOCATION): _location,
    (State.LOCATION, Intent.TEXT): _address,
    (State.LOCATION, Intent.SKIP): _no_location,
    (State.LOCATION, Intent.DONE): _no_location,
    (State.IDENTITY, Intent.NUMBER): _identity,
    (State.CONTACT, Intent.TEXT): _contact,
    (State.CONTACT, Intent.SKIP): _contact_required,
    (State.CONFIRM, Intent.CONFIRM): _confirm,
}
