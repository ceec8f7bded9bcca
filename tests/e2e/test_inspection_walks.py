"""Inspections in chat: a steel plant scanned at the gate and a dust-explosion plant found by
name, walked item by item with failures and photos; the hazards they create, the weekly
figures, and the 附件5 hazard list as .xlsx and PDF through the link sent in chat."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import requests
from openpyxl import load_workbook
from PIL import Image

from bot.dev.peer import WeChatPeer
from bot.models import Attachment, Enterprise, Hazard, HazardEvent, Inspection, InspectionResult, User
from bot.services.forms import figures
from bot.services.inspections.inspection_export import COLUMNS, TITLE
from bot.services.platform.clock import local, utcnow
from tests.e2e.chat import bind_as, engine_of, jpeg_with_gps, one, received, rows, say
from tests.e2e.conftest import LiveServer
from tests.e2e.inspection_chat import Failure, links, load_library, position, scene_of, walk
from tests.fakes.wechat_api import FakeWeChatServer

STEEL = "太原晋钢钢铁有限公司"
DUST = "大同云冈木业有限公司"
OFFICER = "o_insp_county"
CITY_OFFICER = "o_insp_datong"
MANAGER = "o_insp_steel_mgr"
RED, BLUE = (200, 30, 30), (30, 60, 200)


def _red_pixels(image: Image.Image) -> int:
    """Pixels of the red test photo's colour (JPEG drifts a little)."""
    r, g, b = image.convert("RGB").split()
    mask = Image.eval(r, lambda v: 255 if v > 150 else 0)
    mask = Image.composite(mask, Image.new("L", image.size, 0), Image.eval(g, lambda v: 255 if v < 90 else 0))
    mask = Image.composite(mask, Image.new("L", image.size, 0), Image.eval(b, lambda v: 255 if v < 90 else 0))
    return sum(1 for v in mask.getdata() if v)


def test_steel_inspection_from_the_gate_to_the_hazard_list(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    load_library(live)
    engine = engine_of(live)
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")
    fake_wechat.add_media("STEEL_1", jpeg_with_gps(RED))
    fake_wechat.add_media("STEEL_2", jpeg_with_gps(RED))
    fake_wechat.add_media("HOT_1", jpeg_with_gps(BLUE))

    # Scanning the code at the gate records the visit and offers the inspection.
    reply = peer.send_event(OFFICER, "SCAN", scene_of(live, STEEL)).content
    assert f"已记录您到达 {STEEL}" in reply and "回复“检查”开始市县检查" in reply
    reply = say(peer, OFFICER, "检查")
    assert reply.startswith(f"【市县检查】{STEEL}") and position(reply)[0] == 1
    total = position(reply)[1]

    # "返回" on the second item goes back to the first, which shows its answer.
    reply = say(peer, OFFICER, "1")
    assert position(reply)[0] == 2
    reply = say(peer, OFFICER, "返回")
    assert position(reply)[0] == 1 and "（已记录：合格）" in reply
    reply = say(peer, OFFICER, "1")
    assert position(reply)[0] == 2

    reply, seen = walk(peer, OFFICER, reply, failures=[
        Failure("水冷元件", "2号转炉氧枪水冷元件出水温度报警未与倾动联锁，现场联锁已被短接",
                ["STEEL_1", "STEEL_2"]),
        Failure("动火", "炼钢车间煤气区域动火作业无审批票，无监护人", ["HOT_1"]),
    ], others={"金属冶炼企业主要负责人": "3", "高炉生产期间": "跳过"})
    # 第四条（四）: major, now verbatim; 第四条（五） still to be checked (marked for the officer only).
    assert any("【重大隐患判定项】" in s and "水冷元件" in s and "待核对" not in s for s in seen)
    assert any("高炉生产期间" in s and "（条文待核对）" in s for s in seen)
    assert any("检查要点：转炉、电弧炉等炼钢炉的水冷元件" in s for s in seen)

    # A finding outside the list, then the end.
    assert "清单外隐患" in say(peer, OFFICER, "补充")
    say(peer, OFFICER, "厂区消防通道被废钢堆占用约30米")
    assert "这条清单外隐患的等级" in say(peer, OFFICER, "跳过")  # no photo; the level: later
    reply = say(peer, OFFICER, "跳过")
    assert "（待定级），检查结束后请定级" in reply and "所有检查项均已记录" in reply
    reply = say(peer, OFFICER, "完成")
    assert f"【市县检查】{STEEL} 检查已结束" in reply and "发现隐患 3 条（重大 1 条）" in reply
    assert f"共 {total} 项" in reply and "不适用 1" in reply and "跳过 1" in reply
    xlsx_url, pdf_url = links(live, reply)

    # The hazards: source, basis, level, state, recorder, photos. The two at checklist items
    # are graded by their item, at once; the free one awaits 定级.
    officer = one(engine, User, User.openid == OFFICER)
    hazards = {h.description[:4]: h for h in rows(engine, Hazard, Hazard.source == "joint_inspection")}
    assert len(hazards) == 3
    water, hot, free = hazards["2号转炉"], hazards["炼钢车间"], hazards["厂区消防"]
    assert (water.level, water.state, water.basis) == (
        "major", "rectifying", "《工贸企业重大事故隐患判定标准》第四条第（四）项")
    assert (hot.level, hot.state, hot.basis) == (
        "general", "rectifying", "晋应急发〔2024〕354号 三、3（危险作业）")
    assert (free.level, free.state, free.basis) == (None, "acknowledged", None)
    for hazard in hazards.values():
        assert hazard.reporter_id == officer.id and hazard.check_unit == "小店区应急管理局"
        assert hazard.enterprise_name == STEEL and hazard.checked_at is not None
        events = rows(engine, HazardEvent, HazardEvent.hazard_id == hazard.id)
        graded = [("classify", "rectifying")] if hazard is not free else []
        assert [(e.action, e.to_state) for e in events] == [("inspect", "acknowledged"), *graded]
        assert all(e.actor_id == officer.id for e in events)
    assert len(rows(engine, Attachment, Attachment.hazard_id == water.id)) == 2
    inspection = one(engine, Inspection)
    assert inspection.state == "finished" and len(rows(engine, InspectionResult)) == total

    # The summary says which went to 整改, that nobody of the plant could be told, and what
    # to send for the free one.
    assert f"转企业整改（已向企业负责人发出整改通知）：{water.number}、{hot.number}。" in reply
    assert "该企业尚未绑定安全负责人" in reply
    assert f"定级 {free.number} 重大|一般" in reply and f"定级 {water.number}" not in reply
    assert "已定级" in say(peer, OFFICER, f"定级 {free.number} 一般")
    assert one(engine, Hazard, Hazard.id == free.id).state == "rectifying"

    # Weekly figures: 市县联合检查（县级）, one enterprise, 2 general + 1 major.
    week = local(utcnow()).strftime("%G-W%V")
    with live.app.app_context():
        from bot.db import session_factory

        with session_factory()() as session:
            county = figures.weekly_figures(session, "140105", week).stages["county"]
    assert (county.enterprises, county.general_found, county.major_found) == (1, 2, 1)

    # The 附件5 list: the photos are fetched first, as the worker does.
    live.run_worker()
    assert all(a.status == "stored" for a in rows(engine, Attachment))
    workbook = requests.get(xlsx_url, timeout=10)
    assert workbook.status_code == 200
    ws = load_workbook(io.BytesIO(workbook.content)).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == TITLE and values[1][0] == f"企业名称：{STEEL}"
    assert tuple(values[2]) == COLUMNS
    body = [r for r in values[3:] if isinstance(r[0], int)]
    assert [r[0] for r in body] == [1, 2, 3]
    assert body[0][1:5] == [water.description, "现场照片 2 张", water.basis, "重大事故隐患"]
    assert body[1][1:5] == [hot.description, "现场照片 1 张", hot.basis, "一般隐患"]
    assert body[2][2:5] == ["无", "（清单外发现，待定依据）", "一般隐患"]  # graded since
    assert water.number in body[0][5]
    assert any(str(r[0]).startswith("检查人员（签字）") and r[3] == "企业负责人（签字）：" for r in values)

    pdf = requests.get(pdf_url, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(pdf.content)
    pages = [document[i].render(scale=1).to_pil() for i in range(len(document))]
    document.close()
    assert pages and all(p.convert("L").getextrema()[0] < 100 for p in pages)  # ink on every page
    assert _red_pixels(pages[0]) > 500  # the two red thumbnails of the first row
    assert requests.get(xlsx_url.replace(inspection.token, "x" * 24), timeout=10).status_code == 404


def test_dust_inspection_by_name_from_the_city(live: LiveServer, peer: WeChatPeer,
                                               fake_wechat: FakeWeChatServer) -> None:
    load_library(live)
    engine = engine_of(live)
    bind_as(live, peer, CITY_OFFICER, "--role", "city_officer", "--region", "140200", "--name", "钱处长")
    fake_wechat.add_media("DUST_1", jpeg_with_gps(RED))

    reply = say(peer, CITY_OFFICER, "检查 云冈木业")
    assert reply.startswith(f"【市县检查】{DUST}")
    reply, seen = walk(peer, CITY_OFFICER, reply, failures=[
        Failure("干式除尘系统未采取泄爆", "木粉除尘器未设泄爆片，也无抑爆装置", ["DUST_1"]),
        Failure("湿式除尘系统干式运行", "2号湿式除尘器水泵停用，干式运行"),
        Failure("积尘严重", "砂光车间梁上积尘厚度超过5毫米"),
    ])
    assert not any("水冷元件" in s for s in seen) and any("粉尘" in s for s in seen)
    # A free finding the officer grades as he records it: straight to 整改, like the others.
    say(peer, CITY_OFFICER, "补充", "除尘器旁堆放木粉包装袋约20袋", "跳过")
    assert "，已定级，转入整改" in say(peer, CITY_OFFICER, "一般 木粉包装袋不得堆放在除尘器旁")
    reply = say(peer, CITY_OFFICER, "完成")
    assert "发现隐患 4 条（重大 2 条）" in reply and "定级 YH" not in reply

    found = {h.description[:4]: h for h in rows(engine, Hazard, Hazard.source == "joint_inspection")}
    assert (found["木粉除尘"].level, found["木粉除尘"].basis) == (
        "major", "《工贸企业重大事故隐患判定标准》第十一条第（三）项")
    assert (found["2号湿式"].level, found["2号湿式"].basis) == (
        "general", "《工贸企业粉尘防爆安全规定》(应急管理部令第6号)")
    assert (found["砂光车间"].level, found["砂光车间"].basis) == (
        "major", "《工贸企业重大事故隐患判定标准》第十一条第（十）项")
    assert (found["除尘器旁"].level, found["除尘器旁"].state, found["除尘器旁"].basis) == (
        "general", "rectifying", "木粉包装袋不得堆放在除尘器旁")
    assert all(h.check_unit == "大同市应急管理局" and h.region_code == "140213" for h in found.values())
    assert all(h.state == "rectifying" for h in found.values())
    week = local(utcnow()).strftime("%G-W%V")
    with live.app.app_context():
        from bot.db import session_factory

        with session_factory()() as session:
            city = figures.weekly_figures(session, "140200", week).stages["city"]
    assert (city.enterprises, city.general_found, city.major_found) == (1, 2, 2)


def test_a_major_finding_goes_to_the_plant_and_a_free_one_awaits_grading(
    live: LiveServer, peer: WeChatPeer, fake_wechat: FakeWeChatServer
) -> None:
    load_library(live)
    engine = engine_of(live)
    plant = one(engine, Enterprise, Enterprise.name == STEEL)
    bind_as(live, peer, MANAGER, "--role", "enterprise_manager", "--enterprise", str(plant.id))
    bind_as(live, peer, OFFICER, "--role", "county_officer", "--region", "140105", "--name", "赵科长")

    reply = say(peer, OFFICER, f"检查 {STEEL}")
    reply, _ = walk(peer, OFFICER, reply, failures=[
        Failure("水冷元件", "2号转炉氧枪水冷元件出水温度报警未与倾动联锁"),
    ])
    say(peer, OFFICER, "补充", "原料场皮带通廊照明损坏", "跳过")
    reply = say(peer, OFFICER, "跳过")  # its level: not now
    assert "（待定级），检查结束后请定级" in reply
    reply = say(peer, OFFICER, "完成")
    major = one(engine, Hazard, Hazard.description.startswith("2号转炉"))
    free = one(engine, Hazard, Hazard.description.startswith("原料场"))

    # The summary: the major one is with the plant, the free one needs the officer's 定级.
    assert f"已按检查项定级、转企业整改（已向企业负责人发出整改通知）：{major.number}。" in reply
    assert "限期 编号 日期" in reply and "该企业尚未绑定安全负责人" not in reply
    assert f"定级 {free.number} 重大|一般" in reply and f"定级 {major.number}" not in reply
    assert len(reply.encode()) <= 2048

    # The manager gets the 整改通知 a 定级 in chat sends, and nothing for the free one.
    live.run_worker()
    [notice] = received(fake_wechat, MANAGER)
    assert notice.startswith(f"【隐患整改通知】{major.number}\n小店区应急管理局核实确认贵企业存在以下隐患")
    assert "等级：重大事故隐患（判定依据：《工贸企业重大事故隐患判定标准》第四条第（四）项）" in notice
    assert f"回复“整改 {major.number}”提交" in notice and free.number not in notice
    todo = say(peer, MANAGER, "待办")
    assert major.number in todo and "整改中" in todo and free.number not in todo
    assert (major.state, major.level, free.state, free.level) == ("rectifying", "major", "acknowledged", None)
    assert [e.action for e in rows(engine, HazardEvent, HazardEvent.hazard_id == major.id)] == [
        "inspect", "classify"]

    # The officer grades the free one as the summary says: now the manager hears of it too.
    assert "已定级" in say(peer, OFFICER, f"定级 {free.number} 一般")
    live.run_worker()
    assert received(fake_wechat, MANAGER)[-1].startswith(f"【隐患整改通知】{free.number}")
