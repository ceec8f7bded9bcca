"""Who may record an enterprise's 自查自改工作方案 (附件1 row 2 counts them), role × place.

Its own manager, and officers whose jurisdiction holds it; an admin reads the page but records
nothing (403 with the reason); anyone else gets the enterprise's page as not found (404), and
the public and workers are not let into the console at all. A refused attempt writes nothing.
Places as in ``tests/security/access.py``: ``own`` (小店区 / his enterprise), ``county`` (清徐县),
``city`` (长治市).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models.enterprise import SelfCheckPlan
from tests.security.access import PLACES, ROLES, Matrix

COVERS = {"county": {"own"}, "city": {"own", "county"}, "province": set(PLACES), "manager": {"own"}}
SEES = {**COVERS, "admin": set(PLACES)}


def _plans(matrix: Matrix, enterprise_id: int) -> int:
    with matrix.db() as s:
        return s.scalar(select(func.count()).select_from(SelfCheckPlan)
                        .where(SelfCheckPlan.enterprise_id == enterprise_id)) or 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", PLACES)
def test_console_selfcheck_plan(matrix: Matrix, role: str, place: str) -> None:
    t = matrix.enterprise_target(place)
    url = f"/console/enterprises/{t.enterprise_id}/selfcheck-plan"
    before = _plans(matrix, t.enterprise_id)
    answer = matrix.console(role).post(url, {"title": f"越权测试自查自改工作方案（{role}/{place}）"})
    page = answer.get_data(as_text=True)
    if role in ("public", "worker"):
        assert answer.status_code == 401
    elif place in COVERS.get(role, set()):
        assert answer.status_code == 200 and "已登记自查自改工作方案" in page
        assert _plans(matrix, t.enterprise_id) == before + 1
        return
    elif place in SEES.get(role, set()):  # the admin: the page, but not the form
        assert answer.status_code == 403 and "只有本企业的安全管理人员或辖区监管人员可以登记" in page
        assert 'id="plan-form"' not in page
    else:
        assert answer.status_code == 404
    assert _plans(matrix, t.enterprise_id) == before
