"""Inspections in the console: the list under each user's scope, one inspection's page with its
findings, the 附件5 downloads behind the sign-in, and the way back from a finding's hazard page."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from bot.models import User
from bot.services.inspections import walks as inspection_walks
from bot.services.inspections.checklists import load_checklists
from bot.services.platform.clock import utcnow
from tests.common.factories import enterprise
from tests.console.conftest import Console, hazard_numbers


@dataclass(frozen=True)
class Walks:
    xiaodian_done: int  # 小店区's finished inspection of 太原晋钢: two findings, one major
    xiaodian_open: int  # the city's open inspection of 太原晋钢 (not for the manager yet)
    self_check: int  # the manager's own 企业自查, still open
    qingxu: int  # 清徐县's inspection of an enterprise there
    findings: tuple[str, ...]  # the numbers of xiaodian_done's hazards


@pytest.fixture
def walks(db: sessionmaker[Session], demo: dict[str, User]) -> Walks:
    now = utcnow()
    with db() as s:
        load_checklists(s, now=now)
        county, city, manager, qingxu_officer = (
            s.get(User, demo[k].id) for k in ("county-xiaodian", "city-taiyuan", "manager", "county-qingxu"))
        assert county and city and manager and qingxu_officer
        steel = enterprise(s, "太原晋钢钢铁有限公司")
        coke = enterprise(s, "清徐宏达焦化钢铁有限公司")
        done = inspection_walks.start_or_join(s, user=county, enterprise_id=steel.id, now=now)
        major_item = next(i for i in done.item_ids if inspection_walks.item(s, i).major)
        passed = next(i for i in done.item_ids if i != major_item)
        inspection_walks.record_result(s, done, passed, "pass", user=county, now=now)
        first = inspection_walks.record_finding(
            s, done, item_id=major_item, description="铸造起重机制动器失效", photo_ids=[],
            user=county, now=now)
        second = inspection_walks.record_finding(s, done, item_id=None, description="厂区消防通道堵塞",
                                            photo_ids=[], user=county, now=now)
        inspection_walks.finish(s, done, user=county, now=now)
        s.flush()
        still_open = inspection_walks.start_or_join(s, user=city, enterprise_id=steel.id, now=now)
        own = inspection_walks.start_or_join(s, user=manager, enterprise_id=steel.id, now=now)
        other = inspection_walks.start_or_join(s, user=qingxu_officer, enterprise_id=coke.id, now=now)
        inspection_walks.record_finding(s, other, item_id=None, description="焦炉煤气管道泄漏", photo_ids=[],
                                   user=qingxu_officer, now=now)
        s.commit()
        return Walks(done.id, still_open.id, own.id, other.id, (first.number, second.number))


def _listed(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-inspection="(\d+)"', html)}


def test_each_user_lists_the_inspections_of_his_scope(console: Console, demo: dict[str, User],
                                                      walks: Walks) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get("/console/inspections").get_data(as_text=True)
    assert _listed(page) == {walks.xiaodian_done, walks.xiaodian_open, walks.self_check}
    assert 'href="/console/inspections"' in page and ">检查</a>" in page  # in the nav
    row = re.search(rf'data-inspection="{walks.xiaodian_done}".*?</tr>', page, re.S)
    assert row
    cells = row.group(0)
    assert "太原晋钢钢铁有限公司" in cells and "市县检查" in cells and "演示科长（小店区）" in cells
    assert "小店区应急管理局" in cells and "2 / " in cells and "2 条" in cells and "重大 1" in cells
    assert f"/console/hazards?inspection={walks.xiaodian_done}" in cells
    assert f"/console/inspections/{walks.xiaodian_done}/hazard-list.pdf" in cells
    only_open = console.get("/console/inspections?state=open&stage=self_check").get_data(as_text=True)
    assert _listed(only_open) == {walks.self_check}
    bad = console.get("/console/inspections?stage=x&state=y")
    assert bad.status_code == 200 and "检查环节无效" in bad.get_data(as_text=True)

    console.sign_in(demo["city-taiyuan"].openid)
    city = _listed(console.get("/console/inspections").get_data(as_text=True))
    assert city == {walks.xiaodian_done, walks.xiaodian_open, walks.self_check, walks.qingxu}

    # The manager: his own 企业自查 and the officers' inspections once finished, nothing else.
    console.sign_in(demo["manager"].openid)
    assert _listed(console.get("/console/inspections").get_data(as_text=True)) == {
        walks.xiaodian_done, walks.self_check}
    assert console.get(f"/console/inspections/{walks.xiaodian_open}").status_code == 404


def test_findings_link_to_the_ledger_filtered_to_them(console: Console, demo: dict[str, User],
                                                      walks: Walks) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    ledger = console.get(f"/console/hazards?inspection={walks.xiaodian_done}").get_data(as_text=True)
    assert sorted(hazard_numbers(ledger)) == sorted(walks.findings)
    assert "共 2 条" in ledger
    # 清徐县's inspection under the filter shows nothing to 小店区, not 清徐's hazards.
    assert "共 0 条" in console.get(f"/console/hazards?inspection={walks.qingxu}").get_data(as_text=True)
    assert "检查参数无效" in console.get("/console/hazards?inspection=abc").get_data(as_text=True)


def test_inspection_page_downloads_and_the_way_back_from_a_hazard(
    console: Console, demo: dict[str, User], walks: Walks
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/inspections/{walks.xiaodian_done}").get_data(as_text=True)
    assert "已结束" in page and "合格 1" in page and "有隐患 1" in page and "未检查" in page
    assert sorted(hazard_numbers(page)) == sorted(walks.findings)

    xlsx = console.get(f"/console/inspections/{walks.xiaodian_done}/hazard-list.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    described = [sheet.cell(row=r, column=2).value for r in (4, 5)]
    assert described == ["铸造起重机制动器失效", "厂区消防通道堵塞"]
    pdf = console.get(f"/console/inspections/{walks.xiaodian_done}/hazard-list.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert console.get(f"/console/inspections/{walks.xiaodian_done}/hazard-list.doc").status_code == 404

    hazard = console.get(f"/console/hazards/{walks.findings[0]}").get_data(as_text=True)
    assert f'href="/console/inspections/{walks.xiaodian_done}" id="inspection-link"' in hazard


def test_another_countys_inspection_is_not_found(console: Console, demo: dict[str, User],
                                                 walks: Walks) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    other = f"/console/inspections/{walks.qingxu}"
    for path in (other, f"{other}/hazard-list.xlsx", f"{other}/hazard-list.pdf", "/console/inspections/9999"):
        response = console.get(path)
        assert response.status_code == 404, path
        assert "没有找到该页面或记录" in response.get_data(as_text=True)
    # Signed out, the downloads are not served at all.
    console.client.post("/console/logout", data={"csrf_token": console.csrf()})
    response = console.get(f"/console/inspections/{walks.xiaodian_done}/hazard-list.pdf")
    assert response.status_code in (302, 401) and not response.data.startswith(b"%PDF")


def test_a_cross_inspector_lists_his_inspection_in_another_city(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    """太原市's officer cross-inspects (交叉检查) an enterprise of 长治市: the inspection is his
    work and is listed for him; its hazards stay 长治's, not his to open or handle."""
    now = utcnow()
    with db() as s:
        load_checklists(s, now=now)
        city = s.get(User, demo["city-taiyuan"].id)
        assert city is not None
        changzhi = enterprise(s, "长治潞宝钢铁集团有限公司")
        walk = inspection_walks.start_or_join(s, user=city, enterprise_id=changzhi.id, now=now)
        assert walk.stage == "cross_inspection"
        found = inspection_walks.record_finding(s, walk, item_id=None, description="高炉炉前作业平台护栏缺失",
                                           photo_ids=[], user=city, now=now)
        s.commit()
        walk_id, number = walk.id, found.number

    console.sign_in(demo["city-taiyuan"].openid)
    listed = console.get("/console/inspections").get_data(as_text=True)
    assert walk_id in _listed(listed) and "长治潞宝钢铁集团有限公司" in listed
    crossed = console.get("/console/inspections?stage=cross_inspection").get_data(as_text=True)
    assert walk_id in _listed(crossed)
    page = console.get(f"/console/inspections/{walk_id}").get_data(as_text=True)
    assert "交叉检查" in page and "演示处长（太原市）" in page
    assert number in page and hazard_numbers(page) == []  # shown, not linked
    assert "这些隐患由企业所在地监管部门处理" in page
    xlsx = console.get(f"/console/inspections/{walk_id}/hazard-list.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=4, column=2).value == "高炉炉前作业平台护栏缺失"
    assert console.get(f"/console/hazards/{number}").status_code == 404
    assert number not in hazard_numbers(console.get("/console/hazards?q=" + number).get_data(as_text=True))

    # Another Taiyuan officer who did not walk it does not see it.
    console.sign_in(demo["county-xiaodian"].openid)
    assert walk_id not in _listed(console.get("/console/inspections").get_data(as_text=True))
    assert console.get(f"/console/inspections/{walk_id}").status_code == 404


def test_a_clause_not_yet_checked_is_tagged_for_the_officer_and_old_hazards_cite_the_article_only(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    """The inspection page marks a clause whose text is not yet verbatim 待核对 (and only that
    one); a hazard recorded before the citation rule, its basis still ending in "（条文待核对）",
    shows and exports the article alone."""
    now = utcnow()
    with db() as s:
        load_checklists(s, now=now)
        county = s.get(User, demo["county-xiaodian"].id)
        assert county
        steel = enterprise(s, "太原晋钢钢铁有限公司")
        walk = inspection_walks.start_or_join(s, user=county, enterprise_id=steel.id, now=now)
        items = [inspection_walks.item(s, i) for i in walk.item_ids]
        criteria = "《工贸企业重大事故隐患判定标准》"
        checked = next(i for i in items if i.verbatim and i.basis.startswith(criteria))
        unchecked = next(i for i in items if not i.verbatim)
        found = [inspection_walks.record_finding(s, walk, item_id=i.id, description=d, photo_ids=[],
                                                 user=county, now=now)
                 for i, d in ((checked, "转炉氧枪联锁被短接"), (unchecked, "高炉炉顶压力报警失灵"))]
        found[1].basis = f"{unchecked.basis}（条文待核对）"  # as hazards of the old rule were stored
        s.commit()
        inspection_id, numbers, unchecked_basis = walk.id, [h.number for h in found], unchecked.basis

    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/inspections/{inspection_id}").get_data(as_text=True)
    assert page.count('class="tag unverified"') == 1
    clause = re.search(r'判定依据：([^<]*)<br><span class="clause-text">[^<]*</span> '
                       r'<span class="tag unverified"', page)
    assert clause and clause.group(1) == unchecked_basis

    hazard = console.get(f"/console/hazards/{numbers[1]}").get_data(as_text=True)
    assert f"<dd>{unchecked_basis}</dd>" in hazard and "条文待核对" not in hazard
    xlsx = console.get(f"/console/inspections/{inspection_id}/hazard-list.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert unchecked_basis in cells and not any("待核对" in c for c in cells)
