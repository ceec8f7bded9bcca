"""Every workbook the project writes, printed: converted to PDF by LibreOffice and looked at.

An officer prints the forms and files them on paper, so each form is filled with enough rows
to run over several pages and checked on the PDF as it would come out of the printer:

* every page is A4 (595 × 842 pt, either orientation);
* no glyph on any page is smaller than 9 pt text (the sizes in the PDF are after LibreOffice
  scaled the sheet to one page wide);
* the title and the header rows are repeated at the top of every page, and every page shows
  "第 n 页 共 N 页";
* no cell's text is cut: every cell's text is in the PDF whole, and every one of its glyphs
  is inked on the rendered page (LibreOffice keeps a clipped line in the text layer, but does
  not draw it).

The rows are built by the same pure row builders the console and the CLI use; the figures in
them are checked elsewhere (``test_campaign_stats.py``, ``test_task_forms.py``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.models import CampaignTask
from bot.services.forms import exports
from bot.services.forms import exports_tasks as forms
from bot.services.forms.cross_checks import CrossPlanRow, CrossSummaryRow
from bot.services.forms.major_ledger import LedgerRow
from bot.services.forms.task_lists import TASKS_2022, ProgressRow
from bot.services.hazards.hazard_search import EXPORT_HEADERS
from bot.services.inspections import inspection_export
from bot.services.registry import ledger_io
from bot.services.registry.ledger_columns import COLUMNS
from tests.integration import test_forms_libreoffice as small

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(LIBREOFFICE is None,
                       reason="libreoffice is not on PATH (Debian package: libreoffice-calc-nogui)"),
]
FILED = date(2025, 1, 10)
A4 = (595.0, 842.0)
MIN_PT = 9.0
LONG = ("企业主要负责人未组织制定并实施本单位安全生产教育和培训计划，现场抽查三名岗位操作人员均不能说清"
        "本岗位危险因素和应急处置措施，Q235钢平台护栏高度不足1050mm，")


def _enterprise(i: int) -> str:
    return f"山西示范第{i}冶金铸造有限责任公司"


# --- the forms, big --------------------------------------------------------------------------


def _weekly() -> bytes:
    sheets = small._weekly()
    texts = {"部署推进": "太原市10个县（区）均制定了实施方案，" * 6, "宣传曝光": "曝光典型案例3起。",
             "存在问题": "部分企业自查自改流于形式。", "意见建议": "建议加强执法检查。"}
    figures_sheet = sheets[0]
    for row in figures_sheet.body:
        if row[1] in texts:
            row[2] = texts[row[1]]
    return _book(sheets)


def _two_sessions() -> bytes:
    sheet = small._two_sessions()[0]
    for i in range(2, 60):
        sheet.body.append([i, _enterprise(i), "太原市清徐县", "冶金（钢铁）", LONG, *([None] * 11)])
        sheet.body_merges.append((len(sheet.body), 5, len(sheet.body), 16))
    return _book([sheet])


def _ledger() -> bytes:
    rows = [LedgerRow(i, f"YH2025{i:04d}", _enterprise(i), "太原市清徐县", "冶金（钢铁）", "市县检查",
                      "清徐县应急管理局", date(2025, 1, 6), LONG,
                      "责任人：王五；措施：更换冷却水管；资金：20万元；"
                      "时限：2025年3月31日；预案：已制定", "太原市应急管理局", "处罚企业5.00万元",
                      "已完成整改（2025-01-10）", "") for i in range(1, 40)]
    return _book([exports.ledger_sheet("太原市", rows, FILED)])


def _monthly() -> bytes:
    rows = [ProgressRow(CampaignTask(task_no=t, task=task, measure_no=m, measure=measure, target=target,
                                     responsible_unit=unit, deadline=deadline), LONG if m % 2 else "已部署")
            for t, task, m, measure, target, unit, (deadline, _) in TASKS_2022]
    return _book([forms.monthly_sheet("太原市", "2022-05", rows, date(2022, 5, 30))])


def _cross_plan() -> bytes:
    rows = [CrossPlanRow(i, f"第{i}检查组（阳泉市）", "太原市", 2, 2, 2, 1) for i in range(1, 70)]
    return _book([forms.cross_plan_sheet("山西省", rows, FILED)])


def _cross_summary() -> bytes:
    rows = [CrossSummaryRow(_enterprise(i), "太原市古交市", "冶金（钢铁）", "阳泉市交叉检查组",
                            date(2025, 3, 10),
                            i, 1, "停产整顿", "罚款企业3.00万元", "已整改1条，共2条", LONG[:20])
            for i in range(1, 50)]
    return _book([forms.cross_summary_sheet("太原市", rows, FILED)])


def _hazard_ledger() -> bytes:
    """The console's 隐患台账 export, built as ``bot/console/hazards.py`` builds it."""
    body = [[i, f"YH2025{i:04d}", _enterprise(i), "太原市清徐县", "冶金（钢铁）", "群众举报", "一般隐患",
             "整改中", "2025-01-06 10:00", "2025-02-06", "否", LONG, "《工贸企业粉尘防爆安全规定》第十条",
             "更换除尘器泄爆片", "清徐县应急管理局", ""] for i in range(1, 40)]
    sheet = exports.Sheet(
        name="隐患台账", title="隐患台账（按筛选条件导出）",
        filer_line="导出单位：太原市          导出时间：2025-01-10 09:00",
        header_rows=[list(EXPORT_HEADERS)], merges=[], body=body,
        widths=(6, 18, 24, 12, 8, 10, 12, 8, 16, 12, 8, 40, 24, 30, 18, 18),
    )
    return _book([sheet])


def _enterprise_ledger() -> bytes:
    def value(column: Any, i: int) -> Any:
        if column.number:
            return 120 + i
        if column.field == "name":
            return _enterprise(i)
        return f"{column.header}示例{i}"

    buffer = io.BytesIO()
    ledger_io.write_xlsx(buffer, [[value(c, i) for c in COLUMNS] for i in range(1, 60)])
    return buffer.getvalue()


def _photo(folder: Path, i: int) -> Path:
    path = folder / f"photo{i}.jpg"
    Image.new("RGB", (640, 480), (40 * i % 255, 90, 160)).save(path)
    return path


def _inspection_list(folder: Path) -> bytes:
    photos = [_photo(folder, i) for i in range(1, 4)]
    rows = [inspection_export.ListRow(
        seq=i, description=LONG, evidence=f"现场照片 {i % 3 + 1} 张",
        basis="《工贸企业重大事故隐患判定标准》第四条第（四）项", kind="一般隐患",
        remarks=f"隐患编号 YH2025{i:04d}",
        photos=photos[: i % 3 + 1]) for i in range(1, 30)]
    data = inspection_export.HazardList(
        enterprise=_enterprise(1), date="2025年1月10日", stage="市县联合检查", unit="太原市应急管理局",
        inspectors=["张三", "李四"], principal="王五", rows=rows)
    return inspection_export.render_xlsx(data)


def _book(sheets: list[exports.Sheet]) -> bytes:
    buffer = io.BytesIO()
    exports.write_workbook(buffer, sheets)
    return buffer.getvalue()


BUILDERS: dict[str, Callable[[Path], bytes]] = {
    "weekly": lambda _: _weekly(),
    "two_sessions": lambda _: _two_sessions(),
    "major_ledger": lambda _: _ledger(),
    "monthly": lambda _: _monthly(),
    "cross_plan": lambda _: _cross_plan(),
    "cross_summary": lambda _: _cross_summary(),
    "hazard_ledger": lambda _: _hazard_ledger(),
    "enterprise_ledger": lambda _: _enterprise_ledger(),
    "inspection_list": _inspection_list,
}


# --- printing and reading ----------------------------------------------------------------------


@dataclass
class Printed:
    """One form: its workbook's cells (every sheet in order) and its PDF."""

    cells: list[list[list[Any]]]  # sheet → row → values
    headers: list[list[str]]  # sheet → texts of the rows repeated on every page
    pdf: Path


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """Every form as .xlsx, converted to PDF by one headless LibreOffice run (own profile)."""
    work = tmp_path_factory.mktemp("print")
    for name, build in BUILDERS.items():
        (work / f"{name}.xlsx").write_bytes(build(work))
    assert LIBREOFFICE is not None
    subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), *(str(work / f"{name}.xlsx") for name in BUILDERS)],
        check=True, capture_output=True, timeout=300,
    )
    result = {}
    for name in BUILDERS:
        book = load_workbook(work / f"{name}.xlsx")
        cells, headers = [], []
        for ws in book.worksheets:
            cells.append([list(row) for row in ws.iter_rows(values_only=True)])
            first, last = (int(n) for n in (ws.print_title_rows or "1:1").replace("$", "").split(":"))
            headers.append([str(v) for row in ws.iter_rows(min_row=first, max_row=last, values_only=True)
                            for v in row if v is not None])
        result[name] = Printed(cells, headers, work / f"{name}.pdf")
    return result


@dataclass
class Glyph:
    char: str
    size: float  # as printed, in points
    box: tuple[float, float, float, float]  # left, bottom, right, top (PDF points)


@dataclass
class Page:
    size: tuple[float, float]
    text: str
    glyphs: list[Glyph]
    image: Image.Image  # grey, 2 px a point
    header_bottom: float  # the bottom of the repeated header rows (PDF points from the bottom)


def _pages(path: Path, last_header: str) -> list[Page]:
    """Each page: its size, its text, its glyphs, its rendering and where its header ends."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(path)
    pages = []
    try:
        for page in pdf:
            textpage = page.get_textpage()
            glyphs = []
            for index in range(textpage.count_chars()):
                code = raw.FPDFText_GetUnicode(textpage.raw, index)
                if code <= 32 or chr(code).isspace():
                    continue
                matrix = raw.FS_MATRIX()
                raw.FPDFText_GetMatrix(textpage.raw, index, matrix)
                scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                box = raw.FS_RECTF()
                raw.FPDFText_GetLooseCharBox(textpage.raw, index, box)
                glyphs.append(Glyph(chr(code), raw.FPDFText_GetFontSize(textpage.raw, index) * scale,
                                    (box.left, box.bottom, box.right, box.top)))
            size = page.get_size()
            found = textpage.search(last_header).get_next()
            bottom = min((textpage.get_charbox(i, loose=True)[1] for i in range(found[0], sum(found))),
                         default=size[1]) if found else size[1]
            pages.append(Page(size, textpage.get_text_range(), glyphs,
                              page.render(scale=2).to_pil().convert("L"), bottom))
    finally:
        pdf.close()
    return pages


@pytest.fixture(scope="module")
def pages(printed: dict[str, Printed]) -> dict[str, list[Page]]:
    return {name: _pages(p.pdf, p.headers[0][-1]) for name, p in printed.items()}


def _flat(text: str) -> str:
    return "".join(text.split())


def _printed_whole(value: str, document: str) -> bool:
    """Every character of ``value``, in order, within a short stretch of ``document``. The PDF's
    text comes back in drawing order, and a number right-aligned in a neighbouring cell can be
    read in between the lines of a wrapped name; a cut text loses characters instead."""
    if value in document:
        return True
    start = document.find(value[0])
    while start != -1:
        at, window_end = start, start + 3 * len(value) + 20
        for ch in value[1:]:
            at = document.find(ch, at + 1, window_end)
            if at == -1:
                break
        else:
            return True
        start = document.find(value[0], start + 1)
    return False


FORMS = list(BUILDERS)


@pytest.mark.parametrize("name", FORMS)
def test_every_page_is_a4(pages: dict[str, list[Page]], name: str) -> None:
    assert len(pages[name]) >= 2, f"{name}: the test's rows should run over more than one page"
    for number, page in enumerate(pages[name], start=1):
        width, height = page.size
        assert sorted((width, height)) == pytest.approx(A4, abs=2), (name, number, width, height)


@pytest.mark.parametrize("name", FORMS)
def test_no_text_smaller_than_9pt(pages: dict[str, list[Page]], name: str) -> None:
    for number, page in enumerate(pages[name], start=1):
        smallest = min(page.glyphs, key=lambda g: g.size)
        assert smallest.size >= MIN_PT - 0.05, (name, number, smallest)


@pytest.mark.parametrize("name", FORMS)
def test_headers_and_page_numbers_on_every_page(
    printed: dict[str, Printed], pages: dict[str, list[Page]], name: str
) -> None:
    """The first sheet's title and header rows on each of its pages; 第 n 页 共 N 页 below."""
    headers = [_flat(h) for h in printed[name].headers[0]]
    first_sheet = [p.text for p in pages[name] if _flat(headers[0]) in _flat(p.text)]
    assert len(first_sheet) >= 2, f"{name}: the header is not repeated on page 2"
    for number, text in enumerate(first_sheet, start=1):
        flat = _flat(text)
        missing = [h for h in headers if h not in flat]
        assert not missing, (name, number, missing)
        assert f"第{number}页共" in flat, (name, number)


@pytest.mark.parametrize("name", FORMS)
def test_no_cell_text_is_cut(printed: dict[str, Printed], pages: dict[str, list[Page]], name: str) -> None:
    document = "".join(_flat(p.text) for p in pages[name])
    assert "###" not in document, f"{name}: a number or date too wide for its column"
    for sheet in printed[name].cells:
        for row in sheet:
            for value in row:
                if isinstance(value, date):  # datetime too: openpyxl reads dates back as datetimes
                    assert value.strftime("%Y-%m-%d") in document, (name, value)
                    continue
                if value is None or isinstance(value, Decimal | float):
                    continue
                assert _printed_whole(_flat(str(value)), document), (name, str(value)[:60])
    for number, page in enumerate(pages[name], start=1):
        height = page.size[1]
        for glyph in page.glyphs:
            left, bottom, right, top = glyph.box
            if bottom >= page.header_bottom - 1:
                continue  # a merged cell begun on the page before, redrawn (clipped) behind the header
            crop = page.image.crop((int(left * 2), int((height - top) * 2), int(right * 2) + 1,
                                    int((height - bottom) * 2) + 1))
            darkest, _ = crop.getextrema()
            assert darkest < 230, f"{name} page {number}: {glyph.char!r} at {glyph.box} is not printed"


def test_the_inspection_list_carries_its_photos(printed: dict[str, Printed], tmp_path: Path) -> None:
    """附件5 as .xlsx shows the thumbnails in the 现场证据 cell, as the PDF does."""
    book = load_workbook(io.BytesIO(_inspection_list(tmp_path)))
    ws = book.active
    assert ws is not None
    images = ws._images  # openpyxl keeps the drawings it read here
    assert len(images) == sum(i % 3 + 1 for i in range(1, 30))
    assert {image.anchor._from.col for image in images} == {2}  # column C: 现场证据
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"


def test_free_text_rows_of_the_weekly_table_have_room(printed: dict[str, Printed]) -> None:
    book = load_workbook(io.BytesIO(_weekly()))
    ws = book["周调度统计表"]
    for row in ws.iter_rows(min_row=4):
        if row[1].value in exports.FREE_TEXT:
            assert (ws.row_dimensions[row[0].row].height or 0) >= 100, row[1].value
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
