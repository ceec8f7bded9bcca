"""The chat as a state machine: ``{(State, Intent): step}``, and the reporting dialogue.

Each step takes the dialogue, the message and a ``ChatPort`` (the services it may call) and
returns the reply text. Steps hold no business rules: validation and storage live in
``bot/services``; here is only "what do we ask next". ``handle`` also dispatches officers'
commands (``officer.py``) and the manager's plan and proof dialogues (``plan.py``).
"""

from __future__ import annotations

from bot.handlers import (
    follow_up,
    guidance,
    inspect,
    inspect_texts,
    nearby,
    officer,
    plan,
    supplement,
    texts,
    voice,
)
from bot.handlers.core import ChatPort, Dialogue, State, Step, reset, shorten
from bot.handlers.incoming import (
    Incoming,
    Intent,
    classify,
    fold,
    inspect_target,
    is_new_follower,
    parse_query,
    scene_of,
)
from bot.handlers.prompts import enterprise_label, prompt
from bot.services.people.anonymity import has_personal_details
from bot.services.registry.coordinates import GCJ02
from bot.services.reporting.reports import ReportDraft, ReportError, clean_description, parse_contact


def handle(dialogue: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Answer one message, updating the dialogue in place.

    A command typed where free text is expected (a description, a plan's measures) is that
    text: "整改 更换防爆电机" answers "整改措施", it does not start another plan. A menu click is
    never text: it arrives as its command's words but was not typed.
    """
    if (answer := voice.intercept(dialogue, msg, port)) is not None:  # voice and video
        return answer
    intent = classify(msg)
    clicked = msg.event.lower() == "click"
    if intent is Intent.COMMAND and not clicked and (dialogue.state, Intent.TEXT) in TRANSITIONS:
        intent = Intent.TEXT
    # ("检查 <企业>" at a checklist item switches to that enterprise.)
    if (intent is Intent.INSPECT and dialogue.state not in (State.INSPECT_ITEM, State.INSPECT_FINISH)
            and (dialogue.state, Intent.TEXT) in TRANSITIONS and inspect_target(msg.text)):
        intent = Intent.TEXT  # "检查 发现除尘器…" typed as a description is that description
    step = TRANSITIONS.get((dialogue.state, intent)) or GLOBAL.get(intent)
    if step is None:
        step = _guide if dialogue.state is State.IDLE else _reprompt
    if guidance.is_paused(dialogue) and intent not in (*guidance.PASS_THROUGH, Intent.RESUME,
                                                       Intent.START_OVER):
        step = guidance.offer_resume  # a draft kept from a while ago: 继续 or 重新开始 first
    return step(dialogue, msg, port)


# --- steps available in every state -------------------------------------------------------

def _start(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is not State.IDLE:
        busy = texts.ALREADY_REPORTING if d.state.flow == "report" else texts.FLOW_BUSY
        return busy + "\n\n" + prompt(d, port)
    d.state = State.ENTERPRISE
    return texts.ASK_ENTERPRISE


def _cancel(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is State.IDLE:
        return texts.NOTHING_TO_CANCEL
    flow = d.state.flow
    reset(d, port)
    return texts.CANCELLED if flow == "report" else texts.FLOW_CANCELLED


def _help(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    extra = {"officer": texts.COMMANDS_HELP, "manager": texts.MANAGER_HELP}.get(port.role())
    answer = texts.HELP + ("\n\n" + extra if extra else "")
    if d.state is State.IDLE:
        return answer
    return answer + "\n\n" + prompt(d, port)


def _query(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    parsed = parse_query(msg.text)
    answer = texts.QUERY_USAGE if parsed is None else port.status_text(*parsed)
    if d.state is State.IDLE:
        return answer
    unfinished = "（报告尚未提交）" if d.state.flow == "report" else "（填报尚未完成）"
    return answer + "\n\n" + unfinished + prompt(d, port)


def _guide(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if classify(msg) in (Intent.IMAGE, Intent.LOCATION):
        return texts.NOT_REPORTING_MEDIA
    if classify(msg) is Intent.UNSUPPORTED:
        return texts.UNSUPPORTED
    if classify(msg) is not Intent.TEXT:  # 确认, 好了, 1… with nothing going on
        return texts.NOTHING_IN_PROGRESS.format(text=fold(msg.text)) + "\n" + texts.GUIDE
    return guidance.not_understood(msg, port) + "\n" + texts.GUIDE


def _welcome(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return texts.WELCOME + "\n" + texts.GUIDE


def _scan(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """An enterprise's poster was scanned: report about it, or record an officer's visit."""
    outcome = port.scan(scene_of(msg))
    greeting = texts.WELCOME + "\n\n" if is_new_follower(msg) else ""
    if outcome.kind == "visit":
        reply = greeting + texts.OFFICER_VISIT.format(enterprise=outcome.label, at=outcome.at)
        if outcome.inspect_stage and outcome.enterprise_id is not None:
            d.data["inspect_enterprise_id"] = outcome.enterprise_id
            if outcome.inspect_open:
                return reply + inspect_texts.VISIT_JOIN.format(
                    stage=outcome.inspect_stage, progress=outcome.inspect_open)
            return reply + inspect_texts.VISIT_OFFER.format(stage=outcome.inspect_stage)
        return reply + texts.OFFICER_VISIT_NO_INSPECTION
    if outcome.kind != "report" or outcome.enterprise_id is None:
        return greeting + (texts.SCAN_REVOKED if outcome.kind == "revoked" else texts.SCAN_UNKNOWN)
    dropped = texts.DRAFT_REPLACED if d.state is not State.IDLE else ""
    reset(d, port)
    d.draft.enterprise_id = outcome.enterprise_id
    d.data["scanned_enterprise_id"] = outcome.enterprise_id
    d.state = State.DESCRIPTION
    offer = texts.OFFER_WORKER if outcome.offer_worker else ""
    if outcome.inspect_stage:
        d.data["inspect_enterprise_id"] = outcome.enterprise_id
        offer += inspect_texts.MANAGER_OFFER
    return greeting + dropped + texts.SCAN_REPORT + prompt(d, port) + offer


def _silent(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return ""


def _reprompt(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    # 补充 at 请核对 is not a transition: commands typed there must stay commands.
    if d.state is State.CONFIRM and (added := supplement.step(d, msg, port)):
        return added
    return guidance.refused(d, msg, port)


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
    if n == 0 and d.typed:  # a nearby list (nearby.py) has no 0: nothing was typed
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


# --- description, photos, location ----------------------------------------------------------

def _description(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Keep the description as typed; if it names a person (a phone, "我叫…"), say once that
    the enterprise will not see those details and the officers will, so he can decide.

    A description over the limit is kept aside, not thrown away: "保留" keeps its first part,
    anything else typed replaces it.
    """
    limit = port.max_description_chars
    kept = d.data.pop("long_description", None)
    keep_part = bool(kept) and fold(msg.text) == "保留"
    text = kept[:limit] if keep_part else msg.text
    if len(text.strip()) > limit:
        d.data["long_description"] = text.strip()
        head = text.strip()[:limit]
        return texts.DESCRIPTION_TOO_LONG.format(length=len(text.strip()), max=limit, tail=head[-8:])
    try:
        d.draft.description = clean_description(text, max_chars=limit)
    except ReportError as exc:
        return f"{exc}\n{prompt(d, port)}"
    d.state = State.PHOTOS
    if keep_part:
        return texts.DESCRIPTION_KEPT_PART.format(max=limit) + texts.ASK_PHOTOS.format(max=port.max_photos)
    ask = texts.ASK_PHOTOS.format(max=port.max_photos)
    if has_personal_details(d.draft.description):
        return f"{texts.PERSONAL_DETAILS_NOTICE}\n{ask}"
    return ask


def _description_refused(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """跳过, a number, 确认 or 好了 where a description is expected: why not, and what to send."""
    intent = classify(msg)
    if intent is Intent.SKIP:
        why = texts.DESCRIPTION_NOT_SKIPPABLE
    elif intent is Intent.NUMBER:
        why = texts.DESCRIPTION_NOT_NUMBER.format(text=fold(msg.text))
    else:
        why = texts.DESCRIPTION_MISSING.format(action="提交" if intent is Intent.CONFIRM else "进入下一步")
    return why + "\n" + prompt(d, port)


def _early_photo(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    _photo(d, msg, port)
    return texts.PHOTO_BEFORE_DESCRIPTION


def _photo(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    count = len(d.draft.photo_ids)
    if count >= port.max_photos:
        return voice.photo_reply(d, port, kept=False)
    d.draft.photo_ids.append(port.add_photo(msg.media_id, msg.pic_url, count + 1))
    return voice.photo_reply(d, port, kept=True)


def _photos_done(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if (kept := nearby.location_kept(d)) is not None:  # sent at step 1
        d.state = State.IDENTITY
        return kept + texts.ASK_IDENTITY
    d.state = State.LOCATION
    return texts.ASK_LOCATION


def _location(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    d.draft.location_lat = msg.lat
    d.draft.location_lng = msg.lng
    d.draft.location_label = msg.label[:300] or None
    d.draft.location_system = GCJ02  # as WeChat sends it
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
        d.state = State.MAJOR
        return texts.ASK_MAJOR
    return texts.IDENTITY_EXPECTED


def _contact(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    try:
        d.draft.reporter_name, d.draft.reporter_phone = parse_contact(msg.text)
    except ReportError as exc:
        return str(exc)
    d.state = State.MAJOR
    return texts.ASK_MAJOR


_MAJOR_ANSWERS = {"1": True, "是": True, "2": False, "否": False, "不是": False, "不确定": False}


def _major(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    answer = False if classify(msg) is Intent.SKIP else _MAJOR_ANSWERS.get(fold(msg.text))
    if answer is None:
        return texts.MAJOR_EXPECTED
    d.draft.possibly_major = answer
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
    return supplement.offer(d, port, voice.with_recordings(d, texts.SUMMARY.format(
        enterprise=enterprise_label(d, port), description=shorten(draft.description),
        photos=voice.photo_count(d), location=location, identity=identity,
        major=texts.MAJOR_LABELS[draft.possibly_major],
    )))


def _confirm(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    try:
        number, code = port.submit(d.draft)
    except ReportError as exc:
        reset(d, port)
        return str(exc)
    d.draft = ReportDraft()  # its photos belong to the hazard now: not discarded
    reset(d, port)
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
    Intent.COMMAND: officer.command_step,
    Intent.DECLARE_WORKER: officer.declare_worker_step,
    Intent.INSPECT: inspect.command_step,
    Intent.MY_REPORTS: follow_up.my_reports_step,
    Intent.GREETING: guidance.greet,
    Intent.RESUME: guidance.resume,
    Intent.START_OVER: guidance.start_over,
}

TRANSITIONS: dict[tuple[State, Intent], Step] = {
    (State.IDLE, Intent.LOCATION): nearby.start,
    (State.ENTERPRISE, Intent.LOCATION): nearby.offer,
    (State.ENTERPRISE_CHOICE, Intent.LOCATION): nearby.offer,
    (State.ENTERPRISE, Intent.TEXT): _enterprise_typed,
    (State.ENTERPRISE_CHOICE, Intent.NUMBER): _enterprise_chosen,
    (State.ENTERPRISE_CHOICE, Intent.TEXT): _enterprise_typed,
    (State.COUNTY, Intent.TEXT): _county_typed,
    (State.COUNTY_CHOICE, Intent.NUMBER): _county_chosen,
    (State.COUNTY_CHOICE, Intent.TEXT): _county_typed,
    (State.DESCRIPTION, Intent.TEXT): _description,
    (State.DESCRIPTION, Intent.IMAGE): _early_photo,
    **{(State.DESCRIPTION, intent): _description_refused
       for intent in (Intent.SKIP, Intent.NUMBER, Intent.CONFIRM, Intent.DONE)},
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
    (State.MAJOR, Intent.NUMBER): _major,
    (State.MAJOR, Intent.TEXT): _major,
    (State.MAJOR, Intent.SKIP): _major,
    (State.CONFIRM, Intent.CONFIRM): _confirm,
    **plan.TRANSITIONS,
    **inspect.TRANSITIONS,
}
