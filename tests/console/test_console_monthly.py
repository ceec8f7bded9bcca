"""The monthly progress page of the 2022 task list (002) as officers use it: notes per measure saved
as a draft, confirmed and then frozen, downloaded as the monthly .xlsx with each note in its
measure's row; the province sees which cities filed; admins, managers and other regions are refused.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Campaign, User, WeeklyReport
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.campaigns import FILERS_ONLY
from bot.services.forms.task_lists import TASK_LIST_DOC
from bot.services.platform.clock import utcnow
from tests.console.conftest import Console

MONTH = "2022-05"
FIRST_DATA_ROW = 4  # title, 填报单位 line, header; then measure 1, 2, … one row each


@pytest.fixture
def campaign(db: sessionmaker[Session], demo: dict[str, User]) -> str:
    """The seeded 2022 campaign's id, as the page's links carry it."""
    with db() as s:
        seed_campaigns(s, utcnow())
        s.commit()
        return str(s.scalars(select(Campaign.id).where(Campaign.doc_number == TASK_LIST_DOC)).one())


def _page(console: Console, campaign: str, month: str = MONTH) -> str:
    response = console.get(f"/console/reports/monthly?campaign={campaign}&month={month}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _save(console: Console, campaign: str, notes: dict[int, str], *, action: str = "save",
          month: str = MONTH, **extra: str) -> str:
    form = {"campaign": campaign, "month": month, "action": action, **extra,
            **{f"progress-{n}": text for n, text in notes.items()}}
    return str(console.post("/console/reports/monthly/save", form, follow_redirects=True)
               .get_data(as_text=True))


def _reports(db: sessionmaker[Session]) -> list[WeeklyReport]:
    with db() as s:
        return list(s.scalars(select(WeeklyReport).order_by(WeeklyReport.id)))


def test_monthly_progress_from_draft_to_download(console: Console, demo: dict[str, User], campaign: str,
                                                 db: sessionmaker[Session]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    reports = console.get("/console/reports").get_data(as_text=True)
    assert f'href="/console/reports/monthly?campaign={campaign}"' in reports
    page = console.get(f"/console/reports/monthly?campaign={campaign}").get_data(as_text=True)
    assert 'value="2022-12" selected' in page  # today is after the campaign: its last month
    page = _page(console, campaign)
    assert 'id="report-status">未填报' in page
    assert len(re.findall(r'<textarea name="progress-(\d+)"', page)) == 18
    assert "深化重点行业领域专项治理" in page and "清单真实、台账完善" in page
    assert "市、县应急管理部门" in page and "2022 年 3 月底前" in page

    page = _save(console, campaign, {6: "建立台账127家<script>x</script>", 1: "修订制度32家"})
    assert "草稿已保存。" in page and 'id="report-status">草稿' in page
    assert "建立台账127家&lt;script&gt;" in page and "<script>x" not in page
    page = _save(console, campaign, {6: "建立台账127家<script>x</script>", 1: "修订制度32家",
                                     2: "审批确认全覆盖"}, action="confirm")
    assert f"{MONTH}的进展情况已确认报送。" in page and 'id="report-status">已确认报送' in page
    assert "<textarea" not in page and "审批确认全覆盖" in page

    page = _save(console, campaign, {6: "改"})
    assert f"{MONTH}的进展情况已确认报送，不能再修改" in page
    page = _save(console, campaign, {6: "改"}, action="confirm")
    assert "不能再修改" in page
    [report] = _reports(db)
    assert (report.region_code, report.period, report.status) == ("140105", MONTH, "confirmed")
    assert report.texts["6"] == "建立台账127家<script>x</script>"
    assert report.figures == {"month": MONTH, "progress": report.texts}

    response = console.get(f"/console/reports/monthly.xlsx?campaign={campaign}&month={MONTH}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert "2022年5月" in ws["A1"].value and ws["A2"].value.startswith("填报单位：小店区")
    assert ws["G3"].value == "进展情况"
    notes = {int(str(ws.cell(row, 3).value).split(".")[0]): ws.cell(row, 7).value
             for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 18)}
    assert notes[1] == "修订制度32家" and notes[2] == "审批确认全覆盖"
    assert notes[6] == "建立台账127家<script>x</script>"
    assert all(not notes[n] for n in notes if n not in (1, 2, 6))


def test_confirming_needs_a_note_and_a_month_of_the_campaign(
    console: Console, demo: dict[str, User], campaign: str, db: sessionmaker[Session]
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    page = _save(console, campaign, {1: "  "}, action="confirm")
    assert "请至少填写一条措施的进展情况后再确认报送。" in page
    assert _reports(db) == []
    page = _save(console, campaign, {1: "x"}, month="2023-01")
    assert "2023-01不在该专项行动期间（2022-03至2022-12）" in page
    page = _save(console, campaign, {1: "x" * 1001})
    assert "进展情况太长了" in page
    assert _reports(db) == []
    assert "格式应为" in _page(console, campaign, month="2022-5")  # named, and the default shown
    missing = console.client.post("/console/reports/monthly/save",
                                  data={"campaign": campaign, "month": MONTH, "progress-1": "x"})
    assert missing.status_code == 400 and _reports(db) == []


def test_each_officer_files_for_his_own_region_only(
    console: Console, demo: dict[str, User], campaign: str, db: sessionmaker[Session]
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    _save(console, campaign, {3: "小店区的进展"}, region="140121", region_code="140121")
    console.sign_in(demo["county-qingxu"].openid)
    page = _page(console, campaign)
    assert "小店区的进展" not in page and 'id="report-status">未填报' in page
    response = console.get(f"/console/reports/monthly.xlsx?campaign={campaign}&month={MONTH}")
    assert "小店区的进展" not in [c for row in load_workbook(io.BytesIO(response.data)).worksheets[0]
                                 .iter_rows(values_only=True) for c in row]
    _save(console, campaign, {3: "清徐县的进展"}, action="confirm")
    assert [(r.region_code, r.texts["3"], r.status) for r in _reports(db)] == [
        ("140105", "小店区的进展", "draft"), ("140121", "清徐县的进展", "confirmed")]


def test_admin_and_manager_are_refused(
    console: Console, demo: dict[str, User], campaign: str, db: sessionmaker[Session]
) -> None:
    console.sign_in(demo["admin"].openid)
    assert "<textarea" not in _page(console, campaign)  # reads the province's month, writes nothing
    for action in ("save", "confirm"):
        assert FILERS_ONLY in _save(console, campaign, {1: "管理员写的"}, action=action)
    assert console.get(f"/console/reports/monthly.xlsx?campaign={campaign}&month={MONTH}").status_code == 200
    console.sign_in(demo["manager"].openid)
    assert console.get(f"/console/reports/monthly?campaign={campaign}").status_code == 403
    assert console.get(f"/console/reports/monthly.xlsx?campaign={campaign}").status_code == 403
    response = console.post("/console/reports/monthly/save", {"campaign": campaign, "month": MONTH,
                                                               "progress-1": "企业写的"})
    assert response.status_code == 403
    assert _reports(db) == []


def test_the_province_sees_which_cities_filed_the_month(
    console: Console, demo: dict[str, User], campaign: str
) -> None:
    console.sign_in(demo["city-taiyuan"].openid)
    assert "各市报送情况" not in _page(console, campaign)
    _save(console, campaign, {5: "全覆盖执法检查12个重大危险源"}, action="confirm")
    console.sign_in(demo["province"].openid)
    page = _page(console, campaign)
    assert "太原市：已报送" in page and "大同市：未报送" in page
    assert "太原市：未报送" in _page(console, campaign, month="2022-06")
