"""A console that does not surprise (issue 18, item 3), as an officer sees the pages' HTML:
an "are you sure?" step before 确认报送 of the weekly table and of a month's progress (取消
leaves a draft, only the second click freezes); photos in labelled groups; the dashboard's
figures and the ledger's counts agree for the filters a figure links to; one name per role.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Attachment, Campaign, Enterprise, HazardEvent, User, WeeklyReport
from bot.services.forms.campaign_seeds import seed_campaigns
from bot.services.forms.task_lists import TASK_LIST_DOC
from bot.services.platform.clock import utcnow
from bot.services.reporting.photos import store_photo
from tests.common.factories import make_hazard
from tests.console.conftest import Console

MONTH = "2022-05"


def _total(page: str) -> int:
    match = re.search(r'id="total">共 (\d+) 条', page)
    assert match, page[:400]
    return int(match.group(1))


def _text(response: object) -> str:
    return str(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", ["county-xiaodian", "city-taiyuan", "province", "manager", "admin"])
def test_every_dashboard_figure_is_what_the_ledger_counts_for_its_filters(
        console: Console, demo: dict[str, User], who: str) -> None:
    console.sign_in(demo[who].openid)
    page = _text(console.get("/console/"))
    kpis = re.findall(r'<div class="kpi"><a href="([^"]+)">([^<]+)<b>(\d+)</b>', page)
    assert any(label == "隐患总数" for _, label, _ in kpis)
    for href, label, shown in kpis:  # 整改率 is a percent, so it does not match the pattern
        assert _total(_text(console.get(html.unescape(href)))) == int(shown), (who, label)
    figures = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    checked = 0
    for chart, bars in figures.items():
        if chart == "rate_by_level":  # percents; their counts are the 已销号 filter
            continue
        for bar in bars:
            assert _total(_text(console.get(bar["url"]))) == bar["value"], (who, chart, bar["label"])
            checked += 1
    assert checked >= 12


def test_the_ledger_counts_hazards_and_says_how_many_reports_it_left_out(
        console: Console, demo: dict[str, User]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    total = int(re.search(r'隐患总数<b>(\d+)</b>', _text(console.get("/console/"))).group(1))  # type: ignore[union-attr]
    ledger = _text(console.get("/console/hazards"))
    assert _total(ledger) == total  # the nav's 隐患台账: the same number as the dashboard
    left_out = int(re.search(r'另有 (\d+) 条不予受理或已合并的报告未计入', ledger).group(1))  # type: ignore[union-attr]
    assert left_out >= 1
    everything = _text(console.get("/console/hazards?state=all"))
    assert _total(everything) == total + left_out and "不予受理" in everything
    assert "全部记录（含不予受理、已合并）" in ledger


def _weekly(console: Console) -> tuple[str, str]:
    page = _text(console.get("/console/reports"))
    campaign = re.search(r'name="campaign" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    week = re.search(r'name="week" value="(\d{4}-W\d{2})"', page).group(1)  # type: ignore[union-attr]
    return week, campaign


def _confirm_form(page: str) -> tuple[str, dict[str, str]]:
    """The confirmation page's own form: where it posts and what it carries (as a browser sends it)."""
    form = re.search(r'<form method="post" action="([^"]+)" id="confirm-form".*?</form>', page, re.S)
    assert form, page
    fields = {html.unescape(n): html.unescape(v)
              for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0))}
    button = re.search(r'id="confirm-yes" name="([^"]+)" value="([^"]+)"', form.group(0))
    if button:
        fields[button.group(1)] = button.group(2)
    fields.pop("csrf_token")
    return html.unescape(form.group(1)), fields


def test_the_weekly_table_asks_before_it_freezes(console: Console, demo: dict[str, User],
                                                 db: sessionmaker[Session]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    week, campaign = _weekly(console)
    console.post("/console/reports/texts", {"week": week, "campaign": campaign, "部署推进": "召开部署会"})
    page = _text(console.get("/console/reports"))
    # The button opens the question; it posts nothing.
    start = re.search(r'<form method="get" action="([^"]+)" id="confirm-start"', page)
    assert start and 'id="confirm">确认报送' in page
    step = console.get(f"{start.group(1)}?week={week}&campaign={campaign}")
    question = _text(step)
    assert step.status_code == 200 and "确认报送周调度统计表？" in question
    assert "确认报送后，本期数据即冻结，不能再修改或撤回。" in question and "草稿" in question
    cancel = html.unescape(re.search(r'id="confirm-cancel" href="([^"]+)"', question).group(1))  # type: ignore[union-attr]
    assert 'id="report-status">草稿' in _text(console.get(cancel))  # 取消: still a draft
    with db() as s:
        assert s.scalars(select(WeeklyReport.status)).all() == ["draft"]
    action, fields = _confirm_form(question)
    done = _text(console.post(action, fields, follow_redirects=True))
    assert "周调度统计表已确认报送。" in done and 'id="report-status">已确认报送' in done
    with db() as s:
        assert s.scalars(select(WeeklyReport.status)).all() == ["confirmed"]
    again = _text(console.get(f"/console/reports/confirm?week={week}&campaign={campaign}",
                              follow_redirects=True))
    assert "已确认报送，不能再修改" in again and "确认报送周调度统计表？" not in again


def test_a_month_asks_before_it_freezes(console: Console, demo: dict[str, User],
                                        db: sessionmaker[Session]) -> None:
    with db() as s:
        seed_campaigns(s, utcnow())
        s.commit()
        campaign = str(s.scalars(select(Campaign.id).where(Campaign.doc_number == TASK_LIST_DOC)).one())
    console.sign_in(demo["county-xiaodian"].openid)
    page = _text(console.get(f"/console/reports/monthly?campaign={campaign}&month={MONTH}"))
    assert 'name="action" value="review" class="primary" id="confirm">确认报送' in page
    question = _text(console.post("/console/reports/monthly/save", {
        "campaign": campaign, "month": MONTH, "action": "review", "progress-6": "建立台账127家"}))
    assert f"确认报送{MONTH}的进展情况？" in question and "不能再修改或撤回" in question
    assert "1 条措施的进展情况" in question
    cancel = html.unescape(re.search(r'id="confirm-cancel" href="([^"]+)"', question).group(1))  # type: ignore[union-attr]
    draft = _text(console.get(cancel))
    assert 'id="report-status">草稿' in draft and "建立台账127家</textarea>" in draft  # nothing lost
    with db() as s:
        assert s.scalars(select(WeeklyReport.status)).all() == ["draft"]
    action, fields = _confirm_form(question)
    assert fields["action"] == "confirm" and fields["progress-6"] == "建立台账127家"
    done = _text(console.post(action, fields, follow_redirects=True))
    assert f"{MONTH}的进展情况已确认报送。" in done and 'id="report-status">已确认报送' in done
    with db() as s:
        assert s.scalars(select(WeeklyReport.status)).all() == ["confirmed"]
    # A month with no note: the question is not even asked.
    empty = _text(console.post("/console/reports/monthly/save", {
        "campaign": campaign, "month": "2022-06", "action": "review"}, follow_redirects=True))
    assert "请至少填写一条措施的进展情况后再确认报送。" in empty


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buf, "JPEG")
    return buf.getvalue()


def test_photos_are_grouped_and_labelled(console: Console, console_app: Flask, demo: dict[str, User],
                                         db: sessionmaker[Session]) -> None:
    media = Path(console_app.config["HAZARDBOT"]["media"]["dir"])
    stored = store_photo(_jpeg(), media)
    numbers = {}
    with db() as s:
        steel = s.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
        for source in ("worker_report", "joint_inspection"):
            hazard = make_hazard(s, enterprise=steel, state="awaiting_verification", level="general",
                                 source=source)
            plan = HazardEvent(hazard_id=hazard.id, at=utcnow(), action="plan", to_state="rectifying")
            proof = HazardEvent(hazard_id=hazard.id, at=utcnow(), action="proof",
                                to_state="awaiting_verification")
            s.add_all([plan, proof])
            s.flush()
            for event_id, count in ((None, 2), (plan.id, 1), (proof.id, 3)):
                s.add_all(Attachment(hazard_id=hazard.id, event_id=event_id, seq=i + 1, media_id="m",
                                     status="stored", relpath=stored.relpath, content_type="image/jpeg",
                                     created_at=utcnow()) for i in range(count))
            numbers[source] = hazard.number
        s.commit()

    def groups(number: str) -> list[tuple[str, int]]:
        page = _text(console.get(f"/console/hazards/{number}"))
        found = re.findall(r'<h3 class="photo-label">(\S+)（(\d+) 张）</h3>', page)
        return [(label, int(n)) for label, n in found]

    console.sign_in(demo["county-xiaodian"].openid)
    assert groups(numbers["worker_report"]) == [("举报照片", 2), ("整改前", 1), ("整改后", 3)]
    assert groups(numbers["joint_inspection"]) == [("检查照片", 2), ("整改前", 1), ("整改后", 3)]
    page = _text(console.get(f"/console/hazards/{numbers['worker_report']}"))
    assert 'alt="举报照片 1"' in page and 'alt="整改后 3"' in page
    console.client.post("/console/logout", data={"csrf_token": console.csrf()})
    console.sign_in(demo["manager"].openid)  # the manager never gets the report's own photos
    assert groups(numbers["worker_report"]) == [("整改前", 1), ("整改后", 3)]
