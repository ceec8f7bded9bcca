"""Who a WeChat account is: officers and managers bind with a one-time code, workers declare.

An admin issues a code for a role and a scope (a region for officers, an enterprise for its
manager); the person sends "绑定 <code>" in chat. Only the code's sha256 is stored: the code
is printed once and cannot be read back. A code works once and expires.

A worker needs no code: after scanning his plant's QR code he may say "我是员工"; his reports
about that enterprise then count as 内部报告. The declaration grants nothing but that label.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import BindingCode, Enterprise, Region, User
from bot.services.people.roles import OFFICER_ROLES
from bot.services.platform.dml import affected_rows

# No 0/O, 1/I/L: the code is read off a screen or paper and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_DAYS = 90

# The region level each officer role works at (regions.level, GB/T 2260).
_OFFICER_LEVEL = {"province_officer": "province", "city_officer": "prefecture_city"}
BINDABLE_ROLES = (*sorted(OFFICER_ROLES), "enterprise_manager")


class BindingError(ValueError):
    """A code that cannot be issued or used; the message (Chinese) is shown as it is."""


@dataclass(frozen=True)
class Bound:
    """What a binding made of the person: role, and the region or enterprise it covers."""

    role: str
    scope: str
    name: str | None


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def normalize_code(code: str) -> str:
    """Full-width to half-width, upper case, no spaces or dashes (people type "ABCD-EFGH")."""
    folded = unicodedata.normalize("NFKC", code).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def issue_code(
    session: Session,
    *,
    role: str,
    region_code: str | None = None,
    enterprise_id: int | None = None,
    name: str | None = None,
    days: int = 7,
    created_by: str = "cli",
    now: datetime,
) -> str:
    """Record a one-time code for ``role`` and return it (the only time it is readable).

    Officers need a region of their level (a county officer a county-level division),
    an enterprise manager a registered enterprise.
    """
    if role not in BINDABLE_ROLES:
        raise BindingError(f"角色须为 {'、'.join(BINDABLE_ROLES)} 之一")
    if not 1 <= days <= MAX_DAYS:
        raise BindingError(f"有效期须为 1–{MAX_DAYS} 天")
    if role == "enterprise_manager":
        if enterprise_id is None or session.get(Enterprise, enterprise_id) is None:
            raise BindingError("企业负责人须指定登记库中的企业")
        region_code = None
    else:
        region = session.get(Region, region_code) if region_code else None
        if region is None:
            raise BindingError(f"没有行政区划代码“{region_code or ''}”")
        if not level_fits(role, region):
            raise BindingError(f"“{region.name}”不是该角色对应的行政区划级别")
        enterprise_id = None
    name = (name or "").strip()[:64] or None
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        BindingCode(
            code_hash=hash_code(code), role=role, region_code=region_code,
            enterprise_id=enterprise_id, name=name, created_by=created_by[:64],
            created_at=now, expires_at=now + timedelta(days=days),
        )
    )
    session.flush()
    return code


def level_fits(role: str, region: Region) -> bool:
    """Whether ``region`` is of the level an officer of ``role`` works at (a move keeps it)."""
    wanted = _OFFICER_LEVEL.get(role)
    return region.is_county_level if wanted is None else region.level == wanted


def bind(session: Session, user: User, code: str, *, now: datetime) -> Bound:
    """Give ``user`` the role and scope of ``code``, which is used up.

    Wrong, expired and used codes are refused and change nothing. The code row is taken
    with a conditional update, so of two people racing for one code only one gets it.
    """
    if not 6 <= len(normalize_code(code)) <= 32:
        raise BindingError("绑定码格式不正确，请核对后重新发送“绑定 绑定码”。")
    row = session.scalars(
        select(BindingCode).where(BindingCode.code_hash == hash_code(code))
    ).one_or_none()
    if row is None:
        raise BindingError("绑定码不正确，请核对后重新发送，或联系管理员。")
    if row.used_at is not None:
        raise BindingError("该绑定码已被使用，每个绑定码只能使用一次。请联系管理员重新发放。")
    if row.expires_at <= now:
        raise BindingError("该绑定码已过期，请联系管理员重新发放。")
    taken = affected_rows(session.execute(
        update(BindingCode)
        .where(BindingCode.id == row.id, BindingCode.used_at.is_(None))
        .values(used_at=now, used_by=user.id)
        .execution_options(synchronize_session=False)
    ))
    if not taken:
        raise BindingError("该绑定码已被使用，每个绑定码只能使用一次。请联系管理员重新发放。")
    user.role = row.role
    user.region_code = row.region_code
    user.enterprise_id = row.enterprise_id
    user.last_notified_hazard_id = None  # a notice from the old role is not this role's work
    end_console_sessions(user)  # a console page opened under the old role is not this role's
    if row.name:
        user.name = row.name
    return Bound(role=row.role, scope=_scope(session, row), name=user.name)


def end_console_sessions(user: User) -> None:
    """End every console session of ``user`` at once, on every browser (logout, new role).

    The console's session is a signed cookie, which cannot be taken back; it carries the
    user's ``console_session_version``, checked on every request, so adding one here refuses
    every cookie issued before. The increment is done by the database (``+ 1`` in SQL), so
    two racing logouts cannot both write the same number.
    """
    user.console_session_version = User.console_session_version + 1  # type: ignore[assignment]


def _scope(session: Session, row: BindingCode) -> str:
    if row.enterprise_id is not None:
        enterprise = session.get(Enterprise, row.enterprise_id)
        return enterprise.name if enterprise else ""
    region = session.get(Region, row.region_code) if row.region_code else None
    return region.name if region else ""


def may_declare_worker(user: User, enterprise_id: int) -> bool:
    """Whether "我是员工" is offered: members of the public, and workers of another plant."""
    return user.role in ("public", "worker") and user.enterprise_id != enterprise_id


def declare_worker(session: Session, user: User, enterprise_id: int) -> str:
    """Make ``user`` a worker of the enterprise; returns its name.

    Officers and managers keep their role: their reports are not 内部报告.
    """
    if user.role not in ("public", "worker"):
        raise BindingError("您已绑定为监管人员或企业负责人，无需声明员工身份。")
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise BindingError("该企业已不在登记库中。")
    user.role = "worker"
    user.enterprise_id = enterprise.id
    return enterprise.name


def chat_role(user: User) -> str:
    """How the chat treats the person: ``officer``, ``manager``, ``worker`` or ``public``."""
    if user.role in OFFICER_ROLES:
        return "officer"
    if user.role == "enterprise_manager" and user.enterprise_id is not None:
        return "manager"
    if user.role == "worker":
        return "worker"
    return "public"
