"""Subscribe messages: how an outbox row reaches a mini-program user (openid ``mp:<openid>``).

A mini-program user has no chat with the Official Account, so neither customer-service nor
template messages reach him (they are sent to Official Account openids). WeChat lets a
mini-program send him a *subscribe message* instead, once per "accept" he gave in
``wx.requestSubscribeMessage`` (recorded by ``bot.services.messaging.subscriptions``), and only as a
template of typed fields (``thing`` ≤ 20 characters, ``phrase`` ≤ 5 Chinese characters…),
never free text.

So a few kinds of message have a subscribe template each, grouped (config ``[api]``):

- ``subscribe_progress``: the reporter's report acknowledged, rejected, merged, graded, given a
  deadline, rectified (awaiting verification), sent back, closed;
- ``subscribe_deadline``: rectification deadline nudges and overdue notes to managers;
- ``subscribe_new_report``: a new (or still unacknowledged) report to officers.

Each setting reads ``"<template id> <role>=<field> …"``, e.g.
``"AbC123 number=character_string1 status=phrase2 enterprise=thing3 time=time4 note=thing5"``:
the template chosen in the mini-program's console and which of its keywords carries which of
our values (roles: ``number`` hazard number, ``status`` a short state word, ``enterprise``,
``time`` when it happened, ``deadline`` the rectification deadline, ``note`` a short hint).
The values are derived when the message is sent, from the row (kind, time, text) and the
hazard its key names, and cut to the field type's limit here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Hazard, OutboxMessage
from bot.services.people.anonymity import scrub
from bot.services.people.api_accounts import OPENID_PREFIX as MP_PREFIX
from bot.services.platform.clock import local

# Which group (config key ``subscribe_<group>``) serves each outbox kind.
GROUPS: Mapping[str, str] = {
    "acknowledge": "progress", "reject": "progress", "close": "progress", "merge": "progress",
    "merged_close": "progress",
    "graded": "progress", "report_deadline": "progress", "rectified": "progress", "returned": "progress",
    "deadline_nudge": "deadline", "deadline_overdue": "deadline",
    "new_report": "new_report", "ack_overdue": "new_report", "ack_escalate": "new_report",
}
# Which groups a person may receive, by how the chat treats him (``bindings.chat_role``):
# anyone may report, so everyone follows his reports' progress; a manager is nudged about his
# enterprise's deadlines; an officer is told of new reports in his region.
GROUPS_BY_ROLE: Mapping[str, tuple[str, ...]] = {
    "public": ("progress",), "worker": ("progress",),
    "manager": ("progress", "deadline"), "officer": ("progress", "new_report"),
}
# ``status`` (a phrase: at most 5 Chinese characters) per kind.
STATUS: Mapping[str, str] = {
    "acknowledge": "已受理", "reject": "不予受理", "close": "已销号", "merge": "已合并",
    "merged_close": "已销号", "graded": "已定级", "report_deadline": "限期整改", "rectified": "待验收",
    "returned": "已退回", "deadline_nudge": "即将到期", "deadline_overdue": "已逾期",
    "new_report": "待受理", "ack_overdue": "超时未受理", "ack_escalate": "超时未受理",
}
# ``note`` per kind, when nothing more specific comes from the message.
NOTES: Mapping[str, str] = {
    "acknowledge": "已受理，正在核实处理",
    "reject": "经审查不予受理",
    "close": "已整改完毕，验收销号",
    "merge": "已并入其他报告一并处理",
    "merged_close": "并入的隐患已验收销号",
    "graded": "已定级，企业正在整改",
    "report_deadline": "已确定整改期限",
    "rectified": "企业已整改，等待验收",
    "returned": "整改未通过验收，已退回",
    "deadline_nudge": "整改期限临近，请按期完成",
    "deadline_overdue": "已超过整改期限，请尽快整改",
    "ack_overdue": "报告超时未受理，请尽快处理",
    "ack_escalate": "报告超时未受理，请督促处理",
}
ROLES = frozenset({"number", "status", "enterprise", "time", "deadline", "note"})
# WeChat's limits per keyword type (characters); see subscribeMessage.send.
LIMITS: Mapping[str, int] = {
    "thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5,
    "name": 10, "phone_number": 17, "car_number": 8, "time": 40, "date": 40, "amount": 20,
}
_FIELD = re.compile(r"([a-z_]+?)(\d+)")
_NUMBER = re.compile(r"YH\d{12,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class SubscribeConfigError(ValueError):
    """A ``subscribe_*`` setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class SubscribeTemplate:
    template_id: str
    fields: Mapping[str, str]  # role → keyword, e.g. {"number": "character_string1"}


@dataclass(frozen=True)
class SubscribeSettings:
    templates: Mapping[str, SubscribeTemplate] = field(default_factory=dict)  # group → template
    page: str = ""  # the page a tap opens; "{number}" is replaced by the hazard number

    @classmethod
    def from_config(cls, api: Mapping[str, Any]) -> SubscribeSettings:
        templates = {}
        for group in sorted(set(GROUPS.values())):
            raw = str(api.get(f"subscribe_{group}", "") or "").strip()
            if raw:
                templates[group] = parse_template(raw, f"api.subscribe_{group}")
        return cls(templates=templates, page=str(api.get("subscribe_page", "") or ""))

    def template_for(self, kind: str) -> SubscribeTemplate | None:
        group = GROUPS.get(kind)
        return self.templates.get(group) if group else None

    def template_ids(self) -> set[str]:
        return {t.template_id for t in self.templates.values()}

    def to_request(self, chat_role: str) -> list[tuple[str, str]]:
        """(group, template id) the mini-program should ask a person with ``chat_role`` to
        allow (``wx.requestSubscribeMessage``), in a stable order; groups with no template
        configured are left out, since nothing could be sent with them."""
        return [(group, self.templates[group].template_id)
                for group in GROUPS_BY_ROLE.get(chat_role, ("progress",)) if group in self.templates]


def parse_template(raw: str, name: str) -> SubscribeTemplate:
    """``"<template id> role=keyword …"`` → a template; a bad setting fails at start-up."""
    template_id, *pairs = raw.split()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", template_id):
        raise SubscribeConfigError(f"{name}: the first word must be the template id, not {template_id!r}")
    fields: dict[str, str] = {}
    for pair in pairs:
        role, _, keyword = pair.partition("=")
        match = _FIELD.fullmatch(keyword)
        if role not in ROLES or match is None or match.group(1) not in LIMITS:
            raise SubscribeConfigError(
                f"{name}: {pair!r} must be role=keyword, role one of {', '.join(sorted(ROLES))}, "
                f"keyword like thing1 or character_string2")
        fields[role] = keyword
    if not fields:
        raise SubscribeConfigError(f"{name}: no fields after the template id")
    return SubscribeTemplate(template_id, fields)


def touser(openid: str) -> str:
    """The mini-program's own openid behind our ``mp:`` user."""
    return openid[len(MP_PREFIX):] if openid.startswith(MP_PREFIX) else openid


def hazard_number(key: str) -> str | None:
    """The hazard an outbox key names (``acknowledge:YH…:7``, ``deadline:YH…:2026-12-01``)."""
    match = _NUMBER.search(key)
    return match.group(0) if match else None


class NoHazard(LookupError):
    """The message names no hazard we know: its fields cannot be filled."""


def build_data(
    session: Session, message: OutboxMessage, template: SubscribeTemplate
) -> dict[str, dict[str, str]]:
    """The ``data`` of ``subscribeMessage.send``: each keyword's value, cut to its limit."""
    number = hazard_number(message.key)
    hazard = session.scalars(select(Hazard).where(Hazard.number == number)).one_or_none() \
        if number else None
    if hazard is None:
        raise NoHazard(f"outbox key {message.key} names no known hazard")
    values: dict[str, str | date | datetime] = {
        "number": hazard.number,
        "status": STATUS.get(message.kind, "有更新"),
        "enterprise": hazard.enterprise_name or "未登记企业",
        "time": message.created_at,
        "deadline": hazard.deadline or "未设定",
        "note": _note(session, message, hazard),
    }
    return {keyword: {"value": fit(keyword, values[role])} for role, keyword in template.fields.items()}


def _note(session: Session, message: OutboxMessage, hazard: Hazard) -> str:
    if message.kind == "reject":  # the officer's reason is what the reporter wants to read
        for line in message.text.splitlines():
            if line.startswith("理由："):
                return line[len("理由："):]
    if message.kind == "new_report":
        return scrub(  # the reporter stays out of officers' view
            session, hazard, hazard.description)
    return NOTES.get(message.kind, "请在小程序中查看详情")


def fit(keyword: str, value: str | date | datetime) -> str:
    """``value`` as WeChat accepts it in a keyword of this type.

    Too long a ``thing`` ends with "…" within the limit; ``character_string``/``number``/
    ``letter`` keep only what WeChat allows; a ``phrase`` keeps Chinese characters only; times
    and dates read "2026年11月24日 15:30" (local time). WeChat refuses empty values: "-".
    """
    match = _FIELD.fullmatch(keyword)
    kind = match.group(1) if match else "thing"
    limit = LIMITS.get(kind, 20)
    if isinstance(value, datetime):
        here = local(value)
        text = f"{here.year}年{here.month}月{here.day}日" + (f" {here:%H:%M}" if kind != "date" else "")
    elif isinstance(value, date):
        text = f"{value.year}年{value.month}月{value.day}日"
    else:
        text = " ".join(str(value).split())
    if kind in ("character_string", "letter", "symbol", "car_number"):
        text = "".join(c for c in text if c.isascii() and not c.isspace()) if kind != "car_number" else text
    elif kind == "number":
        text = "".join(c for c in text if c.isdigit() or c == ".")
    elif kind == "phrase":
        text = "".join(_CJK.findall(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…" if kind in ("thing", "name") else text[:limit]
    return text or "-"
