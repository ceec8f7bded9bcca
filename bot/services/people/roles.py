"""Who counts as an officer, and what each role is called.

Every domain asks who may act on hazards within a jurisdiction (who may acknowledge, who is
told, who sees the console), so the answer lives at the bottom of the people package, where
any of them may import it. The role names live here too, once: the chat's 绑定成功 reply, the
console's header and history, the API's ``role_label`` and every sheet that names a role read
this table, so an officer never meets two names for the same person.
"""

from __future__ import annotations

from bot.models import User

OFFICER_ROLES = frozenset({"county_officer", "city_officer", "province_officer"})

# The one table of role names (chat, console, API, exports).
ROLE_NAMES: dict[str, str] = {
    "county_officer": "县级监管人员",
    "city_officer": "市级监管人员",
    "province_officer": "省级监管人员",
    "enterprise_manager": "企业安全负责人",
    "admin": "系统管理员",
    "worker": "企业员工",
    "public": "公众",
}


def is_officer(user: User) -> bool:
    return user.role in OFFICER_ROLES


def role_name(role: str | None) -> str:
    """The Chinese name of a role as every front end shows it (the code itself if unknown)."""
    return ROLE_NAMES.get(role or "public", role or "")
