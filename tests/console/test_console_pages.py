"""The console's pages as an officer uses them: ledger filters and export, acting, the manager's
plan, the registry import and posters, the weekly report from draft to download."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import (
    Enterprise,
    EnterpriseQRCode,
    Hazard,
    HazardEvent,
    OutboxMessage,
    RectificationPlan,
    User,
    WeeklyReport,
)
from bot.services.platform.clock import local, utcnow
from tests.common.factories import enterprise, make_hazard
from tests.console.conftest import Console, hazard_numbers
from tests.integration.ledger_files import csv_bytes, ledger_row


def _count(db: sessionmaker[Session], query: object) -> int:
    with db() as s:
        return int(s.scalar(query) or 0)  # type: ignore[call-overload]


def _total(html: str) -> int:
    match = re.search(r'id="total">共 (\d+) 条', html)
    assert match, html[:500]
    return int(match.group(1))


def test_ledger_filters_narrow_within_the_jurisdiction(console: Console, demo: dict[str, User],
                                                       db: sessionmaker[Session]) -> None:
    console.sign_in(demo["city-taiyuan"].openid)
    everything = _total(console.get("/console/hazards").get_data(as_text=True))
    qingxu = console.get("/console/hazards?region=140121").get_data(as_text=True)
    with db() as s:
        # The ledger's default lists hazards: rejected and merged reports are one filter away.
        valid = Hazard.state.not_in(("rejected", "merged"))
        in_city = s.scalar(select(func.count()).select_from(Hazard).where(Hazard.region_code.like("1401%"),
                                                                           valid))
        in_qingxu = s.scalar(select(func.count()).select_from(Hazard).where(Hazard.region_code == "140121",
                                                                             valid))
        major_open = s.scalar(select(func.count()).select_from(Hazard).where(
            Hazard.region_code.like("1401%"), Hazard.level == "major",
            Hazard.state.in_(("acknowledged", "rectifying", "awaiting_verification"))))
    assert everything == in_city and _total(qingxu) == in_qingxu
    assert "清徐宏达焦化钢铁有限公司" in qingxu and "太原晋钢钢铁有限公司" not in qingxu
    assert _total(console.get("/console/hazards?level=major&state=open").get_data(as_text=True)) == major_open
    # A region outside the city shows nothing, not 长治's hazards.
    assert _total(console.get("/console/hazards?region=140400").get_data(as_text=True)) == 0
    # Ten to a page; page two holds the next ones.
    first = hazard_numbers(console.get("/console/hazards?sort=number").get_data(as_text=True))
    second = hazard_numbers(console.get("/console/hazards?sort=number&page=2").get_data(as_text=True))
    assert len(first) == 10 and first == sorted(first) and second[0] > first[-1]


def test_bad_filter_values_are_named_not_fatal(console: Console, demo: dict[str, User]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    response = console.get("/console/hazards?level=huge&date_from=2026-13-01&region=abc&sort=x&page=-3"
                           "&state=done&q=" + "长" * 80)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("隐患等级无效", "开始日期格式应为 2026-01-31", "行政区划代码应为6位数字", "排序方式无效",
                    "状态无效", "搜索内容不能超过50字"):
        assert message in page


def test_filters_by_date_overdue_and_text(console: Console, demo: dict[str, User],
                                          db: sessionmaker[Session]) -> None:
    today = local(utcnow()).date()
    with db() as s:
        late = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), state="rectifying",
                           level="general", description="独一无二的逾期隐患",
                           reported_at=utcnow() - timedelta(days=400))
        late.deadline = today - timedelta(days=3)
        s.commit()
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get("/console/hazards?overdue=1&q=%E7%8B%AC%E4%B8%80").get_data(as_text=True)
    overdue = hazard_numbers(page)
    assert overdue == [late.number]
    day = local(late.reported_at).date()
    dated = console.get(f"/console/hazards?date_from={day}&date_to={day}").get_data(as_text=True)
    assert hazard_numbers(dated) == [late.number]


def test_export_has_the_rows_the_filters_select(console: Console, demo: dict[str, User]) -> None:
    console.sign_in(demo["city-taiyuan"].openid)
    page = console.get("/console/hazards?state=closed&region=140105").get_data(as_text=True)
    assert 'href="/console/hazards/export.xlsx?region=140105&amp;state=closed"' in page
    response = console.get("/console/hazards/export.xlsx?region=140105&state=closed")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "序号"))
    body = [r for r in rows[header + 1:] if isinstance(r[0], int)]
    assert len(body) == _total(page) > 0
    assert {r[7] for r in body} == {"已销号"} and {r[3] for r in body} == {"小店区"}


def test_acting_in_the_console_is_the_same_step_as_in_chat(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    with db() as s:
        reporter = User(openid="o_console_reporter", role="worker", name="李四", created_at=utcnow())
        s.add(reporter)
        s.flush()
        hazard = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), reporter=reporter,
                             reporter_name="李四", source="worker_report")
        s.commit()
    console.sign_in(demo["county-xiaodian"].openid)
    assert console.post(f"/console/hazards/{hazard.number}/act/acknowledge").status_code == 302
    page = console.post(f"/console/hazards/{hazard.number}/act/classify",
                        {"level": "重大", "basis": "判定标准第四条"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已定级。" in page and "重大事故隐患（判定依据：判定标准第四条）" in page
    with db() as s:
        events = s.scalars(select(HazardEvent.action).where(HazardEvent.hazard_id == hazard.id)
                           .order_by(HazardEvent.id)).all()
        told = s.scalars(select(OutboxMessage.text).where(OutboxMessage.openid == "o_console_reporter")).all()
    assert events == ["submit", "acknowledge", "classify"]
    assert any("已由小店区应急管理局受理" in t for t in told)
    # 举报人: shown on request, and the look is logged.
    page = console.post(f"/console/hazards/{hazard.number}/reporter").get_data(as_text=True)
    assert re.search(r'id="reporter">\s*李四', page)


def test_a_manager_files_the_plan_from_the_console(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    with db() as s:
        hazard = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司"), state="rectifying",
                             level="general", with_plan=False, description="李四 13900000000 发现炉前积水",
                             reporter_name="李四")
        s.commit()
    console.sign_in(demo["manager"].openid)
    page = console.get(f"/console/hazards/{hazard.number}").get_data(as_text=True)
    assert 'data-step="plan"' in page and 'data-step="acknowledge"' not in page and "来源" not in page
    deadline = (local(utcnow()).date() + timedelta(days=10)).isoformat()
    form = {"responsible_person": "王五", "measures": "清理积水，修复排水沟", "funds_wan": "1.5",
            "plan_deadline": deadline, "contingency": "设置警戒区"}
    page = console.post(f"/console/hazards/{hazard.number}/act/plan", form,
                        follow_redirects=True).get_data(as_text=True)
    assert "已提交五落实方案。" in page and "清理积水，修复排水沟" in page
    with db() as s:
        plan = s.scalars(select(RectificationPlan).where(RectificationPlan.hazard_id == hazard.id)).one()
        assert plan.responsible_person == "王五"
    # Officers' steps are refused to him by the service, in its words.
    page = console.post(f"/console/hazards/{hazard.number}/act/supervise").get_data(as_text=True)
    assert "“挂牌督办”只能由监管部门办理。" in page


def test_import_reports_every_bad_cell_and_writes_nothing(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    before = _count(db, select(func.count()).select_from(Enterprise))
    bad = csv_bytes([ledger_row(1), ledger_row(2, {"统一社会信用代码": "123"}), ledger_row(3, 企业名称="")])
    response = console.post("/console/enterprises/import", {"file": (io.BytesIO(bad), "台账.csv")},
                            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "未导入任何数据" in page
    assert re.search(r"<td>3</td><td>统一社会信用代码</td>", page)
    assert re.search(r"<td>4</td><td>企业名称</td>", page)
    assert _count(db, select(func.count()).select_from(Enterprise)) == before
    good = csv_bytes([ledger_row(1), ledger_row(2)])
    response = console.post("/console/enterprises/import", {"file": (io.BytesIO(good), "台账.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 200 and "导入完成：新增2家" in response.get_data(as_text=True)
    assert _count(db, select(func.count()).select_from(Enterprise)) == before + 2


def test_import_outside_the_jurisdiction_is_refused(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    console.sign_in(demo["county-qingxu"].openid)  # 清徐县; the rows are 小店区's
    before = _count(db, select(func.count()).select_from(Enterprise))
    response = console.post("/console/enterprises/import",
                            {"file": (io.BytesIO(csv_bytes([ledger_row(7)])), "台账.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 422 and "不在您的管辖范围内" in response.get_data(as_text=True)
    assert _count(db, select(func.count()).select_from(Enterprise)) == before


def test_enterprise_search_and_poster(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get("/console/enterprises?q=%E6%99%8B%E9%92%A2").get_data(as_text=True)
    assert "太原晋钢钢铁有限公司" in page and "共 1 家企业" in page
    assert "清徐" not in console.get("/console/enterprises").get_data(as_text=True)
    with db() as s:
        mine = enterprise(s, "太原晋钢钢铁有限公司").id
        foreign = enterprise(s, "清徐宏达焦化钢铁有限公司").id
    response = console.get(f"/console/enterprises/{mine}/poster.png")
    assert response.status_code == 200 and Image.open(io.BytesIO(response.data)).width > 1000
    assert console.get(f"/console/enterprises/{foreign}/poster.png").status_code == 404


def test_a_read_only_admin_prints_existing_codes_and_creates_none(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    """An admin acts on nothing in the console, a QR code included: he may print the poster of
    an enterprise whose code an officer made, and is told so when there is none yet."""
    with db() as s:
        mine = enterprise(s, "太原晋钢钢铁有限公司").id
    codes = select(EnterpriseQRCode.token).where(EnterpriseQRCode.enterprise_id == mine)
    console.sign_in(demo["admin"].openid)
    response = console.get(f"/console/enterprises/{mine}/poster.pdf")
    assert response.status_code == 409
    assert "该企业尚未生成二维码，您没有生成权限" in response.get_data(as_text=True)
    with db() as s:
        assert s.scalars(codes).all() == []

    console.sign_in(demo["county-xiaodian"].openid)
    assert console.get(f"/console/enterprises/{mine}/poster.png").status_code == 200
    with db() as s:
        (token,) = s.scalars(codes).all()

    console.sign_in(demo["admin"].openid)
    response = console.get(f"/console/enterprises/{mine}/poster.png")
    assert response.status_code == 200 and Image.open(io.BytesIO(response.data)).width > 1000
    with db() as s:
        assert s.scalars(codes).all() == [token]


def test_weekly_report_from_draft_to_download(console: Console, demo: dict[str, User],
                                              db: sessionmaker[Session]) -> None:
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get("/console/reports").get_data(as_text=True)
    assert "演示专项行动" in page and 'id="report-status">未填报' in page
    campaign = re.search(r'name="campaign" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    week = re.search(r'name="week" value="(\d{4}-W\d{2})"', page).group(1)  # type: ignore[union-attr]
    text = "召开部署会<script>x</script>"
    page = console.post("/console/reports/texts", {"week": week, "campaign": campaign, "部署推进": text},
                        follow_redirects=True).get_data(as_text=True)
    assert "草稿已保存。" in page and "召开部署会&lt;script&gt;" in page
    page = console.post("/console/reports/confirm", {"week": week, "campaign": campaign},
                        follow_redirects=True).get_data(as_text=True)
    period = re.search(r'id="period">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    # the weeks are offered by their dates, the one shown selected
    assert re.search(rf'<option value="{week}" selected>[^<]*日12时至[^<]*12时</option>', page), page
    # from Friday 12:00 to the moment it was filed (before this Friday's cut-off)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日12时至(\d{4}年)?\d{1,2}月\d{1,2}日\d{1,2}时(\d{2}分)?",
                        period), period
    assert f"{period}周调度统计表已确认报送。" in page
    page = console.post("/console/reports/texts", {"week": week, "campaign": campaign, "部署推进": "改"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已确认报送，不能再修改" in page
    with db() as s:
        report = s.scalars(select(WeeklyReport)).one()
        assert report.status == "confirmed" and report.texts["部署推进"] == text
    response = console.get(f"/console/reports/weekly.xlsx?week={week}&campaign={campaign}")
    cells = [c for row in load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True)
             for c in row if c]
    assert text in cells
    ledger = console.get("/console/reports/ledger.xlsx")
    assert "重大事故隐患台账" in str(load_workbook(io.BytesIO(ledger.data)).worksheets[0]["A1"].value)
    assert console.get("/console/reports?week=2025-99").status_code == 200  # a bad week is named


def test_the_whole_loop_in_the_console(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    """受理 → 定级 → 限期 → 督办 → (manager) 五落实, 提交整改 → 退回 → 提交整改 → 验收销号."""
    with db() as s:
        number = make_hazard(s, enterprise=enterprise(s, "太原晋钢钢铁有限公司")).number
        s.commit()
    url = f"/console/hazards/{number}"
    soon = (local(utcnow()).date() + timedelta(days=20)).isoformat()

    def step(name: str, done: str, **form: str) -> str:
        page = console.post(f"{url}/act/{name}", form, follow_redirects=True).get_data(as_text=True)
        assert done in page, page[page.find('class="flash"'):][:200]
        return page

    def offered() -> list[str]:
        return re.findall(r'data-step="(\w+)"', console.get(url).get_data(as_text=True))

    console.sign_in(demo["county-xiaodian"].openid)
    assert offered() == ["acknowledge", "reject", "merge"]  # a duplicate needs no 受理
    step("acknowledge", "已受理。")
    step("classify", "已定级。", level="重大", basis="判定标准第四条第（一）项")
    step("deadline", "已设定整改期限。", deadline=soon)
    assert offered() == ["classify", "deadline", "supervise", "merge", "penalty"]
    page = step("supervise", "已挂牌督办。")
    assert "小店区应急管理局" in page
    step("penalty", "已记录行政处罚。", fine_enterprise_wan="5", suspended="1", note="停产整顿一周")

    console.sign_in(demo["manager"].openid)
    assert offered() == ["plan", "proof"]
    step("proof", "请先提交“五落实”整改方案")  # the service's rule, shown as it is
    step("plan", "已提交五落实方案。", responsible_person="王五", measures="更换", funds_wan="2",
         plan_deadline=soon, contingency="停炉")
    step("proof", "已提交整改完成情况，等待验收。", note="已更换")

    console.sign_in(demo["county-xiaodian"].openid)
    assert offered() == ["close", "send_back", "penalty"]
    step("send_back", "已退回整改。", reason="照片看不清")
    console.sign_in(demo["manager"].openid)
    step("proof", "已提交整改完成情况，等待验收。", note="补充照片")
    console.sign_in(demo["county-xiaodian"].openid)
    page = step("close", "已验收销号。")
    assert 'id="state">已销号' in page
    history = re.findall(r'<li data-action="([^"]+)"', page)
    assert history == ["提交报告", "受理", "定级", "设定整改期限", "挂牌督办", "行政处罚",
                       "提交五落实方案", "提交整改完成情况", "退回整改", "提交整改完成情况", "验收销号"]
    with db() as s:
        hazard = s.scalars(select(Hazard).where(Hazard.number == number)).one()
        assert hazard.state == "closed" and hazard.supervising_unit == "小店区应急管理局"
        assert hazard.closed_at is not None


def test_an_admin_sees_everything_and_acts_on_nothing(
    console: Console, demo: dict[str, User], db: sessionmaker[Session]
) -> None:
    with db() as s:
        number = make_hazard(s, enterprise=enterprise(s, "清徐宏达焦化钢铁有限公司")).number
        s.commit()
    console.sign_in(demo["admin"].openid)
    page = console.get(f"/console/hazards/{number}").get_data(as_text=True)
    assert "data-step=" not in page
    response = console.post(f"/console/hazards/{number}/act/acknowledge")
    assert response.status_code == 422
    assert f"没有找到编号为 {number} 的隐患，或您无权处理。" in response.get_data(as_text=True)
    assert "全省" in console.get("/console/").get_data(as_text=True)


def test_a_failed_authorization_signs_nobody_in(console: Console, demo: dict[str, User]) -> None:
    console.get("/console/login/wechat")
    with console.client.session_transaction() as session:
        state = session["console_oauth_state"]
    response = console.get(f"/console/oauth/callback?code=never-issued&state={state}",
                           follow_redirects=True)
    assert "微信授权失败，请稍后重试。" in response.get_data(as_text=True)
    assert console.get("/console/hazards").status_code == 302
    assert any(c.path == "/sns/oauth2/access_token" for c in console.fake.calls)
