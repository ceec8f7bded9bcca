"""The reporter's anonymity: who he is, and his identity kept out of texts meant for others.

Officers, managers and every channel's messages (chat, template, subscribe message) take a
report's text through ``scrub`` before anyone but the reporter reads it; only the logged
``lifecycle.reporter_identity`` shows an officer who reported. It sits at the bottom of the
domain, beside the users, so that every package that writes a message can use it.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.models import Hazard, User

_BLANK = "***"


def named_reporter(session: Session, hazard: Hazard) -> User | None:
    """The reporter, for a named report; an anonymous one has no link to anybody."""
    return session.get(User, hazard.reporter_id) if hazard.reporter_id is not None else None


def scrub(session: Session, hazard: Hazard, text: str) -> str:
    """Blank the reporter's name, phone and openid out of a text meant for the enterprise."""
    secrets = [hazard.reporter_name, hazard.reporter_phone]
    reporter = named_reporter(session, hazard)
    if reporter is not None:
        secrets += [reporter.name, reporter.phone, reporter.openid]
    for secret in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        text = _loose(secret).sub(_BLANK, text)
    return text


def _loose(secret: str) -> re.Pattern[str]:
    """A phone number matches however it was typed: "139 1234-5678" is the same number."""
    if secret.isdigit():
        return re.compile(r"[\s\-－—]*".join(re.escape(d) for d in secret))
    return re.compile(re.escape(secret))
