"""Officers and managers act in chat: "受理 YH…", "定级 重大 …", "待办", "绑定 <code>",
"解绑" (asked, then "解绑 确认"); and a worker says "我是员工".

``run_command`` parses the message (``commands.py``), fills in the hazard last notified when
no number was typed, calls the matching service through the port and answers with a short
confirmation, or with the service's refusal as it is. Who may do what on which hazard is
decided by the services; here only who gets the command list at all.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.handlers import plan, texts
from bot.handlers.commands import Command, CommandError, parse_command
from bot.handlers.core import ChatPort, Dialogue, Outcome, State, reset, shorten
from bot.handlers.incoming import Incoming
from bot.handlers.prompts import prompt
from bot.handlers.weekly import weekly_step
from bot.services.forms.campaigns import ReportError
from bot.services.forms.periods import StatsError
from bot.services.hazards import workflow_texts
from bot.services.hazards.lifecycle import WorkflowError
from bot.services.people.bindings import BindingError

PENDING_OFFSET = "pending_offset"  # where "更多" goes on from
PENDING_PAGE = 10
PENDING_NAME_CHARS = 16
PENDING_LINES_BYTES = 1700  # the lines of one page; the head and foot fit in the rest of 2,048
_NO_NUMBER = frozenset({"pending", "pending_more", "bind", "unbind", "weekly"})
_MANAGER_FLOWS = frozenset({"plan", "proof"})


def command_step(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """A command in any state; an unfinished dialogue goes on afterwards."""
    before = d.state
    reply = run_command(d, msg, port)
    if before is State.IDLE or d.state is not before:
        return reply
    return reply + "\n\n" + prompt(d, port)


def declare_worker_step(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """"我是员工" after scanning the plant's code: his reports about it are 内部报告."""
    enterprise_id = d.data.get("scanned_enterprise_id")
    if d.state.flow != "report" or enterprise_id is None:
        reply = texts.WORKER_NEEDS_SCAN
    else:
        try:
            reply = texts.WORKER_DECLARED.format(enterprise=port.declare_worker(int(enterprise_id)))
        except BindingError as exc:
            reply = str(exc)
    return reply if d.state is State.IDLE else reply + "\n\n" + prompt(d, port)


def run_command(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Answer one command; starts the manager's plan or proof dialogue for 整改/提交整改."""
    role = port.role()
    typed = msg.text.strip()
    if role not in ("officer", "manager") and not typed.startswith(("绑定", "解绑")):
        return texts.NOT_BOUND
    try:
        command = parse_command(msg.text, today=port.today())
    except CommandError as exc:
        return str(exc)
    # Officers too: for an enterprise with no bound manager they file on its behalf (the
    # service refuses them where a manager is bound).
    if command.verb in _MANAGER_FLOWS and role not in ("manager", "officer"):
        return texts.MANAGER_ONLY
    number = command.number
    if number is None and command.verb not in _NO_NUMBER:
        number = port.last_notified_number()
        if number is None:
            return texts.NEED_NUMBER.format(example=texts.USAGE[command.verb].removeprefix("用法："))
    try:
        if command.verb in _MANAGER_FLOWS:
            return plan.start(d, command.verb, number or "", port)
        if command.verb == "unbind":
            return _unbind(d, port, command)
        if command.verb in ("pending", "pending_more"):
            return _pending(d, port, command.verb == "pending_more")
        return _ACTIONS[command.verb](port, command, number or "")
    except (WorkflowError, BindingError, ReportError, StatsError) as exc:
        return _naming_the_command(str(exc), number or "编号")


def _naming_the_command(refusal: str, number: str) -> str:
    """A service's "请先…" said for every channel, in chat with the command to send."""
    chat_form = texts.FIRST_SEND.get(refusal)
    return chat_form.format(number=number) if chat_form else refusal


def _done(verb: str, outcome: Outcome, **extra: str) -> str:
    return texts.DONE[verb].format(
        number=outcome.number, state=outcome.state_label, level=outcome.level_label,
        deadline=outcome.deadline, unit=outcome.supervising_unit, **extra,
    )


def _deadline_done(outcome: Outcome) -> str:
    """限期 answered with both dates when the plan's earlier one drives the reminders."""
    if outcome.officer_deadline:
        return _done("deadline_with_plan", outcome, officer_deadline=outcome.officer_deadline)
    return _done("deadline", outcome)


def _classify(port: ChatPort, c: Command, number: str) -> str:
    """定级 with a level grades; a bare "定级 编号" shows how, and which clauses may apply."""
    if c.level:
        return _done("classify", port.classify(number, c.level, c.basis))
    hints = port.classify_hints(number)
    found = workflow_texts.CLAUSE_HINTS.format(lines=hints).rstrip("\n") if hints else texts.NO_CLAUSE_HINT
    return texts.CLASSIFY_HOW.format(number=number) + found


def _bind(port: ChatPort, c: Command, number: str) -> str:
    bound = port.bind(c.code)
    return texts.BOUND.format(
        name=f"{bound.name}，" if bound.name else "", role=texts.ROLE_LABELS.get(bound.role, bound.role),
        scope=bound.scope,
    )


def _unbind(d: Dialogue, port: ChatPort, c: Command) -> str:
    """"解绑" shows what would be lost and asks; "解绑 确认" gives the role up and ends any
    dialogue begun under it (an inspection walk, a plan)."""
    current = port.bound_role()
    if current is None:
        return texts.UNBIND_NOTHING
    label = texts.ROLE_LABELS.get(current, current)
    if c.action != "confirm":
        return texts.UNBIND_ASK.format(role=label)
    handed_over = port.unbind()
    reset(d, port)
    return texts.UNBOUND.format(role=label, handover=texts.UNBOUND_HANDOVER if handed_over else "")


def _pending(d: Dialogue, port: ChatPort, more: bool) -> str:
    """待办, a page at a time with the true total; "更多" is the next page. Each page stops at
    what fits in one WeChat text, whatever the enterprises' names."""
    offset = int(d.data.get(PENDING_OFFSET, 0)) if more else 0
    if more and not offset:
        return texts.PENDING_NO_MORE
    items, total = port.pending(offset, PENDING_PAGE)
    if not items:
        d.data.pop(PENDING_OFFSET, None)
        return texts.PENDING_NO_MORE if more else texts.PENDING_EMPTY
    lines: list[str] = []
    for i, item in enumerate(items, offset + 1):
        line = texts.PENDING_LINE.format(
            i=i, number=item.number, enterprise=shorten(item.enterprise, PENDING_NAME_CHARS),
            state=item.state_label, waiting=item.urgency or "已等" + item.waiting,
        )
        if len("\n".join([*lines, line]).encode()) > PENDING_LINES_BYTES:
            break
        lines.append(line)
    end = offset + len(lines)
    if end < total:
        d.data[PENDING_OFFSET] = end
        foot = texts.PENDING_MORE.format(start=offset + 1, end=end, rest=total - end)
    else:
        d.data.pop(PENDING_OFFSET, None)
        foot = texts.PENDING_END.format(start=offset + 1, end=end)
    return texts.PENDING_LIST.format(count=total, lines="\n".join(lines)) + foot


def _reporter(port: ChatPort, c: Command, number: str) -> str:
    view = port.reporter(number)
    if view.anonymous:
        return texts.REPORTER_ANONYMOUS.format(number=number)
    return texts.REPORTER_NAMED.format(
        number=number, name=view.name or "", phone=view.phone or "",
        source=workflow_texts.SOURCE_NAMES.get(view.source, view.source),
    )


def _penalty(port: ChatPort, c: Command, number: str) -> str:
    assert c.penalty is not None
    return texts.PENALTY_RECORDED.format(number=number, summary=port.record_penalty(number, c.penalty))


def _reward(port: ChatPort, c: Command, number: str) -> str:
    port.reward(number, c.action)
    return texts.REWARD_DONE[c.action].format(number=number)


_ACTIONS: dict[str, Callable[[ChatPort, Command, str], str]] = {
    "acknowledge": lambda port, c, n: _done("acknowledge", port.acknowledge(n)),
    "reject": lambda port, c, n: _done("reject", port.reject(n, c.reason)),
    "classify": lambda port, c, n: _classify(port, c, n),
    "deadline": lambda port, c, n: _deadline_done(port.set_deadline(n, c.deadline)),  # type: ignore[arg-type]
    "supervise": lambda port, c, n: _done("supervise", port.supervise(n)),
    "verify": lambda port, c, n: _done("verify", port.verify(n)),
    "send_back": lambda port, c, n: _done("send_back", port.send_back(n, c.reason)),
    "merge": lambda port, c, n: _done("merge", port.merge(n, c.into), into=c.into),
    "reporter": _reporter,
    "penalty": _penalty,
    "reward": _reward,
    "bind": _bind,
    "weekly": lambda port, c, n: weekly_step(port, c.action, c.row, c.reason),
}
