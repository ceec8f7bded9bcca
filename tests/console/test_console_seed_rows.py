"""附件1 rows 2 and 4 as seed 000 words them, read from the workbook an officer downloads.

Row 4 (市级交叉检查) is the inspecting city's: 太原 cross-inspects 大同 (附件3), so 太原's table
names 大同 and its counties, 大同's row 4 stays blank, and 大同's 附件4 lists the same work as
before. Row 2 counts the 标杆/帮扶 flags an officer imports with the ledger and the
自查自改工作方案 a manager records in the console. The campaign (354号) is moved to run now,
since the console records at the real clock.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Campaign, Enterprise, User
from bot.models.enterprise import SelfCheckPlan
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.exports_tasks import CROSS_SUMMARY_HEADERS
from bot.services.forms.periods import week_of
from bot.services.platform.clock import local, utcnow
from tests.common.factories import enterprise, make_hazard, make_inspection, make_user
from tests.console.conftest import Console
from tests.integration.ledger_files import ledger_row, xlsx_bytes

DOC = "晋应急发〔2024〕354号"
YUNGANG = "大同云冈木业有限公司"  # 平城区 140213
JINGANG = "太原晋钢钢铁有限公司"  # 小店区 140105, a 标杆企业 in the demo ledger
ZHONGZHUANG = "太原重型装备配套有限公司"  # 尖草坪区 140108


@pytest.fixture
def campaign_now(db: sessionmaker[Session]) -> dict[str, Any]:
    """354号 seeded and moved to run around today; the officers of 太原, 大同 and 阳泉."""
    now = utcnow()
    with db() as s:
        seed_campaigns(s, now - timedelta(days=60))
        campaign = s.scalars(select(Campaign).where(Campaign.doc_number == DOC)).one()
        today = local(now).date()
        campaign.starts_on, campaign.ends_on = today - timedelta(days=40), today + timedelta(days=60)
        people = {
            key: make_user(s, role="city_officer", region_code=code, name=name, openid=f"f-{key}").id
            for key, code, name in (("taiyuan", "140100", "太原处长"), ("datong", "140200", "大同处长"),
                                    ("yangquan", "140300", "阳泉处长"))
        }
        s.commit()
        return {"campaign": campaign.id, "week": week_of(now), "now": now, **people}


def weekly_row(console: Console, world: dict[str, Any], category: str) -> str:
    """The 要点 of one row of the 附件1 the signed-in officer downloads."""
    got = console.get(f"/console/reports/weekly.xlsx?week={world['week']}&campaign={world['campaign']}")
    assert got.status_code == 200, got.get_data(as_text=True)[:300]
    sheet = load_workbook(io.BytesIO(got.data))["周调度统计表"]
    found = [row[2] for row in sheet.iter_rows(values_only=True) if row[1] == category]
    assert len(found) == 1, found
    return found[0] or ""


def _cross_world(db: sessionmaker[Session], world: dict[str, Any]) -> None:
    """太原's team in 大同 (平城区: an inspection with a finding; 新荣区: a hazard with no known
    recorder; one entered by 大同's own officer), and 阳泉's team in 太原 (小店区)."""
    day = world["now"] - timedelta(days=2)
    with db() as s:
        taiyuan, datong, yangquan = (s.get(User, world[k]) for k in ("taiyuan", "datong", "yangquan"))
        found = make_hazard(s, enterprise=enterprise(s, YUNGANG), source="cross_inspection", level="general",
                            state="closed", reporter=taiyuan, reported_at=day)
        found.closed_at = day + timedelta(hours=20)
        make_inspection(s, enterprise=enterprise(s, YUNGANG), stage="cross_inspection", by=taiyuan,
                        started_at=day - timedelta(hours=1), finished_at=day + timedelta(hours=3),
                        unit="太原市应急管理局", findings=(found,))
        make_hazard(s, enterprise_name="大同新荣某铸造厂", region_code="140212", source="cross_inspection",
                    level="major", state="rectifying", reported_at=day)
        make_hazard(s, enterprise=enterprise(s, YUNGANG), source="cross_inspection", level="general",
                    state="acknowledged", reporter=datong, reported_at=day + timedelta(hours=1))
        seen = make_hazard(s, enterprise=enterprise(s, JINGANG), source="cross_inspection", level="general",
                           state="acknowledged", reporter=yangquan, reported_at=day)
        make_inspection(s, enterprise=enterprise(s, JINGANG), stage="cross_inspection", by=yangquan,
                        started_at=day - timedelta(hours=1), finished_at=day + timedelta(hours=2),
                        unit="阳泉市应急管理局", findings=(seen,))
        s.commit()


def test_row_4_is_the_inspecting_citys_and_names_whom_it_inspected(
    console: Console, db: sessionmaker[Session], campaign_now: dict[str, Any], console_app: Flask,
    tmp_path: Path,
) -> None:
    world = campaign_now
    console.sign_in("f-taiyuan")
    assert weekly_row(console, world, "市级交叉检查") == ""  # 备注: 工作开展后填写
    _cross_world(db, world)
    assert weekly_row(console, world, "市级交叉检查") == (
        "对大同市开展了交叉检查，共抽查新荣区、平城区共2个县的2家企业，发现一般问题隐患2条，已整改1条；"
        "重大事故隐患1条，已整改0条。")
    confirmed = console.post("/console/reports/confirm",
                             {"week": world["week"], "campaign": world["campaign"]})
    assert confirmed.status_code == 302
    with db() as s:  # more work in 大同 after the table was filed: the filed table keeps its figures
        make_hazard(s, enterprise_name="大同另一家企业", region_code="140213", source="cross_inspection",
                    level="general", state="acknowledged", reporter=s.get(User, world["taiyuan"]),
                    reported_at=utcnow())
        s.commit()
    assert weekly_row(console, world, "市级交叉检查") == (
        "对大同市开展了交叉检查，共抽查新荣区、平城区共2个县的2家企业，发现一般问题隐患2条，已整改1条；"
        "重大事故隐患1条，已整改0条。")
    console.sign_in("f-yangquan")
    assert weekly_row(console, world, "市级交叉检查") == (
        "对太原市开展了交叉检查，共抽查小店区共1个县的1家企业，发现一般问题隐患1条，已整改0条；"
        "重大事故隐患0条，已整改0条。")
    console.sign_in("f-datong")  # inspected by 太原: its own row 4 is for its work in 忻州
    assert weekly_row(console, world, "市级交叉检查") == ""

    # 大同's 附件4 lists what 太原's team checked there, as before
    out = tmp_path / "cross.xlsx"
    result = console_app.test_cli_runner().invoke(
        args=["report", "cross-summary", "--region", "140200", "--campaign", DOC, "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["交叉检查隐患情况汇总表"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    column = {h: i for i, h in enumerate(CROSS_SUMMARY_HEADERS)}
    name, general, major = (column[h] for h in ("企业名称", "一般隐患（条）", "重大事故隐患（条）"))
    listed = {(r[name], r[general], r[major]) for r in rows}
    assert listed == {(YUNGANG, 2, 0), ("大同新荣某铸造厂", 0, 1), ("大同另一家企业", 1, 0)}


def test_province_row_4_names_each_city_with_its_counties(
    console: Console, db: sessionmaker[Session], campaign_now: dict[str, Any],
) -> None:
    with db() as s:
        make_user(s, role="province_officer", region_code="140000", openid="f-province")
        s.commit()
    _cross_world(db, campaign_now)
    console.sign_in("f-province")
    assert weekly_row(console, campaign_now, "市级交叉检查") == (
        "对太原市、大同市开展了交叉检查，共抽查太原市小店区、大同市新荣区、大同市平城区共3个县的3家企业，"
        "发现一般问题隐患3条，已整改1条；重大事故隐患1条，已整改0条。")


def _row_2(plans: int, benchmark: int, assisted: int) -> str:
    return (f"{plans}家企业制定了自查自改工作方案，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条"
            f"（其中确定标杆企业{benchmark}家，帮扶企业{assisted}家，发现一般问题隐患1条，已整改1条；"
            f"重大事故隐患1条，已整改0条）。")


def test_row_2_counts_imported_flags_and_the_plans_managers_record(
    console: Console, db: sessionmaker[Session], campaign_now: dict[str, Any],
) -> None:
    world = campaign_now
    console.sign_in("f-taiyuan")
    assert weekly_row(console, world, "企业自查自改").startswith("0家企业制定了自查自改工作方案，")
    ledger = xlsx_bytes([ledger_row(1, 标杆企业="是"), ledger_row(2, 标杆企业="√"),
                         ledger_row(3, 帮扶企业="是")])
    imported = console.post("/console/enterprises/import", {"file": (io.BytesIO(ledger), "台账.xlsx")},
                            content_type="multipart/form-data")
    assert imported.status_code == 200 and "导入完成：新增3家" in imported.get_data(as_text=True)
    day = world["now"] - timedelta(days=1)
    with db() as s:
        first, third = (
            s.scalars(select(Enterprise).where(Enterprise.name == f"太原测试{n}号钢铁有限公司")).one()
            for n in (1, 3))
        fixed = make_hazard(s, enterprise=first, source="self_check", level="general", state="closed",
                            reported_at=day)
        fixed.closed_at = day + timedelta(hours=3)
        make_hazard(s, enterprise=third, source="self_check", level="major", state="rectifying",
                    reported_at=day)
        make_hazard(s, enterprise=enterprise(s, ZHONGZHUANG), source="self_check", level="general",
                    state="acknowledged", reported_at=day)  # not paired: only the stage's figures
        manager = make_user(s, role="enterprise_manager", enterprise_id=first.id, name="测试安全员",
                            openid="f-manager")
        outsider = make_user(s, role="enterprise_manager", enterprise_id=third.id, openid="f-outsider")
        first_id, third_id = first.id, third.id
        s.commit()
    # the demo ledger's 晋钢 (标杆) and 汇丰 (帮扶), and the three imported
    assert weekly_row(console, world, "企业自查自改") == _row_2(0, 3, 2)

    console.sign_in("f-manager")
    page = console.get(f"/console/enterprises/{first_id}/selfcheck-plan").get_data(as_text=True)
    assert "尚未登记自查自改工作方案" in page and 'id="plan-form"' in page
    short = console.post(f"/console/enterprises/{first_id}/selfcheck-plan", {"title": "方案"})
    assert short.status_code == 422 and "请填写方案名称（至少4个字）" in short.get_data(as_text=True)
    future = console.post(f"/console/enterprises/{first_id}/selfcheck-plan",
                          {"title": "2025年自查自改工作方案", "adopted_on": "2999-01-01"})
    assert future.status_code == 422 and "印发日期不能晚于今天" in future.get_data(as_text=True)
    assert console.get(f"/console/enterprises/{third_id}/selfcheck-plan").status_code == 404  # not his
    assert console.post(f"/console/enterprises/{third_id}/selfcheck-plan",
                        {"title": "替别人登记的方案"}).status_code == 404
    done = console.post(f"/console/enterprises/{first_id}/selfcheck-plan",
                        {"title": "  太原测试1号 2025年 自查自改工作方案 ", "adopted_on": ""})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "已登记自查自改工作方案" in body
    assert "太原测试1号 2025年 自查自改工作方案" in body and "测试安全员" in body
    formula = console.post(f"/console/enterprises/{first_id}/selfcheck-plan",
                           {"title": '=HYPERLINK("http://evil.example","方案")'})
    assert formula.status_code == 422 and "方案名称不能以“=”开头" in formula.get_data(as_text=True)
    forged = console.post(f"/console/enterprises/{first_id}/selfcheck-plan", {"title": "没有令牌的方案"},
                          csrf=False)
    assert forged.status_code in (400, 403)
    with db() as s:
        assert [(p.enterprise_id, p.recorded_by) for p in s.scalars(select(SelfCheckPlan))] == [
            (first_id, manager.id)]
    revised = console.post(f"/console/enterprises/{first_id}/selfcheck-plan",
                           {"title": "<script>alert(1)</script>修订版自查自改方案"})
    page = revised.get_data(as_text=True)
    assert revised.status_code == 200 and "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;修订版自查自改方案" in page  # a revision: same enterprise
    assert outsider.id  # the other plant's manager recorded nothing

    console.sign_in("f-taiyuan")
    assert weekly_row(console, world, "企业自查自改") == _row_2(1, 3, 2)
    # an officer records one for an enterprise in his city, on its behalf
    recorded = console.post(f"/console/enterprises/{third_id}/selfcheck-plan",
                            {"title": "测试3号自查自改工作方案",
                             "adopted_on": local(world["now"]).date().isoformat()})
    assert recorded.status_code == 200 and "太原处长" in recorded.get_data(as_text=True)
    assert weekly_row(console, world, "企业自查自改") == _row_2(2, 3, 2)
    console.sign_in("f-datong")  # outside his city: not even the page
    assert console.post(f"/console/enterprises/{third_id}/selfcheck-plan",
                        {"title": "大同替太原登记"}).status_code == 404


def test_ledger_export_carries_the_flags_and_reimports(
    console_app: Flask, db: sessionmaker[Session], tmp_path: Path,
) -> None:
    runner = console_app.test_cli_runner()
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsx_bytes([ledger_row(1, 标杆企业="是"), ledger_row(2, 帮扶企业="1")]))
    assert runner.invoke(args=["enterprises", "import", str(source)]).exit_code == 0
    out = tmp_path / "out.xlsx"
    exported = runner.invoke(args=["enterprises", "export", str(out), "--region", "140105"])
    assert exported.exit_code == 0, exported.output
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert {"标杆企业", "帮扶企业"} <= set(header)
    values = {row[0]: (row[header.index("标杆企业")], row[header.index("帮扶企业")])
              for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["太原测试1号钢铁有限公司"] == ("是", "否")
    assert values["太原测试2号钢铁有限公司"] == ("否", "是")
    assert values[JINGANG] == ("是", "否")
    again = runner.invoke(args=["enterprises", "import", str(out)])
    assert again.exit_code == 0 and "新增0家，更新0家" in again.output, again.output
    with db() as s:
        flagged = s.scalars(select(Enterprise.name).where(Enterprise.benchmark)).all()
        assert "太原测试1号钢铁有限公司" in flagged
