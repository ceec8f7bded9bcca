"""Signing in to the console by scanning a temporary QR code: the rules of its tickets.

Why: WeChat web authorization works only inside WeChat's own browser, and officers file the
weekly tables at an office PC. So the desk browser shows a temporary parametric code of the
Official Account whose scene is ``login:<secret>``; the officer scans it with WeChat, the
``SCAN`` event reaches the chat (``bot/chat/channel.py``), and a scan by a console user
confirms the ticket; the browser, polling, then signs in by itself.

The rules:

- a ticket is bound to one browser session: the secret is kept in that session's signed
  cookie and only its SHA-256 here, so knowing a row, or the scene, signs no one in;
- valid ``TICKET_SECONDS`` (WeChat's code expires with it), a refreshed page gets a new one;
- single use: confirmed once (the first scan wins, by a conditional UPDATE), used once (the
  first poll after it wins, likewise), then void;
- only someone ``console_scope.scope_for`` lets in confirms it; anyone else's scan refuses
  it, and the page says so; the scope is checked again when the browser signs in;
- the chat names the time and the browser signed in, so an officer tricked into scanning a
  code shown by someone else's page (the one risk of every scan-to-sign-in) sees it at once.

Issuing the code is a network call to WeChat: it is made outside any transaction.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.models import ConsoleLoginTicket, User
from bot.services.people.console_scope import scope_for
from bot.services.platform.dml import affected_rows
from bot.services.platform.ports import LoginCodeIssuer

log = logging.getLogger(__name__)

SCENE_PREFIX = "login:"
SECRET_BYTES = 24  # 192 bits → 32 URL-safe characters; the scene stays within WeChat's 64
TICKET_SECONDS = 300  # five minutes to take out the phone and scan
SIGN_IN_GRACE = timedelta(minutes=2)  # a confirmed ticket waits this long for the browser
MAX_PENDING = 200  # codes waiting at once: page loads cannot burn WeChat's API quota
KEEP = timedelta(days=1)  # rows older than this are deleted as new ones are made
BROWSER_CHARS = 64
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{32}")

PENDING, CONFIRMED, REFUSED, USED = "pending", "confirmed", "refused", "used"
EXPIRED, UNKNOWN, SIGNED_IN = "expired", "unknown", "signed_in"


# What the scanner reads in chat, by ScanResult.kind.
CHAT_REPLIES = {
    SIGNED_IN: "已登录监管后台（{at}，{browser}）。\n"
               "如非本人操作，请立即在监管后台点击右上角“退出”：您在所有浏览器上的登录都会结束。",
    REFUSED: "您不是监管后台用户，不能扫码登录监管后台。\n"
             "监管人员、企业安全管理人员请先发送“绑定 绑定码”完成绑定，再扫码登录。",
    EXPIRED: "该登录二维码已过期，未能登录。请在电脑上点击“刷新二维码”后重新扫码。",
    USED: "该登录二维码已使用过，不能再次登录。请在电脑上点击“刷新二维码”后重新扫码。",
    UNKNOWN: "该登录二维码无效或已过期。请在电脑上刷新登录页面后重新扫码。",
}


class TooManyPending(Exception):
    """Too many codes are waiting to be scanned; the page asks to try again shortly."""


@dataclass(frozen=True)
class LoginCode:
    """A new ticket: ``secret`` goes into the browser's session, ``url`` into the QR image."""

    ticket_id: int
    secret: str
    url: str
    link: str | None
    expires_at: datetime


@dataclass(frozen=True)
class ScanResult:
    """What a scan of a login code did: ``kind`` is signed_in (confirmed), refused, expired,
    used or unknown; ``browser`` the browser it signs in."""

    kind: str
    browser: str = ""


@dataclass(frozen=True)
class TicketState:
    """Where a browser's ticket stands: pending, confirmed, refused, expired, used or unknown."""

    status: str
    ticket: ConsoleLoginTicket | None = None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scene_for(secret: str) -> str:
    return SCENE_PREFIX + secret


def is_login_scene(scene: str) -> bool:
    """Whether a scan's scene is a console login code (``login:…``), valid or not."""
    return scene.startswith(SCENE_PREFIX)


def short_browser(user_agent: str) -> str:
    """"Chrome 131 · Windows" from a User-Agent: enough for the officer to recognise his PC."""
    ua = user_agent or ""
    name = ""
    for label, pattern in (("微信", r"MicroMessenger/(\d+)"), ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
                           ("Firefox", r"Firefox/(\d+)"), ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
                           ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")):
        match = re.search(pattern, ua)
        if match:
            name = f"{label} {match.group(1)}"
            break
    system = next((label for label, needle in (
        ("Windows", "Windows"), ("macOS", "Mac OS X"), ("Android", "Android"), ("iOS", "iPhone"),
        ("iOS", "iPad"), ("Linux", "Linux"),
    ) if needle in ua and not (needle == "Mac OS X" and ("iPhone" in ua or "iPad" in ua))), "")
    found = " · ".join(part for part in (name, system) if part)
    return (found or "未知浏览器")[:BROWSER_CHARS]


def begin(session: Session, issuer: LoginCodeIssuer, *, browser: str, now: datetime) -> LoginCode:
    """Issue a new login code and store its ticket. Commits (the caller's pending work too).

    The count of waiting codes is checked, and old rows deleted, before WeChat is asked;
    the call itself runs outside any transaction, the row is written after it.

    :raises TooManyPending: too many codes are waiting (page loads by a script).
    :raises QRCodeIssueError: WeChat refused or failed (nothing was written).
    """
    session.execute(delete(ConsoleLoginTicket).where(ConsoleLoginTicket.expires_at < now - KEEP))
    waiting = session.scalar(select(func.count()).select_from(ConsoleLoginTicket).where(
        ConsoleLoginTicket.status == PENDING, ConsoleLoginTicket.expires_at > now)) or 0
    session.commit()
    if waiting >= MAX_PENDING:
        log.warning("console login: %s codes already waiting, no new one issued", waiting)
        raise TooManyPending()
    secret = secrets.token_urlsafe(SECRET_BYTES)
    issued = issuer.issue_temporary(scene=scene_for(secret), expire_seconds=TICKET_SECONDS)
    expires = now + timedelta(seconds=TICKET_SECONDS)
    ticket = ConsoleLoginTicket(secret_hash=hash_secret(secret), status=PENDING,
                                browser=short_browser(browser), qr_url=issued.url[:255],
                                created_at=now, expires_at=expires)
    session.add(ticket)
    session.commit()
    log.info("console login: code %s issued (%s)", ticket.id, issuer.channel)
    return LoginCode(ticket.id, secret, ticket.qr_url, issued.link, expires)


def _by_secret(session: Session, secret: str) -> ConsoleLoginTicket | None:
    if not _SECRET_RE.fullmatch(secret or ""):
        return None
    return session.scalars(
        select(ConsoleLoginTicket).where(ConsoleLoginTicket.secret_hash == hash_secret(secret))
    ).one_or_none()


def confirm_scan(session: Session, scanner: User, scene: str, now: datetime) -> ScanResult:
    """A scan of a login code in WeChat: confirm it for a console user, refuse it for anyone
    else. Flushes in the caller's transaction (the chat message's), never commits."""
    ticket = _by_secret(session, scene.removeprefix(SCENE_PREFIX))
    if ticket is None:
        log.info("console login: a scan of an unknown login code")
        return ScanResult(UNKNOWN)
    if ticket.status != PENDING:  # confirmed, used, or refused: the code is spent
        return ScanResult(USED, ticket.browser)
    if ticket.expires_at <= now:
        return ScanResult(EXPIRED, ticket.browser)
    allowed = scope_for(session, scanner) is not None
    done = session.execute(
        update(ConsoleLoginTicket)
        .where(ConsoleLoginTicket.id == ticket.id, ConsoleLoginTicket.status == PENDING,
               ConsoleLoginTicket.expires_at > now)
        .values(status=CONFIRMED if allowed else REFUSED, scanned_at=now,
                user_id=scanner.id if allowed else None)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(done) != 1:  # another scan won the race
        return ScanResult(USED, ticket.browser)
    log.info("console login: code %s %s by user %s", ticket.id,
             "confirmed" if allowed else "refused", scanner.id)
    return ScanResult(SIGNED_IN if allowed else REFUSED, ticket.browser)


def chat_reply(result: ScanResult, *, at: str) -> str:
    """The chat's answer to a scan of a login code; ``at`` is the local time to name."""
    return CHAT_REPLIES[result.kind].format(at=at, browser=result.browser or "未知浏览器")


def state_of(session: Session, secret: str, now: datetime) -> TicketState:
    """Where the browser's ticket stands, for its polling page."""
    ticket = _by_secret(session, secret)
    if ticket is None:
        return TicketState(UNKNOWN)
    if ticket.status == PENDING and ticket.expires_at <= now:
        return TicketState(EXPIRED, ticket)
    if ticket.status == CONFIRMED and not _in_grace(ticket, now):
        return TicketState(EXPIRED, ticket)
    return TicketState(ticket.status, ticket)


def use(session: Session, secret: str, now: datetime) -> User | None:
    """The console user a confirmed ticket signs in, marking it used (once); None otherwise.
    Flushes, the caller commits before it signs the browser in."""
    ticket = _by_secret(session, secret)
    if ticket is None or ticket.status != CONFIRMED or ticket.user_id is None or not _in_grace(ticket, now):
        return None
    done = session.execute(
        update(ConsoleLoginTicket)
        .where(ConsoleLoginTicket.id == ticket.id, ConsoleLoginTicket.status == CONFIRMED)
        .values(status=USED, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(done) != 1:
        return None
    user = session.get(User, ticket.user_id)
    if scope_for(session, user) is None:  # unbound or demoted since the scan
        log.info("console login: code %s confirmed by a user no longer in the console", ticket.id)
        return None
    return user


def _in_grace(ticket: ConsoleLoginTicket, now: datetime) -> bool:
    return ticket.scanned_at is not None and ticket.scanned_at + SIGN_IN_GRACE > now
