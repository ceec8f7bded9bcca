"""The hazard page suggests the clauses of the 判定标准 a report likely meets, and one click
grades it by the chosen clause — for the officer who may grade it, never for the enterprise."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session, sessionmaker

from bot.models import Hazard, User
from tests.common.factories import enterprise, make_hazard
from tests.console.conftest import Console, hazard_numbers

_FORM = re.compile(r'<li data-clause="([\d.]+)"><strong>([^<]+)</strong>.*?'
                   r'<form method="post" action="([^"]+)"'
                   r'.*?name="level" value="([^"]+)".*?name="basis" value="([^"]+)"', re.S)


def _hazard(db: sessionmaker[Session], description: str, name: str = "太原晋钢钢铁有限公司") -> str:
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, name), description=description)
        s.commit()
        return hazard.number


def test_three_clauses_are_suggested_and_one_click_grades_by_the_first(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    number = _hazard(db, "2号转炉氧枪冷却水出水温度报警坏了好几天，也没联锁提枪")
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.post(f"/console/hazards/{number}/act/acknowledge").status_code == 302
    page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
    assert "可能适用的判定标准条款" in page
    offered = _FORM.findall(page)
    assert 1 <= len(offered) <= 3  # the three best, less where the rest match too weakly
    code, ref, action, level, basis = offered[0]
    assert (code, ref, level) == ("4.4", "第四条（四）", "重大")
    assert basis == "《工贸企业重大事故隐患判定标准》第四条第（四）项"
    assert action == f"/console/hazards/{number}/act/classify"

    clicked = console.post(action, {"level": level, "basis": basis}, follow_redirects=True)
    done = clicked.get_data(as_text=True)
    assert "已定级。" in done and f"重大事故隐患（判定依据：{basis}）" in done
    with db() as s:
        graded = s.query(Hazard).filter_by(number=number).one()
        assert (graded.level, graded.basis) == ("major", basis)


def test_the_suggestions_follow_the_enterprise_and_are_not_shown_to_its_manager(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    # Dust in a woodworking plant is 第十一条; in a steel plant the same words find no 第十一条.
    dusty = _hazard(db, "车间房梁上积灰很厚，好久没打扫了", "大同云冈木业有限公司")
    console.sign_in(demo["province"].openid)
    console.post(f"/console/hazards/{dusty}/act/acknowledge")
    page = console.get(f"/console/hazards/{dusty}").get_data(as_text=True)
    refs = [ref for _, ref, *_ in _FORM.findall(page)]
    assert refs[0] == "第十一条（十）"

    steel = _hazard(db, "2号转炉氧枪冷却水出水温度报警坏了")
    console.post(f"/console/hazards/{steel}/act/acknowledge")
    assert "可能适用的判定标准条款" in console.get(f"/console/hazards/{steel}").get_data(as_text=True)
    # The enterprise's manager reads his hazards but grades none: no suggestions for him.
    console.sign_in(demo["manager"].openid)
    own = hazard_numbers(console.get("/console/hazards").get_data(as_text=True))
    assert own
    for number in own[:5]:
        page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
        assert number in page and "可能适用的判定标准条款" not in page
