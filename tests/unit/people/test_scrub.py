"""Texts meant for the enterprise never carry the reporter, however he typed himself in."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.services.people.anonymity import has_personal_details, scrub, scrub_details, scrub_for_enterprise
from tests.common.factories import make_hazard, make_user


def test_reporter_name_and_phone_are_blanked_even_when_spaced(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        reporter = make_user(session, role="public", name="王强", phone="13912345678")
        hazard = make_hazard(
            session, reporter=reporter, reporter_name="王强", reporter_phone="13912345678",
            description="我是王强，电话 139 1234-5678，三号炉冷却水泄漏",
        )
        cleaned = scrub(session, hazard, hazard.description)
    assert "王强" not in cleaned
    assert "1234" not in cleaned and "5678" not in cleaned
    assert "三号炉冷却水泄漏" in cleaned


# --- what the enterprise reads: anything that looks like identity, whoever typed it ------------

SELF_INTRO = ("我叫王小明，电话139 1234 5678，身份证140105199001011234，邮箱wxm@example.com，"
              "我是三车间的，三号炉冷却水管泄漏")
IDENTIFYING = ("王小明", "139", "1234", "5678", "140105199001011234", "wxm@example.com", "三车间")


def test_enterprise_text_loses_every_detail_of_an_anonymous_self_introduction(clean_db: Engine) -> None:
    with Session(clean_db) as session:
        hazard = make_hazard(session, description=SELF_INTRO)
        assert hazard.anonymous
        cleaned = scrub_for_enterprise(session, hazard, hazard.description)
        for_officers = scrub(session, hazard, hazard.description)
    assert not [s for s in IDENTIFYING if s in cleaned], cleaned
    assert cleaned.endswith("三号炉冷却水管泄漏")
    assert for_officers == SELF_INTRO  # officers read it as typed


def test_a_named_report_is_scrubbed_of_its_record_and_of_what_only_looks_like_identity(
    clean_db: Engine,
) -> None:
    with Session(clean_db) as session:
        reporter = make_user(session, role="public", name="赵六", phone="13700001111")
        hazard = make_hazard(session, reporter=reporter, reporter_name="赵六", reporter_phone="13700001111",
                             description="赵六反映：" + SELF_INTRO)
        cleaned = scrub_for_enterprise(session, hazard, hazard.description)
    assert "赵六" not in cleaned
    assert not [s for s in IDENTIFYING if s in cleaned], cleaned
    assert "三号炉冷却水管泄漏" in cleaned


@pytest.mark.parametrize("typed", [
    "13912345678", "139 1234 5678", "139-1234-5678", "139 - 1234 - 5678", "+86 139 1234 5678",
    "8613912345678", "１３９１２３４５６７８", "0351-7654321", "(0351) 765 4321", "（0351）76543210",
    "010-87654321转801", "电话 7654321", "手机号码：13912345678", "140105199001011234",
    "14010519900101123X", "140105 19900101 123x", "6222 0212 3456 7890 123", "wxm@example.com",
    "wang.xm+hazard@mail.sx.gov.cn", "微信号 wxm_1990abc", "QQ 123456789", "工号 A12345",
    "我叫王小明", "我名叫王小明", "我的名字是王小明", "本人张三", "姓名：王小明", "举报人：李四",
    "我是三车间的李四", "本人是炼钢厂的", "我姓王", "我叫 Wang Xiaoming",
])
def test_identity_is_blanked_however_it_is_typed(typed: str) -> None:
    text = f"三号炉冷却水管泄漏，{typed}，请尽快处理"
    cleaned = scrub_details(text)
    assert has_personal_details(text)
    assert cleaned == "三号炉冷却水管泄漏，***，请尽快处理", cleaned


@pytest.mark.parametrize("text", [
    "隐患 YH202611240001（太原晋钢钢铁有限公司）的整改期限定为 2026-12-31，请按期完成整改。",
    "【整改逾期】隐患YH202611240012（太原晋钢钢铁有限公司）整改期限2026-11-30已过，已逾期3天。",
    "如有异议，可拨打安全生产举报投诉电话 12350。",
    "资金：3.50 万元；整改时限 2026-12-20；炉温 1200℃；投入 10000000 元；第四条第（一）项",
    "本人发现二号车间除尘器泄爆口朝向人员通道，且未设置隔离区",
    "我是否应该先报告车间主任？3 号炉、5 号炉冷却水压力 0.35 MPa",
    "领奖须本人凭有效身份证件实名办理",
    "整改时间 2026年12月31日 15:30，编号 YH2026112400011",
])
def test_our_own_wording_and_ordinary_figures_are_left_alone(text: str) -> None:
    assert scrub_details(text) == text
    assert not has_personal_details(text)
