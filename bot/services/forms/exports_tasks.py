"""More forms as workbooks: the 2022 monthly progress table (002) and the cross-inspection
plan and summary (000 附件3, 附件4). Same shape as ``exports.py``: pure rows, then ``Sheet``s
that ``exports.write_workbook`` renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.services.forms.cross_checks import CrossPlanRow, CrossSummaryRow
from bot.services.forms.exports import Sheet, _filer
from bot.services.forms.task_lists import ProgressRow

MONTHLY_TITLE = "冶金制造安全专项整治三年行动2022年重点工作进展情况统计表"
MONTHLY_HEADERS = ("序号", "任务", "工作措施", "目标要求", "责任单位", "完成时限", "进展情况", "备注")
MONTHLY_NOTE = "说明：各市每月30日报送当月工作进展情况，重要情况随时报送。"

CROSS_PLAN_TITLE = "冶金工贸行业隐患排查整治专项行动\n市级交叉检查工作安排表"
CROSS_PLAN_HEADERS = ("序号", "检查方", "受检方", "备注")
CROSS_PLAN_NOTE = "说明：交叉检查工作原则上在 2025 年 3 月开展，具体时间由各市协商确定。"

CROSS_SUMMARY_TITLE = "冶金工贸行业隐患排查整治专项行动市级交叉检查隐患情况汇总表"
CROSS_SUMMARY_HEADERS = ("序号", "企业名称", "所在市（县、区）", "行业", "检查单位", "检查时间",
                         "一般隐患（条）", "重大事故隐患（条）", "采取的行政处罚措施", "行政处罚情况",
                         "整改完成情况", "备注")
CROSS_SUMMARY_NOTE = "说明：本表由受检市填报"

_TASK_COLUMNS = (0, 1)  # 序号, 任务: merged over a task's measures
_SHARED_COLUMNS = (3, 4, 5)  # 目标要求, 责任单位, 完成时限: merged where the task repeats them


def monthly_body(rows: Sequence[ProgressRow]) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """One row per measure; cells the notice prints once for several measures are merged.

    Returns the body (a merged cell's value only in its first row, ``None`` below) and the
    merges as (first row, first col, last row, last col), 1-based within the body.
    """
    body: list[list[Any]] = []
    for r in rows:
        t = r.task
        body.append([t.task_no, t.task, f"{t.measure_no}. {t.measure}", t.target, t.responsible_unit,
                     t.deadline, r.progress, ""])
    merges: list[tuple[int, int, int, int]] = []
    for column in (*_TASK_COLUMNS, *_SHARED_COLUMNS):
        start = 0
        for index in range(1, len(body) + 1):
            same_task = index < len(rows) and rows[index].task.task_no == rows[start].task.task_no
            if same_task and _value(rows[index], column) == _value(rows[start], column):
                continue
            if index - start > 1:
                merges.append((start + 1, column + 1, index, column + 1))
                for below in range(start + 1, index):
                    body[below][column] = None
            start = index
    return body, merges


def _value(row: ProgressRow, column: int) -> Any:
    t = row.task
    return (t.task_no, t.task, None, t.target, t.responsible_unit, t.deadline)[column]


def monthly_sheet(region_name: str, month: str, rows: Sequence[ProgressRow], filed_on: date) -> Sheet:
    body, merges = monthly_body(rows)
    year, mon = month.split("-")
    return Sheet(
        name="重点工作进展情况", title=f"{MONTHLY_TITLE}\n（{year}年{int(mon)}月）",
        filer_line=_filer(region_name, filed_on), header_rows=[list(MONTHLY_HEADERS)], merges=[],
        body=body, body_merges=merges, note=MONTHLY_NOTE, widths=(6, 16, 48, 24, 14, 12, 40, 10),
        orientation="landscape",
    )


def cross_plan_sheet(unit: str, rows: Sequence[CrossPlanRow], filed_on: date) -> Sheet:
    return Sheet(
        name="交叉检查工作安排表", title=CROSS_PLAN_TITLE, filer_line=_filer(unit, filed_on),
        header_rows=[list(CROSS_PLAN_HEADERS)], merges=[],
        body=[[r.no, r.inspector, r.inspected, r.remark] for r in rows], note=CROSS_PLAN_NOTE,
        widths=(8, 16, 16, 48), orientation="portrait",
    )


def cross_summary_body(rows: Sequence[CrossSummaryRow]) -> list[list[Any]]:
    return [
        [i, r.enterprise_name, r.place, r.industry, r.check_unit, r.checked_on, r.general, r.major,
         r.measures, r.penalty, r.completion, r.remarks]
        for i, r in enumerate(rows, start=1)
    ]


def cross_summary_sheet(region_name: str, rows: Sequence[CrossSummaryRow], filed_on: date) -> Sheet:
    return Sheet(
        name="交叉检查隐患情况汇总表", title=CROSS_SUMMARY_TITLE, filer_line=_filer(region_name, filed_on),
        header_rows=[list(CROSS_SUMMARY_HEADERS)], merges=[], body=cross_summary_body(rows),
        note=CROSS_SUMMARY_NOTE, widths=(6, 24, 16, 12, 18, 12, 12, 12, 20, 20, 16, 10),
        orientation="landscape",
    )
