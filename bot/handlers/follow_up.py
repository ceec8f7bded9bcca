"""The reporter following his reports: ``我的报告`` lists them, newest first.

Named reports only: an anonymous one keeps no link to its author, who follows it with
``查询 编号 查询码``. The list stops at what fits in one WeChat text (2,048 bytes) and says
how many it left out.
"""

from __future__ import annotations

from bot.handlers.core import ChatPort, Dialogue, State, shorten
from bot.handlers.incoming import Incoming

MAX_REPLY_BYTES = 2048
FETCH = 30  # more than ever fit in one reply: the rest are counted, not read
ENTERPRISE_CHARS = 24

MY_REPORTS_NONE = (
    "您还没有实名报告过隐患。回复“举报”即可报告。\n"
    "匿名报告不在此列，请回复“查询 编号 查询码”查看进度。"
)
MY_REPORTS_HEAD = "您的实名报告（共 {total} 件，最新的在前）："
MY_REPORTS_LINE = "{number}｜{date}｜{enterprise}｜{state}"
MY_REPORTS_MORE = "……另有 {rest} 件较早的报告未列出。"
MY_REPORTS_FOOT = "回复“查询 编号”查看详情。匿名报告请回复“查询 编号 查询码”。"
UNFINISHED = "（您正在填写的内容仍保留，可继续回复。）"


def _fits(lines: list[str]) -> bool:
    return len("\n".join(lines).encode()) <= MAX_REPLY_BYTES


def my_reports_text(port: ChatPort) -> str:
    """The list, as many lines as fit with the head, the "more" hint and the foot."""
    found, total = port.my_reports(FETCH)
    if not found:
        return MY_REPORTS_NONE
    head = [MY_REPORTS_HEAD.format(total=total)]
    body: list[str] = []
    for line in found:
        row = MY_REPORTS_LINE.format(number=line.number, date=line.reported_on.isoformat(),
                                     enterprise=shorten(line.enterprise, ENTERPRISE_CHARS),
                                     state=line.state_label)
        rest = total - len(body) - 1
        tail = ([MY_REPORTS_MORE.format(rest=rest)] if rest else []) + [MY_REPORTS_FOOT]
        if not _fits(head + body + [row] + tail):
            break
        body.append(row)
    rest = total - len(body)
    tail = ([MY_REPORTS_MORE.format(rest=rest)] if rest else []) + [MY_REPORTS_FOOT]
    return "\n".join(head + body + tail)


def my_reports_step(d: Dialogue, msg: Incoming, port: ChatPort) -> str:
    """``我的报告`` in any state: a report being written stays where it was."""
    answer = my_reports_text(port)
    return answer if d.state is State.IDLE else answer + "\n\n" + UNFINISHED
