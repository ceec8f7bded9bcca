"""Officers' and managers' chat commands, parsed from what they type on a phone.

``parse_command("定级 YH202611240001 重大 第四条第（一）项", today=…)`` gives a ``Command``;
a malformed one raises ``CommandError`` whose message says how to write it. A command
without a hazard number has ``number=None``: it means the hazard the person was last told
about. Parsing only: what a command may do is decided by ``bot/services/hazards/lifecycle.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.handlers import texts
from bot.handlers.incoming import COMMAND_WORDS, fold
from bot.services.forms.campaigns import TEXT_ROWS
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.lifecycle import PenaltyDraft, WorkflowError
from bot.services.hazards.penalties import money_wan

VERBS = {
    "受理": "acknowledge", "不予受理": "reject", "定级": "classify", "限期": "deadline",
    "督办": "supervise", "验收": "verify", "销号": "verify", "退回": "send_back",
    "合并": "merge", "待办": "pending", "举报人": "reporter", "处罚": "penalty",
    "奖励": "reward", "整改": "plan", "提交整改": "proof", "绑定": "bind", "解绑": "unbind",
    "方案": "plan", "整改完成": "proof",  # words managers may remember from paper forms
    "周报": "weekly",
    "更多": "pending_more",  # the next page of 待办
    T.CMD_ACK: "acknowledge", T.CMD_REJECT: "reject", T.CMD_PLAN: "plan", T.CMD_PROOF: "proof",
    T.CMD_VERIFY: "verify", T.CMD_SEND_BACK: "send_back",
}
_NUMBER = re.compile(r"^[A-Za-z]{2}\d{4,}$")
_LEVELS = {
    "重大": "major", "重大隐患": "major", "重大事故隐患": "major", "一般": "general", "一般隐患": "general",
}
_REWARD_ACTIONS = {"批准": "approve", "审批": "approve", "发放": "pay", "已发放": "pay"}
_FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SHORT_DATE = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
_SEPARATORS = re.compile(r"[\s,，;；、]+")
MAX_REASON_CHARS = 500
MAX_WEEKLY_TEXT_CHARS = 1000
# 周报 <word>: what the officer wants done with this week's table.
WEEKLY_ACTIONS = {"确认": "confirm", "报送": "confirm", "确认报送": "confirm", "提交": "confirm",
                  "进度": "progress", "报送进度": "progress", "报送情况": "progress"}

# 处罚 key words → PenaltyDraft fields: fines in 万元, and the measures taken.
FINES = {"企业罚款": "fine_enterprise_wan", "负责人罚款": "fine_principal_wan"}
MEASURES = {
    "责令整改": "ordered_rectification", "责令限期整改": "ordered_rectification",
    "限期整改": "ordered_rectification", "停产整顿": "suspended", "停产整改": "suspended",
    "暂扣证照": "license_revoked", "吊销证照": "license_revoked", "暂扣吊销证照": "license_revoked",
    "关闭取缔": "closed_down", "取缔关闭": "closed_down", "移送司法": "judicial_transfer",
    "联合惩戒": "joint_punishment",
}
_NOTE = re.compile(r"备注\s*[=:：＝]\s*")


class CommandError(ValueError):
    """A command that could not be understood; the message says how to write it."""


@dataclass(frozen=True)
class Command:
    verb: str  # one of VERBS' values
    number: str | None = None  # None: the hazard last notified
    reason: str = ""  # 不予受理, 退回
    level: str = ""  # 定级: general | major
    basis: str | None = None  # 定级: 判定依据
    deadline: date | None = None  # 限期
    into: str = ""  # 合并: the hazard kept
    penalty: PenaltyDraft | None = None  # 处罚
    action: str = ""  # 奖励: approve | pay
    code: str = ""  # 绑定
    row: str = ""  # 周报: the free-text row (部署推进, 宣传曝光, 存在问题, 意见建议)


def parse_command(text: str, *, today: date) -> Command:
    """The command in ``text`` (which ``incoming.classify`` found to be one).

    Numbers, dates and key words are read folded (full-width to half-width); reasons and
    判定依据 are kept as typed.

    :param today: the local date, which a date without a year ("12月31日") is read against.
    """
    typed = text.strip()
    word = next((w for w in COMMAND_WORDS if typed.startswith(w)), None)
    if word is None:
        raise CommandError(texts.COMMANDS_HELP)
    verb = VERBS[word]
    rest = typed[len(word):].lstrip(" \u3000:：,，")
    try:
        return _PARSERS[verb](verb, rest, today)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{texts.USAGE[verb]}") from None


def _head(rest: str) -> tuple[str, str]:
    """The first word (folded) and the rest as typed."""
    parts = rest.split(maxsplit=1)
    if not parts:
        return "", ""
    return fold(parts[0]), (parts[1].strip() if len(parts) > 1 else "")


def _split_number(rest: str) -> tuple[str | None, str]:
    """A leading hazard number, and what follows it."""
    head, tail = _head(rest)
    if _NUMBER.match(head):
        return head.upper(), tail
    return None, rest.strip()


def _bare(verb: str, rest: str, today: date) -> Command:
    number, tail = _split_number(rest)
    if tail:
        raise CommandError(f"看不懂“{tail[:20]}”。")
    return Command(verb, number)


def _with_reason(verb: str, rest: str, today: date) -> Command:
    number, reason = _split_number(rest)
    if len(reason) < 2:
        raise CommandError("请写明理由。")
    if len(reason) > MAX_REASON_CHARS:
        raise CommandError(f"理由太长了，请精简到 {MAX_REASON_CHARS} 字以内。")
    return Command(verb, number, reason=reason)


def _classify(verb: str, rest: str, today: date) -> Command:
    """定级 编号 重大|一般 [判定依据]; 定级 编号 alone asks which clauses may apply (level "")."""
    number, tail = _split_number(rest)
    word, basis = _head(tail)
    if not word and number is not None:
        return Command(verb, number)
    if word not in _LEVELS:
        raise CommandError("请写明级别：重大 或 一般。")
    if len(basis) > MAX_REASON_CHARS:
        raise CommandError(f"判定依据太长了，请精简到 {MAX_REASON_CHARS} 字以内。")
    return Command(verb, number, level=_LEVELS[word], basis=basis or None)


def _deadline(verb: str, rest: str, today: date) -> Command:
    number, tail = _split_number(rest)
    if not tail:
        raise CommandError("请写明整改期限。")
    return Command(verb, number, deadline=parse_date(tail, today=today))


def _merge(verb: str, rest: str, today: date) -> Command:
    numbers = [fold(t).upper() for t in rest.split()]
    if not 1 <= len(numbers) <= 2 or not all(_NUMBER.match(n) for n in numbers):
        raise CommandError("请写明要并入的隐患编号。")
    if len(numbers) == 1:
        return Command(verb, None, into=numbers[0])
    return Command(verb, numbers[0], into=numbers[1])


def _penalty(verb: str, rest: str, today: date) -> Command:
    number, tail = _split_number(rest)
    return Command(verb, number, penalty=parse_penalty(tail))


def _reward(verb: str, rest: str, today: date) -> Command:
    action, tail = _head(rest)
    if action not in _REWARD_ACTIONS:
        raise CommandError("请写明“批准”或“发放”。")
    command = _bare(verb, tail, today)
    return Command(verb, command.number, action=_REWARD_ACTIONS[action])


def _bind(verb: str, rest: str, today: date) -> Command:
    if not rest.strip():
        raise CommandError("请在“绑定”后写上管理员发给您的绑定码。")
    return Command(verb, code=rest.strip())


def _unbind(verb: str, rest: str, today: date) -> Command:
    """"解绑" asks; "解绑 确认" does it (a role lost is only regained with a new code)."""
    typed = fold(rest)
    if not typed:
        return Command(verb, action="ask")
    if typed in ("确认", "确定"):
        return Command(verb, action="confirm")
    raise CommandError(f"看不懂“{rest.strip()[:20]}”。")


def _weekly(verb: str, rest: str, today: date) -> Command:
    """"周报", "周报 确认", "周报 进度", "周报 存在问题 <text>" (the text as typed)."""
    typed = rest.strip()
    if not typed:
        return Command(verb, action="show")
    for row in TEXT_ROWS:
        if typed.startswith(row):
            text = typed[len(row):].lstrip(" \u3000:：,，").strip()
            if not text:
                raise CommandError(f"请在“{row}”后写上内容。")
            if len(text) > MAX_WEEKLY_TEXT_CHARS:
                raise CommandError(f"内容太长了，请精简到 {MAX_WEEKLY_TEXT_CHARS} 字以内。")
            return Command(verb, action="text", row=row, reason=text)
    word = fold(typed)
    if word in WEEKLY_ACTIONS:
        return Command(verb, action=WEEKLY_ACTIONS[word])
    raise CommandError(f"看不懂“{typed[:20]}”。")


_PARSERS = {
    "acknowledge": _bare, "supervise": _bare, "verify": _bare, "pending": _bare, "pending_more": _bare,
    "reporter": _bare, "plan": _bare, "proof": _bare,
    "reject": _with_reason, "send_back": _with_reason,
    "classify": _classify, "deadline": _deadline, "merge": _merge, "penalty": _penalty,
    "reward": _reward, "bind": _bind, "unbind": _unbind, "weekly": _weekly,
}


def parse_date(text: str, *, today: date) -> date:
    """2026-12-31, 2026/12/31, 2026年12月31日, 12月31日, 12-31: a date without a year is the
    next such day from ``today`` on."""
    typed = fold(text).replace(" ", "")
    try:
        if match := _FULL_DATE.match(typed):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _SHORT_DATE.match(typed):
            found = date(today.year, int(match[1]), int(match[2]))
            return found if found >= today else found.replace(year=today.year + 1)
    except ValueError:
        raise CommandError(f"日期“{typed[:20]}”不存在，请核对。") from None
    raise CommandError(f"看不懂日期“{typed[:20]}”，请写成 2026-12-31 或 12月31日。")


def parse_wan(text: str, *, error: str) -> Decimal:
    """An amount in 万元 as typed: "5", "2.5", "0.5万元" (the service's rule: not negative,
    at most two decimals); ``error`` says which amount was wrong."""
    typed = fold(text).replace(" ", "").removesuffix("元").removesuffix("万")
    try:
        return money_wan(typed, error=error)
    except WorkflowError as exc:
        raise CommandError(str(exc)) from None


def parse_penalty(text: str) -> PenaltyDraft:
    """"企业罚款=5 负责人罚款=1 停产整顿 备注=…" → a ``PenaltyDraft`` (fines in 万元)."""
    body, note = text, None
    if match := _NOTE.search(text):
        body, note = text[: match.start()], text[match.end():].strip()[:MAX_REASON_CHARS] or None
    values: dict[str, object] = {}
    for token in filter(None, _SEPARATORS.split(fold(body))):
        if token in MEASURES:
            values[MEASURES[token]] = True
            continue
        key = next((k for k in FINES if token.startswith(k)), None)
        if key is None:
            raise CommandError(f"看不懂“{token[:20]}”。")
        values[FINES[key]] = parse_wan(token[len(key):].lstrip("=:"), error=T.FINE_INVALID)
    if not values:
        raise CommandError("请写明处罚内容。")
    return PenaltyDraft(note=note, **values)  # type: ignore[arg-type]
