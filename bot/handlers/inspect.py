"""The inspection dialogue: an officer (or a manager, for 企业自查) walks the checklist.

"检查 <企业>" (or "检查" after scanning the enterprise's code, or "自查" for a manager) starts
the inspection, joins the one already open there, or resumes it; then one item at a time:
``1`` 合格, ``2`` 有隐患 (a description, then photos: the hazard is recorded at once), ``3``
不适用, ``跳过``, ``返回`` (the item before), ``补充`` (a finding outside the list: an officer
then gives its level, ``一般`` or ``重大 [判定依据]``, or ``跳过`` to 定级 it later), ``完成``.
Everything is stored as it is answered, so "取消", an idle timeout or a lost phone only
pause the walk: "检查" later goes on at the first item nobody has answered.
"""

from __future__ import annotations

from bot.handlers import inspect_texts as IT
from bot.handlers.core import (
    ChatPort,
    Dialogue,
    FinishedInspection,
    InspectionView,
    State,
    Step,
    collect_photo,
    reset,
)
from bot.handlers.incoming import Incoming, Intent, fold, inspect_target
from bot.services.inspections.walks import InspectionError

_RESULTS = {"1": "pass", "合格": "pass", "3": "not_applicable", "不适用": "not_applicable",
            "跳过": "skipped"}
_HAZARD = {"2", "有隐患", "不合格"}
_BACK = {"返回", "上一项", "上一步"}
_EXTRA = {"补充", "补充隐患", "其他隐患"}
_FINISH = {"完成", "结束", "结束检查", "检查完成"}
_LEVELS = {"1": "general", "一般": "general", "一般隐患": "general",
           "2": "major", "重大": "major", "重大隐患": "major", "重大事故隐患": "major"}


def command_step(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """"检查 [企业]" / "自查" in any state."""
    if d.state.flow in ("plan", "proof"):
        return IT.BUSY
    name = inspect_target(msg.text)
    if d.state.flow == "inspect" and not name and not d.data.get("inspect_enterprise_id"):
        return prompt(d, port)  # "检查" mid-walk: where am I? (a scan elsewhere switches over)
    if name:
        found = port.find_enterprises(name)
        if not found:
            return IT.NO_MATCH.format(typed=name[:50])
        exact = [c for c in found if c.label.startswith(name + "（")]
        found = exact if len(exact) == 1 else found
        if len(found) > 1:
            reset(d, port)
            d.choices = [c.key for c in found]
            d.state = State.INSPECT_CHOOSE
            return IT.CHOICES.format(lines="\n".join(f"{i}. {c.label}" for i, c in enumerate(found, 1)))
        return _start(d, int(found[0].key), port)
    offered = d.data.get("inspect_enterprise_id") or port.own_enterprise()
    if offered:
        return _start(d, int(offered), port)
    view = port.resumable_inspection()
    if view is None:
        return IT.USAGE
    reset(d, port)
    return _walk(d, view, port, IT.RESUMED)


def _chosen(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    n = int(fold(msg.text))
    if not 1 <= n <= len(d.choices):
        return IT.CHOOSE.format(high=len(d.choices))
    enterprise_id = int(d.choices[n - 1])
    return _start(d, enterprise_id, port)


def _start(d: Dialogue, enterprise_id: int, port: ChatPort) -> str:
    try:
        view = port.start_inspection(enterprise_id)
    except InspectionError as exc:
        return str(exc)
    reset(d, port)  # a report draft in progress gives way to the inspection
    header = IT.RESUMED if view.answered or view.findings else IT.STARTED
    return _walk(d, view, port, header)


def _walk(d: Dialogue, view: InspectionView, port: ChatPort, header: str) -> str:
    d.data = {"inspection_id": view.id}
    intro = header.format(stage=view.stage, enterprise=view.enterprise, total=view.total,
                          answered=view.answered, findings=view.findings)
    return intro + _go_next(d, port, after=None)


def _go_next(d: Dialogue, port: ChatPort, *, after: str | None) -> str:
    """Move to the next unanswered item (or the end) and ask it."""
    item_id = port.next_inspection_item(d.data["inspection_id"], after)
    d.data["item_id"] = item_id
    d.state = State.INSPECT_ITEM
    return prompt(d, port)


def prompt(d: Dialogue, port: ChatPort) -> str:
    if d.state is State.INSPECT_CHOOSE:
        return IT.CHOOSE.format(high=len(d.choices))
    inspection_id = int(d.data["inspection_id"])
    if d.state is State.INSPECT_DESCRIPTION:
        return IT.ASK_DESCRIPTION if d.data.get("finding_item") else IT.ASK_FREE_DESCRIPTION
    if d.state is State.INSPECT_PHOTOS:
        return IT.ASK_PHOTOS.format(max=port.max_photos)
    if d.state is State.INSPECT_LEVEL:
        return IT.ASK_LEVEL
    if d.state is State.INSPECT_FINISH:
        view = port.inspection(inspection_id)
        return IT.CONFIRM_FINISH.format(left=view.total - view.answered)
    item_id = d.data.get("item_id")
    if item_id is None:
        return IT.ALL_ANSWERED.format(findings=port.inspection(inspection_id).findings)
    item = port.inspection_item(inspection_id, item_id)
    return IT.ITEM.format(
        index=item.index, total=item.total, major=IT.MAJOR_MARK if item.major else "", text=item.text,
        unverified="" if item.verbatim else IT.UNVERIFIED,
        focus=IT.FOCUS.format(focus=item.focus) if item.focus else "", basis=item.basis,
        recorded=IT.RECORDED.format(result=item.recorded) if item.recorded else "",
    )


def _guarded(step: Step) -> Step:
    """Every step refuses the same way when the inspection was ended meanwhile."""

    def run(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
        try:
            return step(d, msg, port)
        except InspectionError as exc:
            if not port.inspection(int(d.data["inspection_id"])).open:
                reset(d, port)
                return IT.ENDED_ELSEWHERE
            return f"{exc}\n\n{prompt(d, port)}"

    return run


def _answer(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    word = fold(msg.text)
    inspection_id = int(d.data["inspection_id"])
    item_id = d.data.get("item_id")
    if word in _BACK:
        previous = port.previous_inspection_item(inspection_id, item_id)
        if previous is None:
            return IT.FIRST_ITEM + "\n\n" + prompt(d, port)
        d.data["item_id"] = previous
        return prompt(d, port)
    if word in _EXTRA:
        d.data["finding_item"] = None
        d.state = State.INSPECT_DESCRIPTION
        return prompt(d, port)
    if word in _FINISH:
        view = port.inspection(inspection_id)
        if view.answered < view.total:
            d.state = State.INSPECT_FINISH
            return prompt(d, port)
        return _finish(d, port)
    if item_id is None:
        return IT.ANSWER_EXPECTED + "\n" + prompt(d, port)
    if word in _HAZARD:
        d.data["finding_item"] = item_id
        d.state = State.INSPECT_DESCRIPTION
        return prompt(d, port)
    result = _RESULTS.get(word)
    if result is None:
        return IT.ANSWER_EXPECTED + "\n" + prompt(d, port)
    port.answer_item(inspection_id, item_id, result)
    return _go_next(d, port, after=item_id)


def _description(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    text = msg.text.strip()
    if len(text) < 4:
        return "描述太短了，请写清楚具体部位和问题（至少 4 个字）。"
    if len(text) > port.max_description_chars:
        return f"描述太长了（{len(text)} 字），请精简到 {port.max_description_chars} 字以内。"
    d.data["description"] = text
    d.data["photo_ids"] = []
    d.state = State.INSPECT_PHOTOS
    return prompt(d, port)


def _photos_done(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if d.data.get("finding_item") is None and port.role() == "officer":
        d.state = State.INSPECT_LEVEL  # a free finding has no item to give its level: ask
        return prompt(d, port)
    return _record(d, port)


def _level(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """An officer's free finding: 一般 / 重大 [判定依据] grades it as it is recorded."""
    word, _, basis = msg.text.strip().partition(" ")
    level = _LEVELS.get(fold(word))
    if level is None:
        return IT.LEVEL_EXPECTED + "\n" + prompt(d, port)
    return _record(d, port, level=level, basis=basis.strip() or None)


def _level_skipped(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return _record(d, port)


def _record(d: Dialogue, port: ChatPort, *, level: str | None = None, basis: str | None = None) -> str:
    item_id = d.data.get("finding_item")
    outcome = port.add_finding(int(d.data["inspection_id"]), item_id, d.data["description"],
                               list(d.data.get("photo_ids", [])), level=level, basis=basis)
    d.data["photo_ids"] = []  # they belong to the hazard now: not discarded
    d.data.pop("description", None)
    d.data.pop("finding_item", None)
    if outcome.rectifying:
        then = IT.FINDING_RECTIFYING
    else:
        then = IT.FINDING_UNGRADED_MANAGER if port.role() == "manager" else IT.FINDING_UNGRADED_OFFICER
    recorded = IT.FINDING_RECORDED.format(number=outcome.number, then=then,
                                          level=outcome.level_label or IT.FINDING_UNGRADED)
    if item_id is None:  # a free finding: back to where the walk was
        d.state = State.INSPECT_ITEM
        return recorded + prompt(d, port)
    return recorded + _go_next(d, port, after=item_id)


def _confirm_finish(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return _finish(d, port)


def _back_from_finish(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    if fold(msg.text) in _BACK:
        d.state = State.INSPECT_ITEM
        return prompt(d, port)
    return prompt(d, port)


def _finish(d: Dialogue, port: ChatPort) -> str:
    done = port.finish_inspection(int(d.data["inspection_id"]))
    reset(d, port)
    view = done.view
    return IT.FINISHED.format(stage=view.stage, enterprise=view.enterprise, summary=view.summary,
                              xlsx=done.xlsx_url, pdf=done.pdf_url,
                              next_steps=_next_steps(done, manager=port.role() == "manager"))


def _next_steps(done: FinishedInspection, *, manager: bool) -> str:
    """Which findings went straight to 整改 and which still await 定级, with what to send."""
    parts = []
    if manager:
        if done.rectifying:
            parts.append(IT.NEXT_RECTIFYING_MANAGER.format(numbers=_numbers(done.rectifying)))
        if done.ungraded:
            parts.append(IT.NEXT_UNGRADED_MANAGER.format(numbers=_numbers(done.ungraded)))
        if done.rectifying or done.ungraded:
            parts.append(IT.NEXT_MANAGER_REPORTED)
        return "\n".join(parts)
    if done.rectifying:
        parts.append(IT.NEXT_RECTIFYING_OFFICER.format(numbers=_numbers(done.rectifying)).rstrip())
        if not done.managers_bound:
            parts.append(IT.NO_MANAGER.rstrip())
    if done.ungraded:
        commands = [IT.GRADE_COMMAND.format(number=n) for n in done.ungraded[:IT.LISTED]]
        if len(done.ungraded) > IT.LISTED:
            commands.append(IT.MORE_COMMANDS.format(n=len(done.ungraded) - IT.LISTED))
        parts.append(IT.NEXT_UNGRADED_OFFICER.format(commands="\n".join(commands)))
    return "\n".join(parts)


def _numbers(numbers: tuple[str, ...]) -> str:
    shown = "、".join(numbers[:IT.LISTED])
    return shown + (IT.MORE.format(n=len(numbers)) if len(numbers) > IT.LISTED else "")


def _pause(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    reset(d, port)
    return IT.PAUSED


def _reprompt(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    return prompt(d, port)


_ANSWER_INTENTS = (Intent.NUMBER, Intent.TEXT, Intent.SKIP, Intent.DONE, Intent.CONFIRM)
_ALL_STATES = (State.INSPECT_CHOOSE, State.INSPECT_ITEM, State.INSPECT_DESCRIPTION, State.INSPECT_PHOTOS,
               State.INSPECT_LEVEL, State.INSPECT_FINISH)

TRANSITIONS: dict[tuple[State, Intent], Step] = {
    (State.INSPECT_CHOOSE, Intent.NUMBER): _chosen,
    **{(State.INSPECT_ITEM, intent): _guarded(_answer) for intent in _ANSWER_INTENTS},
    (State.INSPECT_DESCRIPTION, Intent.TEXT): _description,
    (State.INSPECT_PHOTOS, Intent.IMAGE): collect_photo,
    (State.INSPECT_PHOTOS, Intent.DONE): _guarded(_photos_done),
    (State.INSPECT_PHOTOS, Intent.SKIP): _guarded(_photos_done),
    (State.INSPECT_PHOTOS, Intent.CONFIRM): _guarded(_photos_done),
    (State.INSPECT_LEVEL, Intent.TEXT): _guarded(_level),
    (State.INSPECT_LEVEL, Intent.NUMBER): _guarded(_level),
    (State.INSPECT_LEVEL, Intent.SKIP): _guarded(_level_skipped),
    (State.INSPECT_FINISH, Intent.CONFIRM): _guarded(_confirm_finish),
    (State.INSPECT_FINISH, Intent.TEXT): _back_from_finish,
    **{(state, Intent.CANCEL): _pause for state in _ALL_STATES},
}
