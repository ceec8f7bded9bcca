"""Enterprise QR codes: an unguessable token per enterprise, revocable, resolved from a scan.

Why a random token and not the enterprise id: a sequential id in a printed code would let
anyone enumerate the registry and file reports "from" any gate; a 128-bit token cannot be
guessed, and a poster torn down or copied elsewhere can be revoked and replaced without
touching the enterprise.

A scan reaches us as a scene string ``e:<token>`` (WeChat's QR_LIMIT_STR_SCENE allows 64
characters) or, in dev mode, as our H5 page ``/q/<token>``. What the printed image encodes
comes from a ``QRCodeIssuer`` (bot/services/platform/ports.py); WeChat's answer is cached on the code
so that it is asked once per code, outside any database transaction (SQLite takes its write
lock when a transaction begins: holding it across a network call would stall every request).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise, EnterpriseQRCode
from bot.services.platform.ports import QRCodeIssuer

SCENE_PREFIX = "e:"
SCENE_MAX_CHARS = 64  # WeChat's limit for scene_str
TOKEN_BYTES = 16  # 128 bits → 22 URL-safe characters (the column holds 32)
SHORT_ID_CHARS = 6
ACTIVE = "active"
REVOKED = "revoked"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,32}")


class NoActiveCode(LookupError):
    """The enterprise has no active code, and the caller may only print an existing one."""

    def __init__(self, enterprise_id: int) -> None:
        super().__init__(f"enterprise {enterprise_id} has no active QR code")
        self.enterprise_id = enterprise_id


@dataclass(frozen=True)
class PrintableCode:
    """An enterprise's active code as a poster prints it: ``url`` is what the image encodes."""

    enterprise_id: int
    code_id: int
    short_id: str
    url: str


@dataclass(frozen=True)
class ScanTarget:
    """What a scanned code points at. ``revoked``: an old poster (此二维码已作废)."""

    enterprise_id: int
    code_id: int
    revoked: bool


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def scene_for(code: EnterpriseQRCode) -> str:
    return SCENE_PREFIX + code.token


def short_id(code: EnterpriseQRCode) -> str:
    """Printed in the poster's footer so that a revoked poster can be recognised on a wall."""
    return code.token[:SHORT_ID_CHARS]


def active_code(session: Session, enterprise_id: int) -> EnterpriseQRCode | None:
    return session.scalars(
        select(EnterpriseQRCode)
        .where(EnterpriseQRCode.enterprise_id == enterprise_id, EnterpriseQRCode.status == ACTIVE)
        .order_by(EnterpriseQRCode.id.desc())
        .limit(1)
    ).first()


def ensure_code(session: Session, enterprise: Enterprise, now: datetime) -> EnterpriseQRCode:
    """The enterprise's active code, created if it has none. Idempotent; flushes, never commits."""
    _lock(session, enterprise)
    code = active_code(session, enterprise.id)
    if code is None:
        code = _new_code(session, enterprise, now)
    return code


def revoke_and_reissue(session: Session, enterprise: Enterprise, now: datetime) -> EnterpriseQRCode:
    """Revoke every active code of the enterprise and give it a new one (a poster was misused).

    Revoked rows stay: a scan of the old poster must still say 已作废 rather than "unknown",
    and visits recorded through it keep their reference.
    """
    _lock(session, enterprise)
    for old in session.scalars(
        select(EnterpriseQRCode).where(
            EnterpriseQRCode.enterprise_id == enterprise.id, EnterpriseQRCode.status == ACTIVE
        )
    ):
        old.status = REVOKED
        old.revoked_at = now
    return _new_code(session, enterprise, now)


def resolve_token(session: Session, token: str) -> ScanTarget | None:
    """The code behind a token (the H5 page's ``/q/<token>``); None for anything unknown."""
    if not _TOKEN_RE.fullmatch(token):
        return None
    code = session.scalars(select(EnterpriseQRCode).where(EnterpriseQRCode.token == token)).first()
    if code is None:
        return None
    return ScanTarget(enterprise_id=code.enterprise_id, code_id=code.id, revoked=code.status != ACTIVE)


def resolve_scene(session: Session, scene: str) -> ScanTarget | None:
    """The code behind a WeChat scan's scene (``e:<token>``); None for a scene not ours."""
    if len(scene) > SCENE_MAX_CHARS or not scene.startswith(SCENE_PREFIX):
        return None
    return resolve_token(session, scene.removeprefix(SCENE_PREFIX))


def printable_codes(
    session: Session, enterprises: Sequence[Enterprise], issuer: QRCodeIssuer, now: datetime,
    *, create: bool = True,
) -> list[PrintableCode]:
    """What each enterprise's poster must encode, in the order given; creates missing codes.

    Commits (the caller's pending work too): the codes are created and committed first, then
    WeChat is asked about the codes it has not yet answered for, each call outside any
    transaction and each answer committed at once, so that an interrupted batch of a thousand
    keeps what it got and never asks twice.

    :param create: False for someone who may not create codes (an admin, read-only in the
        console): only existing codes are printed, none is created. WeChat's answer for an
        existing code is still cached on it: that records the same code, it changes nothing.
    :raises QRCodeIssueError: WeChat refused or failed (the codes done so far are kept).
    :raises NoActiveCode: ``create`` is False and an enterprise has no active code (nothing
        has been written then).
    """
    found: dict[int, PrintableCode] = {}
    pending: list[tuple[int, int, str]] = []  # (enterprise id, code id, token)
    ids = [enterprise.id for enterprise in enterprises]
    for enterprise in enterprises:
        code = ensure_code(session, enterprise, now) if create else active_code(session, enterprise.id)
        if code is None:
            raise NoActiveCode(enterprise.id)
        cached = code.wechat_url if issuer.channel == "wechat" else None
        if cached:
            found[enterprise.id] = PrintableCode(enterprise.id, code.id, short_id(code), cached)
        else:
            pending.append((enterprise.id, code.id, code.token))
    session.commit()
    for enterprise_id, code_id, token in pending:
        issued = issuer.issue(token=token, scene=SCENE_PREFIX + token)  # no transaction open
        url = issued.url
        if issuer.channel == "wechat":
            stored = session.get(EnterpriseQRCode, code_id, populate_existing=True)
            if stored is not None:
                if stored.wechat_url is None:  # first answer wins: a permanent code never changes
                    stored.wechat_url, stored.wechat_ticket = issued.url, issued.ticket
                url = stored.wechat_url or issued.url
            session.commit()
        found[enterprise_id] = PrintableCode(enterprise_id, code_id, token[:SHORT_ID_CHARS], url)
    return [found[enterprise_id] for enterprise_id in ids]


def _new_code(session: Session, enterprise: Enterprise, now: datetime) -> EnterpriseQRCode:
    code = EnterpriseQRCode(enterprise_id=enterprise.id, token=new_token(), status=ACTIVE, created_at=now)
    session.add(code)
    session.flush()
    return code


def _lock(session: Session, enterprise: Enterprise) -> None:
    """Serialise ensure/revoke per enterprise on PostgreSQL (SQLite's BEGIN IMMEDIATE already
    does): without it two concurrent first scans could each create an "only" active code."""
    session.execute(select(Enterprise.id).where(Enterprise.id == enterprise.id).with_for_update())
