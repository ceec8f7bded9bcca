"""Who counts as an officer: the roles that act on hazards within a jurisdiction.

Every domain asks this question (who may acknowledge, who is told, who sees the console), so
the answer lives at the bottom of the people package, where any of them may import it.
"""

from __future__ import annotations

from bot.models import User

OFFICER_ROLES = frozenset({"county_officer", "city_officer", "province_officer"})


def is_officer(user: User) -> bool:
    return user.role in OFFICER_ROLES
