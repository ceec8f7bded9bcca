"""The reporting dialogue as pure transitions: what the reporter types, what the bot asks next.

The services are replaced by ``FakeChat`` (tests/unit/handlers/fake_port.py), an in-memory
``ChatPort`` that records what the dialogue asked of it; no database is involved.
"""

from __future__ import annotations

import pytest

from bot.handlers import texts
from bot.handlers.core import State
from bot.handlers.incoming import Incoming, Intent, classify, parse_query
from bot.services.reporting.reports import ReportDraft
from tests.unit.handlers.fake_port import Chat, image, location, scan, text


@pytest.fixture
def chat() -> Chat:
    return Chat()


def at_description(chat: Chat) -> Chat:
    chat.say("举报")
    chat.say("晋钢")
    chat.say("1")
    assert chat.state is State.DESCRIPTION
    return chat


def at_photos(chat: Chat) -> Chat:
    at_description(chat).say("二号车间行车吊钩缺少防脱钩装置")
    assert chat.state is State.PHOTOS
    return chat


def at_identity(chat: Chat) -> Chat:
    at_photos(chat).say("跳过")
    chat.say("跳过")
    assert chat.state is State.IDENTITY
    return chat


# --- starting, and keywords only as the whole message -------------------------------------


@pytest.mark.parametrize("word", ["举报", "隐患", "我要举报", "举报！", "  报告隐患。"])
def test_a_start_word_starts_a_report(chat: Chat, word: str) -> None:
    assert chat.say(word) == texts.ASK_ENTERPRISE
    assert chat.state is State.ENTERPRISE


def test_a_sentence_containing_a_keyword_does_not_start(chat: Chat) -> None:
    assert chat.say("车间有隐患") == "没看懂“车间有隐患”。\n" + texts.GUIDE
    assert chat.state is State.IDLE


def test_a_sentence_with_a_keyword_is_a_description(chat: Chat) -> None:
    at_description(chat)
    assert chat.say("车间有隐患") == texts.ASK_PHOTOS.format(max=3)
    assert chat.draft.description == "车间有隐患"


def test_a_sentence_starting_with_the_query_word_is_a_description(chat: Chat) -> None:
    at_description(chat)
    chat.say("查询了一下，除尘器已经停了三天")
    assert chat.state is State.PHOTOS
    assert chat.draft.description == "查询了一下，除尘器已经停了三天"
    assert chat.port.queries == []


def test_start_while_reporting_keeps_the_report(chat: Chat) -> None:
    at_description(chat)
    reply = chat.say("举报")
    assert reply.startswith(texts.ALREADY_REPORTING)
    assert chat.state is State.DESCRIPTION
    assert chat.draft.enterprise_id == 1


def test_the_menu_button_starts_a_report(chat: Chat) -> None:
    click = Incoming(openid="o", kind="event", create_time=1, event="CLICK", event_key="REPORT")
    assert chat.send(click) == texts.ASK_ENTERPRISE


def test_media_before_starting_gets_a_hint(chat: Chat) -> None:
    assert chat.send(image("m1")) == texts.NOT_REPORTING_MEDIA
    assert chat.port.photos == {}


# --- enterprise and county ----------------------------------------------------------------


def test_enterprise_matches_are_offered_numbered_with_a_way_out(chat: Chat) -> None:
    chat.say("举报")
    reply = chat.say("钢铁")
    assert "1. 太原晋钢钢铁有限公司（小店区）" in reply
    assert "2. 晋城福盛钢铁有限公司（城区）" in reply
    assert "0. 都不是，按未登记企业“钢铁”报告" in reply
    assert chat.state is State.ENTERPRISE_CHOICE


def test_choosing_an_enterprise_asks_for_the_description(chat: Chat) -> None:
    chat.say("举报")
    chat.say("钢铁")
    reply = chat.say("2")
    assert chat.draft.enterprise_id == 2
    assert reply == texts.ASK_DESCRIPTION.format(enterprise="晋城福盛钢铁有限公司（城区）")
    assert chat.state is State.DESCRIPTION


def test_full_width_digit_chooses(chat: Chat) -> None:
    chat.say("举报")
    chat.say("钢铁")
    chat.say("１")
    assert chat.draft.enterprise_id == 1
    assert chat.state is State.DESCRIPTION


def test_a_number_outside_the_list_asks_again(chat: Chat) -> None:
    chat.say("举报")
    chat.say("钢铁")
    assert chat.say("5") == texts.CHOOSE_NUMBER.format(low=0, high=2)
    assert chat.state is State.ENTERPRISE_CHOICE
    assert chat.draft.enterprise_id is None


def test_typing_another_name_searches_again(chat: Chat) -> None:
    chat.say("举报")
    chat.say("钢铁")
    reply = chat.say("华圣")
    assert "1. 河津华圣铝业有限公司（河津市）" in reply
    chat.say("1")
    assert chat.draft.enterprise_id == 7


def test_zero_reports_an_unregistered_enterprise_and_asks_the_county(chat: Chat) -> None:
    chat.say("举报")
    assert chat.say("红星小五金厂") == texts.NO_ENTERPRISE_MATCH.format(typed="红星小五金厂")
    assert chat.say("0") == texts.ASK_COUNTY
    assert chat.state is State.COUNTY
    assert chat.draft.enterprise_id is None
    assert chat.draft.enterprise_name == "红星小五金厂"


def test_a_single_county_match_is_taken(chat: Chat) -> None:
    chat.say("举报")
    chat.say("红星小五金厂")
    chat.say("0")
    reply = chat.say("孝义")
    assert chat.draft.region_code == "141181"
    assert reply == texts.ASK_DESCRIPTION.format(enterprise="红星小五金厂（未登记，孝义市）")


def test_a_shared_county_name_is_chosen_by_number(chat: Chat) -> None:
    chat.say("举报")
    chat.say("红星小五金厂")
    chat.say("0")
    reply = chat.say("城区")
    assert "1. 城区（阳泉市）" in reply and "2. 城区（晋城市）" in reply
    assert chat.state is State.COUNTY_CHOICE
    chat.say("２")
    assert chat.draft.region_code == "140502"
    assert chat.state is State.DESCRIPTION


def test_an_unknown_county_asks_again(chat: Chat) -> None:
    chat.say("举报")
    chat.say("红星小五金厂")
    chat.say("0")
    assert chat.say("火星") == texts.NO_COUNTY_MATCH.format(typed="火星")
    assert chat.state is State.COUNTY


# --- description, photos, location ----------------------------------------------------------


def test_too_short_a_description_is_refused(chat: Chat) -> None:
    at_description(chat)
    assert "太短" in chat.say("漏气")
    assert chat.state is State.DESCRIPTION


def test_too_long_a_description_is_kept_aside_with_its_real_length(chat: Chat) -> None:
    at_description(chat)
    reply = chat.say("除尘器" + "隐" * 4997)
    assert "您的描述有 5000 字，超过了 200 字的上限" in reply and "回复“保留”只保留前 200 字" in reply
    assert chat.state is State.DESCRIPTION
    assert chat.say("保留").startswith("已保留前 200 字。\n第 3 步")
    assert chat.draft.description == "除尘器" + "隐" * 197


def test_a_too_long_description_may_be_resent_shorter(chat: Chat) -> None:
    at_description(chat)
    chat.say("隐" * 201)
    assert chat.say("二号车间除尘器泄爆口朝向通道").startswith("第 3 步")
    assert chat.draft.description == "二号车间除尘器泄爆口朝向通道"


@pytest.mark.parametrize(("answer", "why"), [
    ("跳过", "隐患描述不能跳过：监管人员要凭它找到并核实隐患。"),
    ("2", "“2”不是隐患描述：这一步需要文字说明，不是选择序号。"),
    ("确认", "还没有隐患描述，暂时不能提交。"),
    ("好了", "还没有隐患描述，暂时不能进入下一步。"),
])
def test_a_refused_description_says_why_and_what_to_send(chat: Chat, answer: str, why: str) -> None:
    at_description(chat)
    reply = chat.say(answer)
    assert reply.startswith(why + "\n") and "请描述隐患情况：在哪个车间或部位、有什么问题" in reply
    assert chat.state is State.DESCRIPTION


def test_a_too_short_description_says_so_and_asks_again(chat: Chat) -> None:
    at_description(chat)
    reply = chat.say("漏油")
    assert reply.startswith("描述太短了") and "第 2 步" in reply


def test_photos_are_counted_up_to_the_limit(chat: Chat) -> None:
    at_photos(chat)
    assert chat.send(image("m1")) == texts.PHOTO_RECEIVED.format(n=1)
    assert chat.send(image("m2")) == texts.PHOTO_RECEIVED.format(n=2)
    assert chat.send(image("m3")) == texts.PHOTO_LIMIT_REACHED.format(n=3, max=3)
    assert chat.send(image("m4")) == texts.PHOTO_OVER_LIMIT.format(max=3)
    assert sorted(chat.port.photos.values()) == ["m1", "m2", "m3"]
    assert chat.draft.photo_ids == list(chat.port.photos)
    assert chat.say("好了") == texts.ASK_LOCATION


def test_a_photo_before_the_description_is_kept(chat: Chat) -> None:
    at_description(chat)
    assert chat.send(image("m1")) == texts.PHOTO_BEFORE_DESCRIPTION
    assert len(chat.draft.photo_ids) == 1
    assert chat.state is State.DESCRIPTION


def test_text_while_expecting_photos_reprompts(chat: Chat) -> None:
    at_photos(chat)
    assert chat.say("还有一张马上发") == "没看懂“还有一张马上发”。\n" + texts.PHOTOS_EXPECTED
    assert chat.state is State.PHOTOS


def test_a_shared_location_is_kept(chat: Chat) -> None:
    at_photos(chat).say("好了")
    assert chat.send(location(37.8706, 112.5489, "太原市小店区")) == texts.ASK_IDENTITY
    assert (chat.draft.location_lat, chat.draft.location_lng) == (37.8706, 112.5489)
    assert chat.draft.location_label == "太原市小店区"


def test_a_typed_address_is_kept(chat: Chat) -> None:
    at_photos(chat).say("好了")
    chat.say("北厂区三号门东侧")
    assert chat.draft.location_label == "北厂区三号门东侧"
    assert chat.state is State.IDENTITY


# --- identity and summary -------------------------------------------------------------------


def test_identity_needs_one_or_two(chat: Chat) -> None:
    at_identity(chat)
    assert chat.say("3") == texts.IDENTITY_EXPECTED
    assert chat.say("实名吧") == "没看懂“实名吧”。\n" + texts.IDENTITY_EXPECTED
    assert chat.state is State.IDENTITY


def test_named_report_asks_for_contact_and_masks_the_phone(chat: Chat) -> None:
    at_photos(chat)
    chat.send(image("m1"))
    chat.send(image("m2"))
    chat.say("好了")
    chat.send(location(37.8706, 112.5489, "太原市小店区"))
    assert chat.say("１") == texts.ASK_CONTACT
    assert chat.say("张三 13812345678") == texts.ASK_MAJOR
    assert chat.state is State.MAJOR
    summary = chat.say("1")
    assert chat.state is State.CONFIRM
    assert summary == texts.SUMMARY.format(
        enterprise="太原晋钢钢铁有限公司（小店区）",
        description="二号车间行车吊钩缺少防脱钩装置",
        photos=2,
        location="太原市小店区（37.87060, 112.54890）",
        identity="实名（张三 138****5678）",
        major="可能是重大事故隐患",
    )
    assert "13812345678" not in summary
    assert (chat.draft.reporter_name, chat.draft.reporter_phone) == ("张三", "13812345678")


def test_bad_contact_is_asked_again(chat: Chat) -> None:
    at_identity(chat).say("1")
    assert "手机号" in chat.say("张三")
    assert chat.state is State.CONTACT
    assert chat.say("跳过") == texts.CONTACT_REQUIRED


def test_anonymous_summary_has_no_identity(chat: Chat) -> None:
    at_identity(chat)
    assert chat.say("2") == texts.ASK_MAJOR
    summary = chat.say("2")
    assert chat.state is State.CONFIRM
    assert "方式：匿名" in summary
    assert "照片：0 张" in summary
    assert "位置：未提供" in summary
    assert chat.draft.anonymous is True and chat.draft.reporter_name is None


def test_a_long_description_is_shortened_in_the_summary(chat: Chat) -> None:
    at_description(chat)
    chat.say("隐" * 150)
    chat.say("跳过")
    chat.say("跳过")
    chat.say("2")
    summary = chat.say("2")
    assert "隐患：" + "隐" * 120 + "…\n" in summary
    assert chat.draft.description == "隐" * 150


# --- confirm and cancel ---------------------------------------------------------------------


def test_confirm_submits_and_returns_to_idle_keeping_photos(chat: Chat) -> None:
    at_photos(chat).send(image("m1"))
    chat.say("好了")
    chat.say("跳过")
    chat.say("1")
    chat.say("张三 13812345678")
    chat.say("2")
    reply = chat.say("确认")
    assert reply == texts.SUBMITTED.format(number="YH202611240001")
    assert chat.state is State.IDLE
    [draft] = chat.port.submitted
    assert draft.enterprise_id == 1 and draft.anonymous is False and len(draft.photo_ids) == 1
    assert chat.port.discarded == []


def test_anonymous_confirm_shows_the_query_code(chat: Chat) -> None:
    at_identity(chat).say("2")
    chat.say("2")
    reply = chat.say("确定")
    assert reply == texts.SUBMITTED_ANONYMOUS.format(number="YH202611240001", code="ABCD2345")


def test_a_refused_submission_resets_and_says_why(chat: Chat) -> None:
    chat.port.submit_error = "所选企业已不在登记库中，请回复“举报”重新开始。"
    at_photos(chat).send(image("m1"))
    chat.say("好了")
    chat.say("跳过")
    chat.say("2")
    chat.say("2")
    assert chat.say("确认") == chat.port.submit_error
    assert chat.state is State.IDLE
    assert chat.port.discarded == list(chat.port.photos)


def test_cancel_resets_and_discards_the_photos(chat: Chat) -> None:
    at_photos(chat)
    chat.send(image("m1"))
    chat.send(image("m2"))
    assert chat.say("取消") == texts.CANCELLED
    assert chat.state is State.IDLE
    assert chat.draft == ReportDraft()
    assert chat.dialogue.choices == [] and chat.dialogue.typed == ""
    assert chat.port.discarded == list(chat.port.photos)
    assert chat.port.submitted == []


def test_cancel_during_a_choice_forgets_the_list(chat: Chat) -> None:
    chat.say("举报")
    chat.say("钢铁")
    chat.say("算了")
    assert chat.state is State.IDLE
    assert chat.say("1") == "当前没有进行中的报告或填报，“1”无需回复。\n" + texts.GUIDE


def test_cancel_with_nothing_going_on(chat: Chat) -> None:
    assert chat.say("取消") == texts.NOTHING_TO_CANCEL


def test_a_new_report_after_cancel_starts_clean(chat: Chat) -> None:
    at_photos(chat).send(image("m1"))
    chat.say("取消")
    chat.say("举报")
    chat.say("华圣")
    chat.say("1")
    assert chat.draft.enterprise_id == 7
    assert chat.draft.photo_ids == [] and chat.draft.description == ""


def test_help_in_the_middle_repeats_the_question(chat: Chat) -> None:
    at_photos(chat)
    assert chat.say("帮助") == texts.HELP + "\n\n" + texts.PHOTOS_EXPECTED
    assert chat.state is State.PHOTOS


def test_unsupported_message_in_the_middle_reprompts(chat: Chat) -> None:
    at_photos(chat)
    voice = Incoming(openid="o", kind="other", create_time=1)
    assert chat.send(voice) == texts.UNSUPPORTED + "\n\n" + texts.PHOTOS_EXPECTED


# --- 查询 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("查询 YH202611240001", ("YH202611240001", None)),
        ("查询YH202611240001", ("YH202611240001", None)),
        ("查询 yh202611240001 abcd2345", ("YH202611240001", "abcd2345")),
        ("查询　ＹＨ２０２６１１２４０００１　ＡＢＣＤ２３４５", ("YH202611240001", "ABCD2345")),
        ("查询：YH202611240001", ("YH202611240001", None)),
        ("查询 YH202611240001。", ("YH202611240001", None)),
        ("查询", None),
        ("查询 进度", None),
    ],
)
def test_query_parsing(typed: str, parsed: tuple[str, str | None] | None) -> None:
    assert classify(text(typed)) is Intent.QUERY
    assert parse_query(typed) == parsed


@pytest.mark.parametrize("typed", ["查询了一下，除尘器停了", "查询结果不对"])
def test_sentences_starting_with_query_are_not_queries(typed: str) -> None:
    assert classify(text(typed)) is Intent.TEXT


def test_a_query_when_idle_answers_the_status(chat: Chat) -> None:
    assert chat.say("查询 YH202611240001 ABCD2345") == "状态：YH202611240001"
    assert chat.port.queries == [("YH202611240001", "ABCD2345")]


def test_a_query_without_a_number_explains_how(chat: Chat) -> None:
    assert chat.say("查询") == texts.QUERY_USAGE
    assert chat.port.queries == []


def test_a_query_mid_report_answers_and_keeps_the_report(chat: Chat) -> None:
    at_photos(chat)
    reply = chat.say("查询 YH202611230007")
    assert reply.startswith("状态：YH202611230007")
    assert reply.endswith(texts.PHOTOS_EXPECTED)
    assert "报告尚未提交" in reply
    assert chat.state is State.PHOTOS


def test_scan_goes_straight_to_the_description(chat: Chat) -> None:
    reply = chat.send(scan("SCAN", "e:good"))
    assert chat.state is State.DESCRIPTION and chat.draft.enterprise_id == 7
    assert "河津华圣铝业有限公司" in reply and "第 2 步" in reply
    assert not reply.startswith("您好")


def test_scan_by_a_new_follower_greets_first(chat: Chat) -> None:
    reply = chat.send(scan("subscribe_scan", "e:good"))
    assert reply.startswith("您好") and chat.state is State.DESCRIPTION


def test_scan_mid_dialogue_drops_the_draft_and_its_photos(chat: Chat) -> None:
    at_description(chat)
    chat.say("转炉水冷元件漏水")
    chat.send(image("m1"))
    reply = chat.send(scan("SCAN", "e:good"))
    assert "之前未提交的报告已放弃" in reply
    assert chat.port.discarded == [101] and chat.draft.photo_ids == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [("e:old", "此二维码已作废"), ("e:nope", "无法识别这个二维码"), ("e:officer", "已记录您到达")],
)
def test_other_scans_leave_the_dialogue_alone(chat: Chat, key: str, expected: str) -> None:
    assert expected in chat.send(scan("SCAN", key))
    assert chat.state is State.IDLE
