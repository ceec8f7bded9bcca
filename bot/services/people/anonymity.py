"""The reporter's anonymity: who he is, and his identity kept out of texts meant for others.

Two levels, by who reads:

- ``scrub``: for anyone but the reporter (officers included). It blanks what we *know* names
  him: the recorded name and phone of a named report, his account's name, phone and openid.
  Officers see the identity only through the logged ``lifecycle.reporter_identity``.
- ``scrub_for_enterprise``: for the enterprise (its managers' chat notices and reminders, the
  console, anything they may read). On top of ``scrub`` it blanks whatever *looks like*
  identity in free text, named or anonymous report alike (``scrub_details``): phone numbers
  (mobile and landline, however spaced or dashed), 身份证 and other long digit runs (bank
  cards), e-mail addresses, a number after "电话/微信/QQ/工号…", and self-introductions
  ("我叫王小明", "我是三车间的李四", "本人张三", "姓名：…"). A worker who writes "我是三车间的"
  has told his employer more than his name; officers still read the original.

The detection is a heuristic that errs towards blanking: a manager reading "***" in a
description loses a few words, a reporter named to his employer may lose his job. It must
not blank our own template wording (hazard numbers ``YH…``, dates, amounts, the 12350
hotline); ``tests/unit/people/test_scrub.py`` holds both lists. ``has_personal_details``
lets the reporting dialogue warn the reporter while he can still rephrase.

It sits at the bottom of the domain, beside the users, so that every package that writes a
message can use it.
"""

from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy.orm import Session

from bot.models import User

_BLANK = "***"

# Matching runs on a copy with full-width digits, letters and signs folded to ASCII (one
# character for one, so positions stay), then the spans are blanked in the original.
_FOLD = str.maketrans(
    {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)} | {"\u3000": " "}
)
_SEP = r"[\s\-－—–.·]{0,3}"  # what people type between digit groups: "139 1234-5678"


def _digits(n: int) -> str:
    """``n`` digits, any separators between them."""
    return r"[0-9](?:" + _SEP + r"[0-9]){" + str(n - 1) + "}"


_CJK = r"\u4e00-\u9fff·"
# Where a name typed after "我叫" ends: punctuation, a digit, or a word that starts the next part.
_NAME_STOP = r"(?=[^" + _CJK + r"]|$|电话|手机|联系|身份|邮箱|微信|工号|是|在|的|今年|家住|住在|现在)"
_NAME = (
    r"\s{0,2}(?:[" + _CJK + r"]{1,4}?" + _NAME_STOP + r"|[" + _CJK + r"]{2,3}"
    r"|[A-Za-z][A-Za-z .'-]{0,30}[A-Za-z])"
)
# What follows "我是" up to the end of the clause: "三车间的李四", "这个厂的工人".
_CLAUSE = r"[^，,。.；;！!？?\n、]{1,20}"
# "本人" followed by a verb is not an introduction ("本人发现…", "须本人凭证件…").
_NOT_AFTER_BENREN = (
    r"(?!发现|看到|反映|举报|认为|要求|希望|于|想|要|觉得|听说|亲眼|亲自|已|曾|多次|就|也|和|及"
    r"|所在|单位|工作|在|是|的|凭|须|签|到)"
)

_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    # e-mail addresses
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+",
    # 身份证 (18 digits, the last may be X; 15 for old cards), bank cards: any run of 15-20 digits
    r"(?<![0-9A-Za-z])" + _digits(15) + r"(?:(?:" + _SEP + r"[0-9]){0,4}" + _SEP + r"[0-9X])?"
    r"(?![0-9A-Za-z])",
    # mobile numbers, with or without +86
    r"(?<![0-9])(?:(?:\+|00)?86" + _SEP + r")?1" + _SEP + r"[3-9](?:" + _SEP + r"[0-9]){9}(?![0-9])",
    # landlines with their area code: 0351-7654321, (0351) 765 4321, 010-87654321 转 801
    r"(?<![0-9])[(]?0[1-9][0-9]{1,2}[)]?" + _SEP + r"[2-9](?:" + _SEP + r"[0-9]){6,7}"
    r"(?:" + _SEP + r"(?:转|ext\.?)?" + _SEP + r"[0-9]{1,5})?(?![0-9])",
    # a number or account after a word that announces one: "电话 7654321", "微信 wxm_1990"
    r"(?:(?<![A-Za-z])(?:tel|phone|vx|wx|qq)|电话|手机|联系方式|座机|微信|工号|员工号|工牌|身份证)"
    r"(?:号码|号)?[\s:是为]{0,3}[A-Za-z0-9][A-Za-z0-9_\-]{5,}",
    # self-introductions: "我是三车间的李四", "本人是…"
    r"(?:我是|本人是)(?!否|不是|说|想|不)" + _CLAUSE,
    # …and a name: "我叫王小明", "本人张三", "姓名：王小明"
    r"(?:我叫|我名叫|我的名字(?:是|叫)|名字叫|我姓|(?:姓名|名字|联系人|举报人|报告人)[\s:是为]{0,3})"
    + _NAME,
    r"本人" + _NOT_AFTER_BENREN + r"[\s:]{0,2}" + _NAME,
))


class Reported(Protocol):
    """What blanking a reporter out of a text reads of his report: a ``Hazard``, or a lighter
    row of one (``duplicates.Candidate``)."""

    @property
    def reporter_id(self) -> int | None: ...
    @property
    def reporter_name(self) -> str | None: ...
    @property
    def reporter_phone(self) -> str | None: ...


def named_reporter(session: Session, hazard: Reported) -> User | None:
    """The reporter, for a named report; an anonymous one has no link to anybody."""
    return session.get(User, hazard.reporter_id) if hazard.reporter_id is not None else None


def scrub(session: Session, hazard: Reported, text: str) -> str:
    """Blank the reporter's name, phone and openid out of a text meant for anyone but him."""
    secrets = [hazard.reporter_name, hazard.reporter_phone]
    reporter = named_reporter(session, hazard)
    if reporter is not None:
        secrets += [reporter.name, reporter.phone, reporter.openid]
    for secret in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        text = _loose(secret).sub(_BLANK, text)
    return text


def scrub_person(text: str, person: User, *typed: str | None) -> str:
    """Blank one person's account name, phone and openid, and what he ``typed`` of himself (a
    name, a phone), out of a text meant for others: one who supplemented a hazard."""
    secrets = [person.name, person.phone, person.openid, *typed]
    for secret in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        text = _loose(secret).sub(_BLANK, text)
    return text


def scrub_for_enterprise(session: Session, hazard: Reported, text: str) -> str:
    """A text meant for the enterprise: ``scrub``, then anything that looks like identity."""
    return scrub_details(scrub(session, hazard, text))


def scrub_details(text: str) -> str:
    """Blank phone numbers, 身份证 and card numbers, e-mail addresses and self-introductions,
    whoever they belong to (the text has no reporter to compare with)."""
    spans = _spans(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], _BLANK]
        last = end
    out.append(text[last:])
    return "".join(out)


def has_personal_details(text: str) -> bool:
    """Whether ``scrub_details`` would blank anything: the reporter is warned, not refused."""
    return bool(_spans(text))


def _spans(text: str) -> list[tuple[int, int]]:
    """The merged, ordered spans of ``text`` that every pattern finds in its folded copy."""
    folded = text.translate(_FOLD)
    found = sorted(m.span() for p in _PATTERNS for m in p.finditer(folded) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _loose(secret: str) -> re.Pattern[str]:
    """A phone number matches however it was typed: "139 1234-5678" is the same number."""
    if secret.isdigit():
        return re.compile(r"[\s\-－—]*".join(re.escape(d) for d in secret))
    return re.compile(re.escape(secret))
