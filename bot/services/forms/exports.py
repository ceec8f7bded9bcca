"""The campaigns' forms as workbooks that look like the attachments.

Row building (pure: figures in, cell values out) is kept apart from rendering (openpyxl), so
that the tests can check every cell without opening a workbook, and another renderer (PDF,
a web page) can reuse the rows.

* 附件1 周调度统计表: the form's four columns (序号, 类别, 要点, 备注) with the 要点 sentences
  filled in, and a second sheet "统计数据" with the same figures as numbers, one row per stage.
* The 2021 table (001): its three header rows with merged cells, 本周 and 累计, and the list of
  enterprises with major hazards.
* 附件2 重大事故隐患台账: one row per major hazard, the form's thirteen columns.

Every cell is written through ``platform.sheets``: the names and descriptions come from
reporters, and a cell beginning with "=" must stay text in a file that is filed upwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bot.services.forms.figures import STAGE_LABELS, StageFigures, WeeklyFigures
from bot.services.forms.major_ledger import LedgerRow
from bot.services.forms.periods import period_label
from bot.services.forms.two_sessions import TwoSessionsTable
from bot.services.platform.print_setup import DATE_WIDTH, Orientation, fit_row_heights, fit_widths, setup_page
from bot.services.platform.sheets import append_row

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

WEEKLY_TITLE = "冶金工贸行业隐患排查整治专项行动\n周调度统计表"
WEEKLY_HEADERS = ("序号", "类别", "要点", "备注")
WEEKLY_NOTE = ("说明：按照工作部署，周调度表每周五汇总。其中，调度事项中需要概述工作简要情况的，按每周实际"
               "工作情况填写；其余信息，填报自专项行动部署以来的累计数据，逐周累加更新。")
DATA_HEADERS = ("环节", "检查企业（家）", "一般隐患（条）", "一般隐患已整改（条）",
                "重大隐患（条）", "重大隐患已整改（条）")
PENALTY_HEADERS = ("处罚企业（家）", "处罚企业金额（万元）", "处罚主要负责人（人）",
                   "处罚主要负责人金额（万元）", "限期整改（家）", "停产整改（家）", "取缔关闭（家）")

LEDGER_TITLE = "冶金工贸行业隐患排查整治专项行动重大事故隐患台账"
LEDGER_HEADERS = ("序号", "企业名称", "所在市（县、区）", "行业类别", "检查环节", "检查单位",
                  "检查时间", "重大隐患明细", "整改措施", "挂牌督办单位", "行政处罚情况", "整改完成情况",
                  "备注")
LEDGER_NOTE = ("说明：检查环节为企业自查、市县检查、交叉检查、省级督查、群众举报；"
               "整改措施需明确整改责任、措施、资金、时限、预案；已完成整改的需在整改完成情况说明完成时间；本统计表每周五上报，为累计数据。")

TWO_SESSIONS_TITLE = "冶金工贸行业两会期间专项督查工作进展情况统计表"
TWO_SESSIONS_UNITS = ("（个）", "（家）", "发现（项）", "整改（项）", "发现（项）", "整改（项）", "（家）",
                      "（万元）", "（家）", "（个）", "（家）", "（家）", "（家）", "（家）", "（人）")
TWO_SESSIONS_NOTE = "注：请各市每周五12时前上报市县两级专项督查进展情况。"


@dataclass
class Sheet:
    """A rendered form: title, 填报单位 line, header rows with merges, body, note."""

    name: str
    title: str
    filer_line: str
    header_rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]]  # (first row, first col, last row, last col) within headers
    body: list[list[Any]]
    body_merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # within body
    note: str = ""
    widths: Sequence[float] = ()  # preferred; shrunk to fit the page (``print_setup.fit_widths``)
    orientation: Orientation = "landscape"
    tall_rows: Sequence[int] = ()  # body rows (1-based) left room to write in: the free-text rows


FREE_TEXT = ("部署推进", "宣传曝光", "存在问题", "意见建议")  # 附件1's rows the officer writes
FREE_TEXT_POINTS = 120.0  # about seven lines of room


def _free_text_rows(body: Sequence[Sequence[Any]]) -> list[int]:
    return [i for i, row in enumerate(body, start=1) if len(row) > 1 and row[1] in FREE_TEXT]


def _filer(unit: str, filed_on: date | None, period: str = "") -> str:
    """The 填报单位 line; a draft's 填报时间 is left blank ("年 月 日") as on the blank form:
    a table is filed the day it is confirmed. ``period`` names the week's dates."""
    when = f"{filed_on.year}年{filed_on.month}月{filed_on.day}日" if filed_on else "    年  月  日"
    span = f"          统计期间：{period}" if period else ""
    return f"填报单位：{unit}{span}          填报时间：{when}"


def _money(value: Any) -> Decimal:
    """An amount in 万元 to the cent; a Decimal cell is rendered with two decimals (``_render``)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def wan(value: Any) -> str:
    """An amount in 万元 as the forms write it: always two decimals (4.30, not 4.3)."""
    return f"{_money(value)}"


# --- 附件1 -----------------------------------------------------------------------------------


def _found_fixed(f: StageFigures) -> str:
    return (f"发现一般问题隐患{f.general_found}条，已整改{f.general_fixed}条；"
            f"重大事故隐患{f.major_found}条，已整改{f.major_fixed}条")


def _self_check_text(figures: WeeklyFigures) -> str:
    """Row 2 as seed 000 words it: plans, the stage's hazards, then the 标杆/帮扶 enterprises'.
    A table frozen before plans and flags were counted keeps the words it was filed with."""
    extra = figures.self_check
    if extra is None:
        sc = figures.stages["self_check"]
        return f"{sc.enterprises}家企业开展自查自改，{_found_fixed(sc)}。"
    return (f"{extra.plans}家企业制定了自查自改工作方案，{_found_fixed(figures.stages['self_check'])}"
            f"（其中确定标杆企业{extra.benchmark}家，帮扶企业{extra.assisted}家，{_found_fixed(extra.paired)}）。")


def _cross_text(figures: WeeklyFigures) -> str:
    """Row 4 as seed 000 words it, in the inspecting city's table: the city inspected and its
    counties by name; blank until a cross-inspection is recorded (备注: 工作开展后填写)."""
    targets = figures.cross_targets
    cross = figures.stages["cross"]
    if not targets:  # nothing yet; or a table frozen before the targets were kept: as it was filed
        if not cross.enterprises:
            return ""
        return f"共抽查{cross.counties}个县的{cross.enterprises}家企业，{_found_fixed(cross)}。"
    cities = "、".join(t.city for t in targets)
    one = len(targets) == 1
    counties = "、".join(c if one or c == t.city else f"{t.city}{c}" for t in targets for c in t.counties)
    return (f"对{cities}开展了交叉检查，共抽查{counties}共{cross.counties}个县的{cross.enterprises}家企业，"
            f"{_found_fixed(cross)}。")


def weekly_rows(figures: WeeklyFigures, texts: dict[str, str] | None = None) -> list[list[Any]]:
    """The form's eight rows (plus one for stages it has no place for), 要点 filled in."""
    texts = texts or {}
    s = figures.stages
    city, county, other = (s[k] for k in ("city", "county", "other"))
    p = figures.penalties
    return [
        [1, "部署推进", texts.get("部署推进", ""), "各地情况不同，按实际进展填写即可，每周汇总。"],
        [2, "企业自查自改", _self_check_text(figures), ""],
        [3, "市县联合检查",
         f"市本级检查{city.enterprises}家企业，发现一般问题隐患{city.general_found}条，已整改{city.general_fixed}条；"
         f"重大事故隐患{city.major_found}条，已整改{city.major_fixed}条。县级共检查{county.enterprises}家企业，"
         f"发现一般问题隐患{county.general_found}条，已整改{county.general_fixed}条；重大事故隐患"
         f"{county.major_found}条，已整改{county.major_fixed}条。", ""],
        [4, "市级交叉检查", _cross_text(figures), "工作开展后填写。"],
        [5, "行政处罚",
         f"处罚企业{p.enterprises_fined}家，合计处罚{wan(p.fine_enterprise_wan)}万元，处罚企业主要负责人"
         f"{p.principals_fined}人，合计处罚{wan(p.fine_principal_wan)}万元；限期整改{p.ordered_rectification}家，"
         f"停产整改{p.suspended}家，取缔关闭{p.closed_down}家。", ""],
        [6, "宣传曝光", texts.get("宣传曝光", ""), ""],
        [7, "存在问题", texts.get("存在问题", ""), ""],
        [8, "意见建议", texts.get("意见建议", ""), ""],
        ["附", "省级督查、群众举报",
         f"{other.enterprises}家企业，发现一般问题隐患{other.general_found}条，已整改{other.general_fixed}条；"
         f"重大事故隐患{other.major_found}条，已整改{other.major_fixed}条。",
         "附件1无此栏，另列备查。"],
    ]


def weekly_data_rows(figures: WeeklyFigures) -> list[list[Any]]:
    """The same figures as numbers: one row per stage, then the penalty block."""
    rows: list[list[Any]] = []
    for key, label in STAGE_LABELS.items():
        f = figures.stages[key]
        rows.append([label, f.enterprises, f.general_found, f.general_fixed, f.major_found, f.major_fixed])
    p = figures.penalties
    rows.append(list(PENALTY_HEADERS))
    rows.append([p.enterprises_fined, _money(p.fine_enterprise_wan), p.principals_fined,
                 _money(p.fine_principal_wan), p.ordered_rectification, p.suspended, p.closed_down])
    return rows


def weekly_sheets(
    figures: WeeklyFigures, filed_on: date | None, texts: dict[str, str] | None = None
) -> list[Sheet]:
    """附件1 and its figures; ``filed_on`` is the day it was confirmed (None: a draft)."""
    period = period_label(figures.period) if figures.period else ""
    form = Sheet(
        name="周调度统计表", title=WEEKLY_TITLE, filer_line=_filer(figures.region_name, filed_on, period),
        header_rows=[list(WEEKLY_HEADERS)], merges=[], body=weekly_rows(figures, texts),
        note=WEEKLY_NOTE, widths=(6, 14, 80, 24), orientation="portrait",
    )
    form.tall_rows = _free_text_rows(form.body)
    data = Sheet(
        name="统计数据", title=f"{figures.region_name} 累计数据（{period_label(figures.window)}）",
        filer_line=_filer(figures.region_name, filed_on, period),
        header_rows=[list(DATA_HEADERS)], merges=[], body=weekly_data_rows(figures),
        widths=(36, 16, 16, 18, 16, 18, 18), orientation="landscape",
    )
    return [form, data]


# --- the 2021 table ---------------------------------------------------------------------------


def two_sessions_sheet(table: TwoSessionsTable, filed_on: date | None) -> Sheet:
    """The 2021 table; ``filed_on`` is the day it was confirmed (None: a draft, 填表日期 blank)."""
    h1 = ["统计项分类", "市县督查组数", "专项督查工作开展情况", None, None, None, None, "行政执法情况",
          None, None, None, None, "追究刑事责任", "联合惩戒失信企业", "问责曝光工作", None]
    h2 = [None, None, "检查企业", "一般隐患", None, "重大隐患", None, "责令限期整改企业", "行政罚款",
          "停产整顿", "暂扣吊销证照", "关闭取缔", None, None, "曝光单位", "问责个人"]
    h3 = [None, *TWO_SESSIONS_UNITS]
    merges = [
        (1, 1, 3, 1), (1, 2, 2, 2), (1, 3, 1, 7), (1, 8, 1, 12), (1, 13, 2, 13), (1, 14, 2, 14),
        (1, 15, 1, 16), (2, 4, 2, 5), (2, 6, 2, 7),
    ]

    def cells(label: str, row: Any) -> list[Any]:
        values = row.cells()
        values[7] = _money(values[7])  # 行政罚款（万元）: a number, shown with two decimals
        return [label, *values]

    body: list[list[Any]] = [cells("本周", table.this_week), cells("累计", table.total)]
    body.append(["存在重大隐患企业名单", *([None] * 15)])
    body.append(["序号", "企业名称", "所在地（市、县）", "行业类别", "重大隐患明细", *([None] * 11)])
    body_merges = [(3, 1, 3, 16), (4, 5, 4, 16)]
    for index, ent in enumerate(table.major_enterprises, start=1):
        body.append([index, ent.name, ent.place, ent.industry, ent.details, *([None] * 11)])
        body_merges.append((len(body), 5, len(body), 16))
    when = f"{filed_on:%Y年%m月%d日}" if filed_on else "    年  月  日"
    period = f"    统计期间：{period_label(table.period)}" if table.period else ""
    filer = f"填报单位：{table.region_name}    填表人：{table.filer}    填表日期：{when}{period}"
    return Sheet(
        name="专项督查进展统计表", title=TWO_SESSIONS_TITLE, filer_line=filer,
        header_rows=[h1, h2, h3], merges=merges, body=body, body_merges=body_merges,
        note=TWO_SESSIONS_NOTE, widths=(12, 10, 22, 10, 10, 10, 10, 12, 10, 10, 10, 10, 10, 10, 10, 10),
    )


# --- 附件2 -----------------------------------------------------------------------------------


def ledger_body(rows: Sequence[LedgerRow]) -> list[list[Any]]:
    return [
        [i, r.enterprise_name, r.place, r.industry, r.stage, r.check_unit, r.checked_on, r.details,
         r.measures, r.supervising_unit, r.penalty, r.completion, r.remarks]
        for i, r in enumerate(rows, start=1)
    ]


def ledger_sheet(region_name: str, rows: Sequence[LedgerRow], filed_on: date) -> Sheet:
    return Sheet(
        name="重大事故隐患台账", title=LEDGER_TITLE, filer_line=_filer(region_name, filed_on),
        header_rows=[list(LEDGER_HEADERS)], merges=[], body=ledger_body(rows), note=LEDGER_NOTE,
        widths=(6, 24, 16, 12, 10, 18, 12, 36, 40, 14, 24, 20, 14),
    )


# --- rendering --------------------------------------------------------------------------------
# openpyxl is imported by the functions that write a file: the rows above are also what chat
# and the console show, and a web worker need not carry openpyxl (about 8 MiB) to show them.

def _render(ws: Worksheet, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    boxed = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrapped = Alignment(vertical="center", wrap_text=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    top_aligned = Alignment(vertical="top", wrap_text=True)
    ncols = max(len(r) for r in [*sheet.header_rows, *sheet.body])
    append_row(ws, [sheet.title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(1, 1).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = centred
    ws.row_dimensions[1].height = 48
    append_row(ws, [sheet.filer_line])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    first_header = 3
    for row in sheet.header_rows:
        append_row(ws, row)
    for r1, c1, r2, c2 in sheet.merges:
        ws.merge_cells(start_row=first_header + r1 - 1, start_column=c1,
                       end_row=first_header + r2 - 1, end_column=c2)
    first_body = first_header + len(sheet.header_rows)
    for row in sheet.body:
        append_row(ws, row)  # text from reporters and enterprises: never a formula
    for r1, c1, r2, c2 in sheet.body_merges:
        ws.merge_cells(start_row=first_body + r1 - 1, start_column=c1,
                       end_row=first_body + r2 - 1, end_column=c2)
    last = first_body + len(sheet.body) - 1
    for row_cells in ws.iter_rows(min_row=first_header, max_row=max(last, first_body - 1), max_col=ncols):
        for cell in row_cells:
            cell.border = boxed
            if cell.row < first_body:
                cell.font = Font(bold=True)
                cell.alignment = centred
            else:
                cell.alignment = centred if isinstance(cell.value, int | float | Decimal) else wrapped
                if isinstance(cell.value, Decimal):  # 万元: 4.30, not 4.3
                    cell.number_format = "0.00"
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                    cell.alignment = centred
    if sheet.note:
        append_row(ws, [sheet.note])
        ws.merge_cells(start_row=last + 1, start_column=1, end_row=last + 1, end_column=ncols)
        ws.cell(last + 1, 1).alignment = wrapped
        ws.row_dimensions[last + 1].height = 36
    preferred = [sheet.widths[i] if i < len(sheet.widths) else 12 for i in range(ncols)]
    dated = {i for row in sheet.body for i, v in enumerate(row) if isinstance(v, date)}
    floors = {i: DATE_WIDTH for i in dated}
    for index, width in enumerate(fit_widths(preferred, sheet.orientation, floors=floors), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.cell(2, 1).alignment = wrapped
    for r1, c1, r2, _ in sheet.body_merges:
        if r2 > r1:  # may run over a page break: its text at the top, within its first row's height
            ws.cell(first_body + r1 - 1, c1).alignment = top_aligned
    # Every row as tall as its wrapped text (headers and note too), the free-text rows taller.
    fit_row_heights(ws, 1, ws.max_row,
                    minimum={first_body + r - 1: FREE_TEXT_POINTS for r in sheet.tall_rows})
    ws.freeze_panes = ws.cell(first_body, 1)
    setup_page(ws, sheet.orientation, repeat_rows=(1, first_body - 1))


def write_workbook(target: Path | BinaryIO, sheets: Sequence[Sheet]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for sheet in sheets:
        _render(workbook.create_sheet(sheet.name), sheet)
    workbook.save(target)
