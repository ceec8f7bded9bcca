"""Reports from workers and the public: validation, submission and follow-up queries."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, exists, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from bot.models import Attachment, Enterprise, Hazard, HazardEvent, HazardFollower, Region, User
from bot.services.hazards.lifecycle import DEFAULT_SETTINGS, WorkflowSettings, ack_due, notify_new_report
from bot.services.hazards.numbers import next_hazard_number

# No 0/O, 1/I/L: the code is read off a phone screen and typed back later.
_QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_QUERY_CODE_LENGTH = 8
_PHONE = re.compile(r"1[3-9]\d{9}")

STATE_LABELS = {
    "submitted": "已提交，等待受理",
    "acknowledged": "已受理，正在核实",
    "rectifying": "整改中",
    "awaiting_verification": "整改完成，等待验收",
    "closed": "已销号（整改验收完成）",
    "rejected": "不予受理",
    "merged": "已与其他报告合并处理",
}


class ReportError(ValueError):
    """A report that cannot be accepted; the message is shown to the user as it is."""


@dataclass
class ReportDraft:
    """What the dialogue has gathered so far; stored as JSON in the conversation row."""

    enterprise_id: int | None = None
    enterprise_name: str = ""
    region_code: str = ""
    description: str = ""
    photo_ids: list[int] = field(default_factory=list)
    location_lat: float | None = None
    location_lng: float | None = None
    location_label: str | None = None
    location_system: str | None = None  # GCJ-02 for a WeChat location (registry.coordinates)
    anonymous: bool | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    possibly_major: bool = False  # the reporter's own guess: officers of the city are told too


def clean_description(text: str, *, max_chars: int) -> str:
    """A description worth an officer's trip: not empty, not a novel."""
    text = text.strip()
    if len(text) < 5:
        raise ReportError("描述太短了，请写清楚在哪里、有什么问题（至少 5 个字）。")
    if len(text) > max_chars:
        raise ReportError(f"描述太长了（{len(text)} 字），请精简到 {max_chars} 字以内。")
    return text


def parse_contact(text: str) -> tuple[str, str]:
    """Split "张三 13800000000" into a name and a mainland mobile number."""
    phone_match = _PHONE.search(re.sub(r"[\s-]", "", text))
    if phone_match is None:
        raise ReportError("没有识别到手机号。请按“姓名 手机号”回复，例如：张三 13800000000")
    name = re.sub(r"[\d\s,，:：+-]", "", text).strip()
    if not 1 <= len(name) <= 20:
        raise ReportError("请同时留下姓名，例如：张三 13800000000")
    return name, phone_match.group(0)


def new_query_code() -> str:
    return "".join(secrets.choice(_QUERY_ALPHABET) for _ in range(_QUERY_CODE_LENGTH))


# The query code's hash and its check live in these functions and nowhere else. A keyed hash
# (HMAC-SHA-256) is enough for a code of 8 symbols out of 31 (about 40 bits) that only shows a
# report's status: guessing online is stopped by the rate limits (lookups.QueryGuard), and the
# key is kept apart from the database, so a copy of the hazards table alone cannot be searched
# for codes (docs/security.md, "Query codes"). The older scrypt hashes (werkzeug's format,
# "scrypt:…$salt$hash") still verify, and are replaced by the keyed hash when they are used.
_KEYED_PREFIX = "hmac-sha256$"
_LEGACY_PREFIXES = ("scrypt:", "pbkdf2:")
_query_code_key: bytes | None = None


def configure_query_code_key(key: str) -> None:
    """Set the process-wide key of query-code hashes (``security.query_code_key``)."""
    global _query_code_key
    if not key:
        raise ValueError("the query code key must not be empty")
    _query_code_key = key.encode()


def _key() -> bytes:
    if _query_code_key is None:
        # Only code that never built an app (a script, a unit test) gets here: a fixed dev key.
        return b"hazardbot-dev-query-code-key"
    return _query_code_key


def _keyed_digest(code: str) -> str:
    return hmac.new(_key(), code.encode(), hashlib.sha256).hexdigest()


def hash_query_code(code: str) -> str:
    """What is stored of a query code (``hazards.query_code_hash``): never the code itself."""
    return _KEYED_PREFIX + _keyed_digest(code.strip().upper())


def is_legacy_hash(stored_hash: str | None) -> bool:
    """Whether ``stored_hash`` is an old scrypt (werkzeug) hash, to be replaced on use."""
    return stored_hash is not None and stored_hash.startswith(_LEGACY_PREFIXES)


def query_code_matches(stored_hash: str | None, code: str) -> bool:
    """Whether ``code`` (as typed: spaces, lower case) is the one behind ``stored_hash``.

    Without a hash to check (a named report, a missing number) the code is checked against a
    dummy hash all the same, compared in constant time: every lookup costs one HMAC, so the
    time of the answer does not tell an anonymous report from a named or a missing one.
    """
    typed = code.strip().upper()
    if is_legacy_hash(stored_hash):
        return check_password_hash(stored_hash or "", typed)
    matches = hmac.compare_digest(stored_hash or _dummy_hash(), hash_query_code(typed))
    return matches and stored_hash is not None


def _dummy_hash() -> str:
    """A hash made the same way as real ones, of a code nobody was given."""
    return _KEYED_PREFIX + "0" * 64


def source_for(reporter: User, enterprise_id: int | None) -> str:
    """内部报告 when the reporter works at the enterprise he reports, else 群众举报."""
    if enterprise_id is not None and reporter.enterprise_id == enterprise_id:
        return "worker_report"
    return "public_report"


_FIRST_EVENT = insert(cast(Table, HazardEvent.__table__)).inline()


def submit_report(
    session: Session,
    draft: ReportDraft,
    *,
    reporter: User,
    now: datetime,
    settings: WorkflowSettings = DEFAULT_SETTINGS,
) -> tuple[Hazard, str | None]:
    """Turn a finished draft into a hazard with its first event and its photos, and tell the
    officers (lifecycle.notify_new_report) in the same transaction.

    Returns the hazard and, for an anonymous report, the query code — shown once to the
    reporter and kept only as a hash. An anonymous hazard keeps no link to the reporter.
    ``settings`` carries the 受理 time limit (``app.extensions["workflow_settings"]``).
    """
    enterprise = session.get(Enterprise, draft.enterprise_id) if draft.enterprise_id else None
    if draft.enterprise_id and enterprise is None:
        raise ReportError("所选企业已不在登记库中，请回复“举报”重新开始。")
    region_code = enterprise.region_code if enterprise else draft.region_code
    if not draft.description or not region_code or draft.anonymous is None:
        raise ReportError("举报内容还不完整，请回复“举报”重新开始。")
    if enterprise is None and (not draft.enterprise_name or session.get(Region, region_code) is None):
        raise ReportError("企业名称或所在县（市、区）无效，请回复“举报”重新开始。")
    query_code = new_query_code() if draft.anonymous else None
    query_code_hash = hash_query_code(query_code) if query_code else None
    hazard = Hazard(
        number=next_hazard_number(session, now),
        state="submitted",
        source=source_for(reporter, draft.enterprise_id),
        enterprise_id=enterprise.id if enterprise else None,
        enterprise_name=enterprise.name if enterprise else draft.enterprise_name,
        region_code=region_code,
        industry=enterprise.industry if enterprise else None,
        description=draft.description,
        location_lat=draft.location_lat,
        location_lng=draft.location_lng,
        location_label=draft.location_label,
        location_system=draft.location_system if draft.location_lat is not None else None,
        anonymous=draft.anonymous,
        reporter_id=None if draft.anonymous else reporter.id,
        reporter_name=None if draft.anonymous else draft.reporter_name,
        reporter_phone=None if draft.anonymous else draft.reporter_phone,
        query_code_hash=query_code_hash,
        reported_at=now,
        ack_due_at=ack_due(now, settings),  # in the INSERT, not an UPDATE after it
        possibly_major=bool(draft.possibly_major),
    )
    session.add(hazard)
    session.flush()
    # A Core INSERT, not a mapped object to flush: nothing reads the event back here.
    session.connection().execute(_FIRST_EVENT, {
        "hazard_id": hazard.id, "at": now, "action": "submit", "from_state": None,
        "to_state": "submitted", "actor_id": None if draft.anonymous else reporter.id,
        "note": "匿名举报" if draft.anonymous else "实名举报",
    })
    photos = 0
    if draft.photo_ids:  # the draft's evidence: photos, voice messages and videos
        kinds = session.scalars(
            update(Attachment)
            .where(Attachment.id.in_(draft.photo_ids))
            .where(Attachment.uploader_id == reporter.id)
            .where(Attachment.hazard_id.is_(None))
            # An anonymous report's evidence keeps no link to the person who sent it either.
            .values(hazard_id=hazard.id, uploader_id=None if draft.anonymous else reporter.id)
            .returning(Attachment.kind)
        ).all()
        photos = sum(1 for kind in kinds if kind == "photo")
    notify_new_report(session, hazard, now=now, settings=settings, photos=photos)
    return hazard, query_code


def lookup_status(
    session: Session, number: str, *, asker: User, query_code: str | None
) -> Hazard | None:
    """The hazard if the asker may see its status: its named reporter, one who supplemented it
    by name (a follower), or anyone with the code.

    Wrong numbers and wrong codes look the same to the asker, so numbers cannot be probed:
    the same answer, and (when a code is given) the same cost, one hash checked, whether the
    number is anonymous, named or missing; the follower check rides in the one statement that
    loads the hazard, so a named number does not cost one query more. Failed lookups are
    limited by the caller (``lookups.QueryGuard``) before this runs.
    """
    followed = exists().where(
        HazardFollower.hazard_id == Hazard.id, HazardFollower.user_id == asker.id)
    row = session.execute(
        select(Hazard, followed.label("followed")).where(Hazard.number == number)).one_or_none()
    hazard, follows = (row[0], bool(row[1])) if row is not None else (None, False)
    code_ok = bool(query_code) and query_code_matches(
        hazard.query_code_hash if hazard is not None else None, query_code or "")
    if hazard is None:
        return None
    if code_ok and is_legacy_hash(hazard.query_code_hash):
        hazard.query_code_hash = hash_query_code(query_code or "")  # scrypt → keyed, on use
    mine = hazard.reporter_id is not None and hazard.reporter_id == asker.id
    return hazard if mine or code_ok or follows else None
