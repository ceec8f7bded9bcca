"""Voice messages and videos in the reporting dialogue.

On a shop floor speaking is easier than typing, so a voice message WeChat has transcribed
(``Recognition``) is taken as the description, or as a supplement to the one already given,
and the words are shown back ("我听到的是：…") with how to correct them: a text sent next, at
the photo step, replaces what was heard. Without a transcript the audio is still kept and the
person is asked to type. A video is evidence like a photo. Every recording counts toward the
report's evidence limit (``port.max_photos``) and is downloaded by a job after the reply.

The recordings' ids sit in ``draft.photo_ids`` with the photos (so a submitted report takes
them along and an abandoned one drops them); ``data["voice_ids"]`` / ``data["video_ids"]``
say which of them are which.
"""

from __future__ import annotations

from bot.handlers import texts
from bot.handlers.core import ChatPort, Dialogue, State, shorten
from bot.handlers.incoming import Incoming, Intent, classify
from bot.handlers.prompts import prompt
from bot.services.people.anonymity import has_personal_details
from bot.services.reporting.reports import ReportError, clean_description

HEARD = "我听到的是：“{words}”"
HEARD_AS_DESCRIPTION = (
    HEARD + "\n已作为隐患描述记下，语音也已保存。\n"
    "如有听错，请直接发送文字更正（将替换上面这段话）。\n"
)
HEARD_AS_SUPPLEMENT = HEARD + "\n已补充到隐患描述中，语音也已保存。\n"
CORRECT_HINT = "如有听错，请直接发送文字更正（将替换这段补充）。\n"
NOT_HEARD = (
    "已收到语音并作为证据保存，但没有识别出文字。\n"
    "请再用文字简要描述隐患情况：在哪个车间或部位、有什么问题。"
)
NOT_HEARD_LATER = "已收到语音并作为证据保存（没有识别出文字）。\n"
VIDEO_RECEIVED = "已收到视频，将作为证据保存（共 {n} 件材料，最多 {max} 件）。\n"
VIDEO_BEFORE_DESCRIPTION = "已收到视频。请再用文字或语音描述隐患情况。"
EVIDENCE_FULL = "最多只能发送 {max} 件照片、语音或视频，这条{noun}没有保存。\n"
CORRECTED = "已更正，隐患描述现为：“{description}”\n"
TOO_EARLY = "请先按提示回复文字，选好企业后再发送语音或视频。\n\n"
NOT_HERE = "这一步暂不支持语音或视频，请发送文字或照片。\n\n"
VOICE_WHEN_IDLE = "收到您的语音。如需报告隐患，请先回复“举报”，再用文字或语音描述。"

_BEFORE_DESCRIPTION = (State.ENTERPRISE, State.ENTERPRISE_CHOICE, State.COUNTY, State.COUNTY_CHOICE)
# The description before the last voice supplement: what a correction at the photo step keeps.
_BASE = "voice_base"
_NOUNS = {"voice": "语音", "video": "视频"}


def intercept(d: Dialogue, msg: Incoming, port: ChatPort) -> str | None:
    """The answer to a voice or video message, or to a correction of what was heard;
    None for anything else (the dialogue's own steps answer it)."""
    if msg.kind in ("voice", "video"):
        return _recording(d, msg, port)
    if d.state is State.PHOTOS and _BASE in d.data and classify(msg) is Intent.TEXT:
        return _correct(d, msg, port)
    return None


def photo_count(d: Dialogue) -> int:
    """The photos among the report's evidence."""
    return len(d.draft.photo_ids) - len(d.data.get("voice_ids", [])) - len(d.data.get("video_ids", []))


def photo_reply(d: Dialogue, port: ChatPort, *, kept: bool) -> str:
    """The answer to a photo at the report's photo step (``kept`` False: the evidence was full).
    Photos alone are counted as photos; once voice messages or videos share the limit, the
    photo's own number is said with the evidence's count and limit ("照片和视频共 3 件")."""
    n, total, limit = photo_count(d), len(d.draft.photo_ids), port.max_photos
    kinds = [name for key, name in (("voice_ids", "语音"), ("video_ids", "视频")) if d.data.get(key)]
    if not kinds:
        if not kept:
            return texts.PHOTO_OVER_LIMIT.format(max=limit)
        if total == limit:
            return texts.PHOTO_LIMIT_REACHED.format(n=n, max=limit)
        return texts.PHOTO_RECEIVED.format(n=n)
    noun = "照片和" + kinds[0] if len(kinds) == 1 else "照片、语音和视频"
    if not kept:
        return texts.PHOTO_OVER_LIMIT_SHARED.format(noun=noun, max=limit)
    if total == limit:
        return texts.PHOTO_LIMIT_REACHED_SHARED.format(n=n, noun=noun, max=limit)
    return texts.PHOTO_RECEIVED_SHARED.format(n=n, noun=noun, total=total, max=limit)


def with_recordings(d: Dialogue, summary: str) -> str:
    """The summary with a line for the voice messages and one for the videos, if any,
    after the photos' line."""
    lines = ""
    if voices := len(d.data.get("voice_ids", [])):
        lines += f"语音：{voices} 条\n"
    if videos := len(d.data.get("video_ids", [])):
        lines += f"视频：{videos} 段\n"
    head, sep, tail = summary.partition("\n位置：")
    return f"{head}\n{lines.rstrip()}{sep}{tail}" if lines and sep else summary


def _recording(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.state is State.IDLE:
        return VOICE_WHEN_IDLE if msg.kind == "voice" else texts.NOT_REPORTING_MEDIA
    if d.state.flow != "report":
        return NOT_HERE + prompt(d, port)
    if d.state in _BEFORE_DESCRIPTION:
        return TOO_EARLY + prompt(d, port)
    kept = _keep(d, msg, port)
    full = "" if kept else EVIDENCE_FULL.format(max=port.max_photos, noun=_NOUNS[msg.kind])
    if msg.kind == "video":
        if not kept:
            return full + prompt(d, port)
        if d.state is State.DESCRIPTION:
            return VIDEO_BEFORE_DESCRIPTION
        return VIDEO_RECEIVED.format(n=len(d.draft.photo_ids), max=port.max_photos) + prompt(d, port)
    words = msg.recognition.strip()
    if d.state is State.DESCRIPTION:
        return full + (_describe(d, words, port) if words else NOT_HEARD)
    if not words:
        return full + NOT_HEARD_LATER + prompt(d, port)
    return full + _supplement(d, words, port)


def _keep(d: Dialogue, msg: Incoming, port: ChatPort) -> bool:
    """Record the recording as evidence unless the report already has all it may carry."""
    ids = d.draft.photo_ids
    if len(ids) >= port.max_photos:
        return False
    attachment_id = port.add_recording(
        msg.kind, msg.media_id, len(ids) + 1, msg.recognition.strip(), msg.thumb_media_id)
    ids.append(attachment_id)
    d.data.setdefault(f"{msg.kind}_ids", []).append(attachment_id)
    return True


def _describe(d: Dialogue, words: str, port: ChatPort) -> str:
    """The transcript as the description; the photo step comes next."""
    try:
        d.draft.description = clean_description(words, max_chars=port.max_description_chars)
    except ReportError as exc:
        return HEARD.format(words=shorten(words, 300)) + "\n" + str(exc)
    d.data[_BASE] = ""
    d.state = State.PHOTOS
    notice = texts.PERSONAL_DETAILS_NOTICE + "\n" if has_personal_details(words) else ""
    return (HEARD_AS_DESCRIPTION.format(words=shorten(words, 300)) + notice
            + texts.ASK_PHOTOS.format(max=port.max_photos))


def _supplement(d: Dialogue, words: str, port: ChatPort) -> str:
    """The transcript appended to the description already given."""
    base = d.draft.description
    combined = f"{base}；{words}" if base else words
    try:
        d.draft.description = clean_description(combined, max_chars=port.max_description_chars)
    except ReportError as exc:
        heard = HEARD.format(words=shorten(words, 300))
        return f"{heard}\n没有补充到描述中：{exc}\n\n{prompt(d, port)}"
    hint = ""
    if d.state is State.PHOTOS:
        d.data[_BASE] = base
        hint = CORRECT_HINT
    notice = texts.PERSONAL_DETAILS_NOTICE + "\n" if has_personal_details(words) else ""
    return HEARD_AS_SUPPLEMENT.format(words=shorten(words, 300)) + hint + notice + prompt(d, port)


def _correct(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """A text at the photo step right after a voice message replaces what was heard."""
    base = d.data[_BASE]
    typed = msg.text.strip()
    try:
        description = clean_description(f"{base}；{typed}" if base else typed,
                                        max_chars=port.max_description_chars)
    except ReportError as exc:
        return str(exc) + "\n\n" + prompt(d, port)
    d.draft.description = description
    del d.data[_BASE]
    return CORRECTED.format(description=shorten(description, 300)) + prompt(d, port)
