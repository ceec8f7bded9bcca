"""The duplicate hint at the summary of a report, and 补充: adding it to an open report instead.

At 请核对, when the enterprise has open reports of the last 30 days that the description likely
repeats (at most two, ``ChatPort.similar_reports``), the summary ends with them and the choice:
``补充`` (``补充 1`` / ``补充 2`` when there are two) adds the text, photos and recordings to that
report (``ChatPort.supplement``); ``确认`` still files a new report, as before.
"""

from __future__ import annotations

import re

from bot.handlers.core import ChatPort, Dialogue, reset
from bot.handlers.incoming import Incoming, fold
from bot.services.reporting.reports import ReportDraft, ReportError

SIMILAR_KEY = "similar"  # d.data: the numbers offered, in the order shown
MAX_REPLY_BYTES = 2048
_SUPPLEMENT = re.compile(r"^(?:补充|补充到该报告|补充到这个报告|补充报告)\s*(?P<n>[12])?$")

SIMILAR_ONE = (
    "\n\n该企业已有类似报告 {number}（状态：{state}，{date}报告）：{excerpt}\n"
    "回复“补充”把您的内容补充到该报告；回复“确认”仍作为新报告提交。"
)
SIMILAR_MANY = (
    "\n\n该企业已有类似报告：\n{lines}\n"
    "回复“补充 1”或“补充 2”把您的内容补充到相应报告；回复“确认”仍作为新报告提交。"
)
SIMILAR_LINE = "{n}. {number}（状态：{state}，{date}报告）：{excerpt}"
WHICH = "该企业有两份类似报告，请回复“补充 1”或“补充 2”选择，或回复“确认”作为新报告提交。"
CONFIRM_OR_SUPPLEMENT = "请回复“确认”作为新报告提交，回复“补充”补充到已有报告，或回复“取消”放弃。"
DONE_NAMED = (
    "已补充到报告 {number}（{enterprise}），谢谢您！\n"
    "您的描述{evidence}已加入该报告，监管部门会一并核实处理，不另设编号。"
    "该报告的办理进展会通知您，回复“查询 {number}”可随时查看。"
)
DONE_ANONYMOUS = (
    "已补充到报告 {number}（{enterprise}），谢谢您！\n"
    "您的描述{evidence}已匿名加入该报告，监管部门会一并核实处理，不另设编号。"
    "匿名补充不留身份信息，不会收到办理通知，也没有查询码。"
)
EVIDENCE = "和 {n} 个照片、录音等附件"


def _date(on: object) -> str:
    return f"{on:%m月%d日}"


def offer(d: Dialogue, port: ChatPort, summary: str) -> str:
    """The summary, followed by the open reports it likely repeats (remembered for 补充); one
    only when two would not fit in a reply."""
    found = port.similar_reports(d.draft)
    d.data.pop(SIMILAR_KEY, None)
    if not found:
        return summary
    one = found[0]
    single = summary + SIMILAR_ONE.format(number=one.number, state=one.state_label,
                                          date=_date(one.reported_on), excerpt=one.excerpt)
    text = single
    if len(found) > 1:
        lines = "\n".join(SIMILAR_LINE.format(n=i, number=s.number, state=s.state_label,
                                              date=_date(s.reported_on), excerpt=s.excerpt)
                          for i, s in enumerate(found, 1))
        text = summary + SIMILAR_MANY.format(lines=lines)
    if len(text.encode()) > MAX_REPLY_BYTES:
        found, text = found[:1], single
    d.data[SIMILAR_KEY] = [s.number for s in found]
    return text


def prompt(d: Dialogue) -> str | None:
    """The question at 请核对 when reports were offered; None when none were."""
    return CONFIRM_OR_SUPPLEMENT if d.data.get(SIMILAR_KEY) else None


def step(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """Text at 请核对: 补充 [n] adds the draft to the offered report; "" for any other text
    (the caller refuses it as before)."""
    offered: list[str] = d.data.get(SIMILAR_KEY) or []
    match = _SUPPLEMENT.match(fold(msg.text).replace("：", " "))
    if not offered or match is None:
        return ""
    n = int(match["n"]) if match["n"] else (1 if len(offered) == 1 else 0)
    if not 1 <= n <= len(offered):
        return WHICH
    try:
        done = port.supplement(d.draft, offered[n - 1])
    except ReportError as exc:
        d.data.pop(SIMILAR_KEY, None)  # that report is gone: 确认 or 取消 now
        return str(exc)
    d.draft = ReportDraft()  # its photos belong to the hazard now: not discarded
    reset(d, port)
    evidence = EVIDENCE.format(n=done.attachments) if done.attachments else ""
    template = DONE_ANONYMOUS if done.anonymous else DONE_NAMED
    return template.format(number=done.number, enterprise=done.enterprise, evidence=evidence)
