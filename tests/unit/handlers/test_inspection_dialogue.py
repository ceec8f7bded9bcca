"""The inspection dialogue as pure transitions over an in-memory inspection: what the
inspector types, what is recorded, what is asked next. No database."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.handlers import inspect_texts as IT
from bot.handlers.core import FindingOutcome, FinishedInspection, InspectionView, ItemView, State
from bot.handlers.incoming import Intent, classify, inspect_target
from bot.services.inspections.walks import InspectionError
from tests.unit.handlers.fake_port import Chat, FakeChat, image, text

ITEMS = ["a", "b", "c"]


@dataclass
class FakeInspections(FakeChat):
    """One inspection (id 5) of enterprise 1 with three items, kept in dicts."""

    user_role: str = "officer"
    answers: dict[str, str] = field(default_factory=dict)
    findings: list[tuple[str | None, str, list[int]]] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    is_open: bool = True
    may_inspect: bool = True
    rectifying: tuple[str, ...] = ()
    ungraded: tuple[str, ...] = ()
    levels: list[tuple[str | None, str | None]] = field(default_factory=list)

    def own_enterprise(self) -> int | None:
        return None

    def start_inspection(self, enterprise_id: int) -> InspectionView:
        if not self.may_inspect:
            raise InspectionError("您不能检查该企业")
        self.started.append(enterprise_id)
        return self.inspection(5)

    def resumable_inspection(self) -> InspectionView | None:
        return self.inspection(5) if self.started else None

    def inspection(self, inspection_id: int) -> InspectionView:
        return InspectionView(5, "太原晋钢钢铁有限公司", "市县检查", len(ITEMS), len(self.answers),
                              len(self.findings), 0, self.is_open, "共 3 项")

    def inspection_item(self, inspection_id: int, item_id: str) -> ItemView:
        recorded = {"pass": "合格", "hazard": "有隐患"}.get(self.answers.get(item_id, ""), "")
        return ItemView(item_id, ITEMS.index(item_id) + 1, len(ITEMS), f"检查项{item_id}", None,
                        "第三条第（一）项", item_id == "a", item_id != "c", recorded)

    def next_inspection_item(self, inspection_id: int, after: str | None) -> str | None:
        start = ITEMS.index(after) + 1 if after else 0
        return next((i for i in ITEMS[start:] + ITEMS[:start] if i not in self.answers), None)

    def previous_inspection_item(self, inspection_id: int, current: str | None) -> str | None:
        if current is None:
            return ITEMS[-1]
        return ITEMS[ITEMS.index(current) - 1] if ITEMS.index(current) else None

    def answer_item(self, inspection_id: int, item_id: str, result: str) -> None:
        if not self.is_open:
            raise InspectionError("本次检查已经结束。")
        self.answers[item_id] = result

    def add_finding(self, inspection_id: int, item_id: str | None, description: str,
                    photo_ids: list[int], level: str | None = None,
                    basis: str | None = None) -> FindingOutcome:
        if not self.is_open:
            raise InspectionError("本次检查已经结束。")
        if item_id:
            self.answers[item_id] = "hazard"
        self.findings.append((item_id, description, photo_ids))
        self.levels.append((level, basis))
        names = {"major": "重大事故隐患", "general": "一般隐患"}
        label = names.get(level or "", "" if item_id is None else "一般隐患")
        return FindingOutcome(f"YH2026112400{len(self.findings):02d}", label,
                              rectifying=bool(item_id or level))

    def finish_inspection(self, inspection_id: int) -> FinishedInspection:
        self.is_open = False
        return FinishedInspection(self.inspection(5), "http://x/l.xlsx", "http://x/l.pdf",
                                  rectifying=self.rectifying, ungraded=self.ungraded)


@pytest.fixture
def chat() -> Chat:
    return Chat(FakeInspections())


def walking(chat: Chat) -> Chat:
    reply = chat.say("检查 晋钢")
    assert chat.state is State.INSPECT_ITEM and "第 1/3 项【重大隐患判定项】" in reply
    return chat


def test_inspect_words_and_sentences() -> None:
    assert classify(text("检查")) is Intent.INSPECT and inspect_target("检查") is None
    assert classify(text("自查")) is Intent.INSPECT
    assert inspect_target("检查  太原晋钢") == "太原晋钢"
    assert classify(text("检查了一下除尘器")) is Intent.TEXT


def test_answers_move_on_and_a_failure_takes_a_description_and_photos(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    walking(chat)
    assert "请描述" in chat.say("2")
    assert chat.state is State.INSPECT_DESCRIPTION
    assert "太短" in chat.say("漏")
    assert "现场照片" in chat.say("检查 承包单位未纳入统一管理")  # a description, not a command
    assert "第 1 张" in chat.send(image("M1"))
    reply = chat.say("好了")
    assert reply.startswith("已登记隐患 YH202611240001（一般隐患）") and "第 2/3 项" in reply
    assert port.findings == [("a", "检查 承包单位未纳入统一管理", [101])]
    reply = chat.say("3")
    assert "第 3/3 项" in reply and "（条文待核对）" in reply
    assert "所有检查项均已记录" in chat.say("跳过")
    assert port.answers == {"a": "hazard", "b": "not_applicable", "c": "skipped"}


def test_back_extra_and_unknown_answers(chat: Chat) -> None:
    walking(chat)
    assert "已经是第一项" in chat.say("返回")
    chat.say("1")
    reply = chat.say("返回")
    assert "第 1/3 项" in reply and "（已记录：合格）" in reply
    assert "没有看懂" in chat.say("好像还行")
    assert "清单外隐患" in chat.say("补充")
    chat.say("厂区道路积水结冰")
    assert "这条清单外隐患的等级" in chat.say("跳过")  # no photos; then the level
    reply = chat.say("跳过")
    assert "已登记隐患" in reply and "（待定级），检查结束后请定级" in reply
    assert "第 1/3 项" in reply  # back where the walk was
    assert "第 1/3 项" in chat.send(image("M9")).split("\n\n")[-1]  # a stray photo: the item again


def test_finish_early_needs_a_confirmation(chat: Chat) -> None:
    walking(chat).say("1")
    assert "还有 2 项未检查" in chat.say("完成")
    assert "第 2/3 项" in chat.say("返回")
    chat.say("完成")
    reply = chat.say("确认")
    assert "检查已结束" in reply and "http://x/l.pdf" in reply and chat.state is State.IDLE


def test_pause_and_resume(chat: Chat) -> None:
    walking(chat).say("1")
    assert "已暂停检查" in chat.say("取消") and chat.state is State.IDLE
    reply = chat.say("检查")
    assert "继续检查：已完成 1/3 项" in reply and "第 2/3 项" in reply


def test_ended_by_the_other_inspector(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    walking(chat)
    chat.say("2")
    chat.say("吊车限位失效")
    port.is_open = False
    assert chat.say("跳过") == "本次检查已经结束（可能已由其他检查人员结束）。"
    assert chat.state is State.IDLE and port.discarded == []


def test_refused_and_unknown(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    assert "请回复“检查 企业名称”" in chat.say("检查")
    assert "没有找到“不存在的厂”" in chat.say("检查 不存在的厂")
    assert "请回复序号" in chat.say("检查 钢铁")
    assert chat.state is State.INSPECT_CHOOSE
    port.may_inspect = False
    assert chat.say("2") == "您不能检查该企业"


def _number(i: int) -> str:
    return f"YH20261124{i:04d}"


def test_the_end_names_what_went_to_rectification_and_what_to_grade(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    port.rectifying = (_number(1),)
    port.ungraded = tuple(_number(i) for i in range(2, 15))  # 13 free findings
    port.findings = [("a", "x", [])]
    walking(chat).say("完成")
    reply = chat.say("确认")
    assert f"转企业整改（已向企业负责人发出整改通知）：{_number(1)}。" in reply
    lines = [line for line in reply.splitlines() if line.startswith("定级 ")]
    assert lines == [f"定级 {_number(i)} 重大|一般" for i in range(2, 12)]
    assert "……另有 3 条" in reply and len(reply.encode()) <= 2048


def test_a_managers_end_sends_him_to_his_plan(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    port.user_role = "manager"
    port.rectifying, port.ungraded = (_number(1),), (_number(2),)
    port.findings = [("a", "x", [])]
    walking(chat).say("完成")
    reply = chat.say("确认")
    assert f"已列入本企业整改：{_number(1)}。" in reply and "回复“整改 编号”" in reply
    assert f"待属地监管部门定级：{_number(2)}。" in reply and "定级 YH" not in reply


def test_an_officer_gives_a_free_finding_its_level_as_he_records_it(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    walking(chat).say("补充")
    chat.say("厂区道路积水结冰")
    assert chat.say("好了") == IT.ASK_LEVEL and chat.state is State.INSPECT_LEVEL
    assert chat.say("很严重").startswith(IT.LEVEL_EXPECTED)
    reply = chat.say("重大 4.4")
    assert reply.startswith("已登记隐患 YH202611240001（重大事故隐患），已定级，转入整改")
    chat.say("补充")
    chat.say("配电室门口堆放杂物")
    chat.say("跳过")
    assert "（一般隐患），已定级" in chat.say("1")
    assert port.levels == [("major", "4.4"), ("general", None)]


def test_a_manager_is_not_asked_the_level_of_a_free_finding(chat: Chat) -> None:
    port: FakeInspections = chat.port  # type: ignore[assignment]
    port.user_role = "manager"
    walking(chat).say("补充")
    chat.say("厂区道路积水结冰")
    reply = chat.say("跳过")
    assert "（待定级），由属地监管部门定级" in reply and port.levels == [(None, None)]
