"""Subscribe-message consent: what a mini-program user allowed us to send him.

Outside the chat there is no 48-hour service window: a mini-program user can only be reached
by a subscribe message he agreed to with ``wx.requestSubscribeMessage``. Each "accept" of a
one-time template allows exactly one message, so consents are counted, and a sender must
``take_one`` before sending (nothing is sent without a consent left).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import SubscribeConsent, User
from bot.services.platform.dml import affected_rows

ANSWERS = ("accept", "reject", "ban", "filter")
MAX_REMAINING = 50  # a client looping "accept" must not bank unlimited sends
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ConsentError(ValueError):
    """A consent record we refuse; the message is Chinese."""


def record(
    session: Session, user: User, answers: Mapping[str, str], *, allowed: Collection[str],
    now: datetime,
) -> list[SubscribeConsent]:
    """Apply the answers ``wx.requestSubscribeMessage`` gave (template id → accept/reject/…).

    ``allowed``: the deployment's template ids (empty: any well-formed id). "filter" (WeChat
    hid the prompt) changes nothing. Returns the user's consents for the answered templates.
    """
    if not answers:
        raise ConsentError("没有收到订阅结果。")
    if len(answers) > 20:
        raise ConsentError("一次最多记录 20 个订阅模板。")
    for template_id, answer in answers.items():
        if not _TEMPLATE_ID.fullmatch(template_id):
            raise ConsentError(f"订阅模板 ID 格式不正确：{template_id[:64]}")
        if allowed and template_id not in allowed:
            raise ConsentError(f"不支持的订阅模板：{template_id}")
        if answer not in ANSWERS:
            raise ConsentError(f"订阅结果须为 {'、'.join(ANSWERS)} 之一。")
    found = []
    for template_id, answer in answers.items():
        consent = session.scalars(
            select(SubscribeConsent).where(
                SubscribeConsent.user_id == user.id, SubscribeConsent.template_id == template_id
            )
        ).one_or_none()
        if consent is None:
            consent = SubscribeConsent(
                user_id=user.id, template_id=template_id, remaining=0, last_answer=answer,
                updated_at=now,
            )
            session.add(consent)
        if answer == "accept":
            consent.remaining = min((consent.remaining or 0) + 1, MAX_REMAINING)
        elif answer in ("reject", "ban"):
            consent.remaining = 0
        if answer != "filter":
            consent.last_answer = answer
        consent.updated_at = now
        found.append(consent)
    session.flush()
    return found


def take_one(session: Session, user_id: int, template_id: str) -> bool:
    """Use up one consent before sending; False when none is left (then send nothing)."""
    taken = affected_rows(session.execute(
        update(SubscribeConsent)
        .where(SubscribeConsent.user_id == user_id, SubscribeConsent.template_id == template_id,
               SubscribeConsent.remaining > 0)
        .values(remaining=SubscribeConsent.remaining - 1)
        .execution_options(synchronize_session=False)
    ))
    return bool(taken)


def consents_of(session: Session, user: User) -> list[SubscribeConsent]:
    return list(session.scalars(
        select(SubscribeConsent).where(SubscribeConsent.user_id == user.id)
        .order_by(SubscribeConsent.template_id)
    ))


def give_back(session: Session, user_id: int, template_id: str) -> None:
    """Return a consent taken for a message WeChat never accepted (it gave up retrying):
    WeChat counts a consent used only when a message is delivered."""
    session.execute(
        update(SubscribeConsent)
        .where(SubscribeConsent.user_id == user_id, SubscribeConsent.template_id == template_id,
               SubscribeConsent.remaining < MAX_REMAINING)
        .values(remaining=SubscribeConsent.remaining + 1)
        .execution_options(synchronize_session=False)
    )


def forget(session: Session, user_id: int, template_id: str) -> None:
    """WeChat says the user refused this template (errcode 43101): our count was wrong, none
    is left until he accepts again."""
    session.execute(
        update(SubscribeConsent)
        .where(SubscribeConsent.user_id == user_id, SubscribeConsent.template_id == template_id)
        .values(remaining=0)
        .execution_options(synchronize_session=False)
    )
