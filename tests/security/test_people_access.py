"""Role × place on the people page (issue 18): who may open it, and whom each one may revoke.

Each officer manages the roles below his own within his jurisdiction (a county officer his
county's enterprise managers, a city officer its county officers, a province officer city
and county officers); the admin everyone. A person outside that reach is a 404, as any record
one may not see; a manager gets 403 for the page; the public and workers are signed out.
A refused revocation changes nothing.
"""

from __future__ import annotations

from itertools import count

import pytest

from bot.models import User
from bot.services.platform.clock import utcnow
from tests.common.factories import enterprise
from tests.security.access import PLACE_COUNTY, PLACE_ENTERPRISE, PLACES, ROLES, Matrix

COVERS = {"county": {"own"}, "city": {"own", "county"}, "province": set(PLACES), "admin": set(PLACES)}
SIGNED_OUT = ("public", "worker")
_serial = count(1)


def subject(matrix: Matrix, role: str, place: str) -> int:
    """A fresh person of the role the actor would manage, in the place."""
    with matrix.db() as s:
        openid = f"people-access-{next(_serial)}"
        if role == "county":
            user = User(openid=openid, role="enterprise_manager", name="受测负责人", created_at=utcnow(),
                        enterprise_id=enterprise(s, PLACE_ENTERPRISE[place]).id)
        else:
            user = User(openid=openid, role="county_officer", name="受测科员", created_at=utcnow(),
                        region_code=PLACE_COUNTY[place][1])
        s.add(user)
        s.commit()
        return user.id


@pytest.mark.parametrize("role", ROLES)
def test_console_people_page(matrix: Matrix, role: str) -> None:
    answer = matrix.console(role).get("/console/people")
    if role in SIGNED_OUT:
        assert answer.status_code == 302 and "/console/login" in answer.location
    elif role == "manager":
        assert answer.status_code == 403
    else:
        assert answer.status_code == 200 and 'id="invite-form"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_console_revoke(matrix: Matrix, role: str, place: str) -> None:
    target = subject(matrix, role, place)
    console = matrix.console(role)
    confirm = console.get(f"/console/people/{target}/revoke")
    answer = console.post(f"/console/people/{target}/revoke", {"confirm": "1"})
    allowed = place in COVERS.get(role, set())
    with matrix.db() as s:
        after = s.get(User, target)
        assert after is not None
        now_role = after.role
    if allowed:
        assert confirm.status_code == 200 and "确认撤销" in confirm.get_data(as_text=True)
        assert answer.status_code == 302 and now_role == "public"
        return
    assert now_role != "public"
    if role in SIGNED_OUT:
        assert confirm.status_code == 302 and answer.status_code == 401
    elif role == "manager":
        assert confirm.status_code == 403 and answer.status_code == 403
    else:
        assert confirm.status_code == 404 and answer.status_code == 404
