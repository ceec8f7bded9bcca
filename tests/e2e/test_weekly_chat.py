"""周报 in chat: a city officer gets his table as a signed link, fills in a text row, confirms
it (the figures freeze), and the province officer sees which cities have filed.

A weekly campaign running this week is added to the database (the seeded ones are past);
the link is opened over real HTTP like a phone's browser would.
"""

from __future__ import annotations

import io
import re
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dev.peer import WeChatPeer
from bot.models import Campaign, Enterprise, User, WeeklyReport
from bot.services.forms import exports
from bot.services.forms.periods import nominal_end, shift_week, week_of
from bot.services.forms.weekly_tables import LINK_SALT
from bot.services.platform.clock import local, utcnow
from tests.common.factories import enterprise, make_hazard
from tests.e2e.chat import bind_as, engine_of, one, say
from tests.e2e.conftest import LiveServer

CITY = "o_weekly_city"
PROVINCE = "o_weekly_province"
MANAGER = "o_weekly_manager"
STRANGER = "o_weekly_stranger"
_URL = re.compile(r"(http://\S+/reports/\S+)")


def _running_campaign(live: LiveServer) -> None:
    today = local(utcnow()).date()
    with Session(engine_of(live)) as session:
        session.add(Campaign(
            doc_number="晋应急发〔2026〕1号", name="冶金工贸行业隐患排查整治专项行动", region_code="140000",
            starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30), cadence="weekly",
            due_weekday=4, due_time="12:00", form="weekly_dispatch", created_at=utcnow(),
        ))
        session.flush()
        # 太原 filed last week's table: 周报 is this week's whatever the day (until Monday, a
        # region that still owes last week's table is shown that one first)
        last_week = shift_week(week_of(utcnow()), -1)
        session.add(WeeklyReport(
            campaign_id=session.scalars(select(Campaign.id).where(
                Campaign.doc_number == "晋应急发〔2026〕1号")).one(),
            region_code="140100", period=last_week, status="confirmed", texts={}, figures=None,
            created_at=utcnow(), confirmed_at=nominal_end(None, last_week),
            period_end=nominal_end(None, last_week),
        ))
        session.commit()


def _hazard(live: LiveServer, name: str, level: str = "general") -> None:
    with Session(engine_of(live)) as session:
        make_hazard(session, enterprise=enterprise(session, name), source="self_check", level=level,
                    state="rectifying", reported_at=utcnow() - timedelta(minutes=5))
        session.commit()


def _download(live: LiveServer, reply: str) -> tuple[int, bytes, str]:
    match = _URL.search(reply)
    assert match, reply
    url = match.group(1)
    assert url.startswith(live.app.config["HAZARDBOT"]["app"]["public_base_url"] + "/reports/")
    return _get(live.url + url[url.index("/reports/"):])


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


def _this_period(now: datetime) -> str:
    """The week running at ``now`` as an officer reads it: from the last Friday 12:00 to the next."""
    at = local(now)
    friday = at.date() + timedelta(days=(4 - at.weekday()) % 7)
    if friday == at.date() and at.hour >= 12:
        friday += timedelta(days=7)
    last: date = friday - timedelta(days=7)
    year = f"{friday.year}年" if friday.year != last.year else ""
    return f"{last.year}年{last.month}月{last.day}日12时至{year}{friday.month}月{friday.day}日12时"


def test_officer_files_the_week_in_chat(live: LiveServer, peer: WeChatPeer) -> None:
    _running_campaign(live)
    _hazard(live, "太原晋钢钢铁有限公司")
    _hazard(live, "清徐宏达焦化钢铁有限公司", level="major")
    week = _this_period(utcnow())  # not the ISO week: the dates of the period
    bind_as(live, peer, CITY, "--role", "city_officer", "--region", "140100", "--name", "王科长")
    bind_as(live, peer, PROVINCE, "--role", "province_officer", "--region", "140000")

    # The draft: figures so far, what is missing, a link to the workbook.
    reply = say(peer, CITY, "周报")
    assert reply.startswith(f"【周调度统计表】太原市 {week}"), reply
    assert "状态：草稿，尚未报送" in reply
    assert "检查企业2家，一般隐患1条（已整改0条），重大事故隐患1条（已整改0条）" in reply
    assert "尚未填写：部署推进、宣传曝光、存在问题、意见建议" in reply
    status, body, content_type = _download(live, reply)
    assert status == 200 and content_type.startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(body))
    form = workbook["周调度统计表"]
    assert form["A1"].value == exports.WEEKLY_TITLE
    assert form["A2"].value.startswith("填报单位：太原市")
    assert f"统计期间：{week}" in form["A2"].value
    assert form["A2"].value.endswith("填报时间：    年  月  日")  # a draft is not filed yet
    assert workbook["统计数据"]["B4"].value == 2  # 企业自查自改: 2 enterprises

    # A text row, then confirming freezes the table.
    reply = say(peer, CITY, "周报 存在问题：部分县区企业自查流于形式")
    assert reply.startswith("已保存“存在问题”。"), reply
    assert "尚未填写：部署推进、宣传曝光、意见建议" in reply
    reply = say(peer, CITY, "周报 确认")
    # a table filed before the cut-off ends when it was filed: the next week starts there
    filed = re.match(r"已报送太原市(\S+?)周调度统计表。", reply)
    assert filed and filed.group(1).startswith(week.split("至")[0] + "至"), reply
    assert "已报送（王科长 " in reply and "数据已固定" in reply
    report = one(engine_of(live), WeeklyReport, WeeklyReport.region_code == "140100",
                 WeeklyReport.period == week_of(utcnow()))
    officer = one(engine_of(live), User, User.openid == CITY)
    assert (report.status, report.confirmed_by) == ("confirmed", officer.id)
    assert report.texts == {"存在问题": "部分县区企业自查流于形式"}

    assert "已确认报送，不能再修改" in say(peer, CITY, "周报 意见建议 加强培训")
    assert "已确认报送" in say(peer, CITY, "周报 确认")

    # A hazard found after confirming does not change the filed table.
    _hazard(live, "古交汇丰特钢有限公司")
    reply = say(peer, CITY, "周报")
    assert "检查企业2家，一般隐患1条" in reply and "状态：已报送" in reply
    workbook = load_workbook(io.BytesIO(_download(live, reply)[1]))
    assert workbook["统计数据"]["B4"].value == 2
    assert workbook["周调度统计表"]["C10"].value == "部分县区企业自查流于形式"
    today = local(report.confirmed_at).date()  # type: ignore[arg-type]
    assert workbook["周调度统计表"]["A2"].value.endswith(
        f"填报时间：{today.year}年{today.month}月{today.day}日")

    # The province sees who has filed; a city officer may not.
    reply = say(peer, PROVINCE, "周报 进度")
    assert reply.startswith(f"{week}各市周调度统计表报送情况（已报送 1/11）"), reply
    assert "太原市：已报送" in reply and "长治市：未报送" in reply
    assert say(peer, CITY, "周报 进度") == "各市报送进度仅省级监管人员可查看。"


def test_links_cannot_be_forged_or_used_late(live: LiveServer, peer: WeChatPeer) -> None:
    _running_campaign(live)
    bind_as(live, peer, CITY, "--role", "city_officer", "--region", "140100")
    reply = say(peer, CITY, "周报")
    url = _URL.search(reply).group(1)  # type: ignore[union-attr]
    path = url[url.index("/reports/"):]
    status, body, _ = _get(live.url + path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert status == 404 and "下载链接无效" in body.decode()

    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 25 * 3600

    secret = live.app.config["HAZARDBOT"]["app"]["secret_key"]
    campaign = one(engine_of(live), Campaign, Campaign.doc_number == "晋应急发〔2026〕1号")
    token = URLSafeTimedSerializer(secret, salt=LINK_SALT, signer=Yesterday).dumps(
        [campaign.id, "140100", week_of(utcnow())])
    status, body, _ = _get(f"{live.url}/reports/{token}")
    assert status == 410 and "下载链接已过期" in body.decode()
    # The same link signed with another key (someone guessing) is refused too.
    forged = URLSafeTimedSerializer("guess", salt=LINK_SALT).dumps([campaign.id, "140400", "2026-W01"])
    assert _get(f"{live.url}/reports/{forged}")[0] == 404


@pytest.mark.parametrize(("openid", "expected"), [
    (MANAGER, "“周报”仅限监管人员使用。"),
    (STRANGER, "仅限已绑定的监管人员"),
])
def test_only_officers_file(live: LiveServer, peer: WeChatPeer, openid: str, expected: str) -> None:
    _running_campaign(live)
    if openid == MANAGER:
        jingang = one(engine_of(live), Enterprise, Enterprise.name == "太原晋钢钢铁有限公司")
        bind_as(live, peer, openid, "--role", "enterprise_manager", "--enterprise", str(jingang.id))
    assert expected in say(peer, openid, "周报")


def test_refusals_say_why(live: LiveServer, peer: WeChatPeer) -> None:
    bind_as(live, peer, CITY, "--role", "county_officer", "--region", "140105")
    assert say(peer, CITY, "周报") == "本周没有进行中的专项行动，无需报送周调度统计表。"
    _running_campaign(live)
    reply = say(peer, CITY, "周报 随便写写")
    assert reply.startswith("看不懂“随便写写”。") and "周报 确认" in reply
    assert say(peer, CITY, "周报 存在问题").startswith("请在“存在问题”后写上内容。")
    assert "1000 字以内" in say(peer, CITY, "周报 意见建议 " + "多" * 1001)
    assert "【周调度统计表】小店区" in say(peer, CITY, "周报")
    assert "周报 确认" in say(peer, CITY, "帮助")
