"""Files as weapons: what we write stays inert, what we read is checked before it is parsed.

* **Formula injection.** A reporter names an unregistered enterprise
  ``=HYPERLINK("http://x","点我")`` through the mini-program API; an officer grades the hazard
  major. In every file that carries the name (the console's hazard export, 附件2 from the
  console and from the CLI, the enterprise ledger as .xlsx and .csv) the cell is text with
  the name intact, never a formula (no ``<f>`` in any sheet), and the CSV cell is prefixed
  with a single quote. A ledger import with a formula cell is refused, naming row and
  column, from the CLI and from the console.
* **Hostile .xlsx.** A zip bomb, a zip of thousands of parts, a million empty rows, a cell in
  the sheet's last row, DTDs (billion laughs, an external entity, in UTF-16, in another part)
  and a sheet cut short: each gets the Chinese message, exit code 1 from the CLI (no
  traceback), a 422 page from the console (never a 500), and nothing is written.

One app serves chat, the API and the console (``tests/security/conftest.py``); files are built
small in memory (``tests/integration/ledger_files.py``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.formula import ArrayFormula
from sqlalchemy import func, select

from bot.api.auth import issue_token
from bot.models import Enterprise, EnterpriseChange, Hazard, User
from bot.services.platform.clock import utcnow
from bot.services.registry.credit_code import make_credit_code
from tests.api.conftest import jpeg
from tests.common.factories import make_hazard, make_inspection
from tests.integration import ledger_files as files
from tests.integration.ledger_files import ledger_row, xlsx_bytes
from tests.security.access import Matrix

NAME = '=HYPERLINK("http://x","点我")'
DDE = "=cmd|' /C calc'!A0"  # the classic DDE payload, at the start of the description
DESCRIPTION = f"{DDE} 二号高炉出铁场除尘风机皮带断裂，粉尘大量外溢"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- what we write ----------------------------------------------------------------------------


def _report_by_api(matrix: Matrix) -> str:
    """A member of the public reports the unregistered enterprise NAME; returns the number."""
    with matrix.app.app_context():
        token = issue_token(matrix.user("public"))
    form: dict[str, Any] = {
        "enterprise_name": NAME, "region_code": "140105", "description": DESCRIPTION,
        "anonymous": "true", "photos": [(io.BytesIO(jpeg()), "p.jpg")],
    }
    made = matrix.api_client.post(
        "/api/v1/reports", data=form, content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "hostile-files-0001"})
    assert made.status_code == 201, made.get_json()
    return str(made.get_json()["number"])


def _grade_major(matrix: Matrix, number: str) -> None:
    console = matrix.console("county")
    assert console.post(f"/console/hazards/{number}/act/acknowledge").status_code == 302
    graded = console.post(f"/console/hazards/{number}/act/classify",
                          {"level": "重大", "basis": "判定标准第四条"})
    assert graded.status_code == 302, graded.get_data(as_text=True)[:500]


def _cells(data: bytes) -> list[Cell]:
    book = load_workbook(io.BytesIO(data))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def _assert_inert(data: bytes, *texts: str) -> None:
    """Each of ``texts`` is in the workbook as a string cell with the quote prefix (text when
    edited), and no sheet holds a formula at all."""
    cells = _cells(data)
    for text in texts:
        found = [c for c in cells if isinstance(c.value, str) and c.value.startswith(text)]
        assert found, (text, [c.value for c in cells if c.value][:40])
        for cell in found:
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.data_type)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", archive.read(name)), name


def test_a_formula_typed_by_a_reporter_is_text_in_every_hazard_export(matrix: Matrix, tmp_path: Path) -> None:
    number = _report_by_api(matrix)
    with matrix.db() as s:
        assert s.scalars(select(Hazard.enterprise_name).where(Hazard.number == number)).one() == NAME
    _grade_major(matrix, number)
    console = matrix.console("county")

    exported = console.get("/console/hazards/export.xlsx?region=140105")
    assert exported.status_code == 200 and exported.mimetype == XLSX
    _assert_inert(exported.data, NAME, DDE)
    row = next(r for r in load_workbook(io.BytesIO(exported.data)).worksheets[0].iter_rows(values_only=True)
               if number in r)
    assert NAME in row  # the name intact, in the hazard's own row

    annex2 = console.get("/console/reports/ledger.xlsx")
    assert annex2.status_code == 200
    _assert_inert(annex2.data, NAME, DDE)

    out = tmp_path / "重大事故隐患台账.xlsx"
    result = matrix.app.test_cli_runner().invoke(
        args=["report", "ledger", "--region", "140105", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _assert_inert(out.read_bytes(), NAME, DDE)


@pytest.fixture
def legacy_enterprise(matrix: Matrix) -> Enterprise:
    """An enterprise whose name and contact a ledger import took before imports refused
    formulas: what the export must still write inertly."""
    with matrix.db() as s:
        found = s.scalars(select(Enterprise).where(Enterprise.name == NAME)).first()
        if found is None:
            found = Enterprise(
                name=NAME, credit_code=make_credit_code("140105", 977_001), region_code="140105",
                industry="冶金", principal_name="@SUM(1+1)", safety_contact_phone="+86 351 1234567",
                created_at=utcnow())
            s.add(found)
            s.commit()
        s.expunge(found)
        return found


def test_the_enterprise_ledger_export_writes_the_name_as_text(
    matrix: Matrix, legacy_enterprise: Enterprise, tmp_path: Path
) -> None:
    runner = matrix.app.test_cli_runner()
    xlsx, csv = tmp_path / "台账.xlsx", tmp_path / "台账.csv"
    for target in (xlsx, csv):
        result = runner.invoke(args=["enterprises", "export", str(target), "--region", "140105"])
        assert result.exit_code == 0, result.output
    _assert_inert(xlsx.read_bytes(), NAME, "@SUM(1+1)", "+86 351 1234567")

    lines = csv.read_bytes().decode("utf-8-sig").splitlines()
    line = next(x for x in lines if "HYPERLINK" in x)
    assert line.startswith('"\'=HYPERLINK(""http://x"",""点我"")",'), line  # quoted, prefixed
    assert ",'@SUM(1+1)," in line and ",'+86 351 1234567" in line

    # Our own CSV comes back: the prefix is undone, and the formula is refused for what it is.
    result = runner.invoke(args=["enterprises", "import", str(csv), "--dry-run"])
    assert result.exit_code == 1
    row = 2 + next(i for i, x in enumerate(lines[1:]) if "HYPERLINK" in x)
    assert f"第{row}行“企业名称”：是公式" in result.output
    assert f"第{row}行“主要负责人”" not in result.output  # "@…" is text, not refused
    assert "Traceback" not in result.output


def test_a_finding_typed_as_a_formula_is_text_in_the_inspection_list(
    matrix: Matrix, legacy_enterprise: Enterprise
) -> None:
    """附件5: the officer's words for a finding (here the DDE payload) stay text."""
    with matrix.db() as s:
        ent = s.get(Enterprise, legacy_enterprise.id)
        officer = s.get(User, matrix.people["county"])
        assert ent is not None and officer is not None
        finding = make_hazard(s, enterprise=ent, state="acknowledged", description=DESCRIPTION)
        walk = make_inspection(s, enterprise=ent, stage="joint_inspection", by=officer, started_at=utcnow(),
                               finished_at=utcnow(), findings=(finding,))
        s.commit()
        inspection_id = walk.id
    response = matrix.console("county").get(f"/console/inspections/{inspection_id}/hazard-list.xlsx")
    assert response.status_code == 200
    _assert_inert(response.data, DDE)


def _counts(matrix: Matrix) -> tuple[int, int]:
    with matrix.db() as s:
        return (s.scalar(select(func.count()).select_from(Enterprise)) or 0,
                s.scalar(select(func.count()).select_from(EnterpriseChange)) or 0)


def _formula_ledger() -> bytes:
    return xlsx_bytes([
        ledger_row(1),
        ledger_row(2, 企业名称=NAME, 主要负责人=ArrayFormula("R3", "=SUM(A1:A2)")),
        ledger_row(3, 安全负责人电话="=1+1", 详细地址='="太原市小店区长风街1号"'),  # the last: a constant
    ])


def test_a_ledger_import_with_formula_cells_is_refused_cell_by_cell_cli(
    matrix: Matrix, tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(_formula_ledger())
    before = _counts(matrix)
    result = matrix.app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 1
    assert "第3行“企业名称”：是公式（以“=”开头），台账中不能使用公式" in result.output
    assert "第3行“主要负责人”：是公式" in result.output
    assert "第4行“安全负责人电话”：是公式" in result.output
    assert "详细地址" not in result.output  # ="…" around plain text is Excel's way of typing text
    assert "发现3处问题，未导入任何数据" in result.output
    assert _counts(matrix) == before


@pytest.mark.parametrize("filename", ["台账.xlsx", "台账.csv"])
def test_a_ledger_import_with_formula_cells_is_refused_cell_by_cell_console(
    matrix: Matrix, filename: str
) -> None:
    if filename.endswith(".csv"):
        data = files.csv_bytes([ledger_row(1), ledger_row(2, 企业名称="=1+1")])
    else:
        data = _formula_ledger()
    before = _counts(matrix)
    response = matrix.console("county").post("/console/enterprises/import",
                                             {"file": (io.BytesIO(data), filename)},
                                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert re.search(r"<td>3</td><td>企业名称</td><td>[^<]*是公式", page), page
    assert "未导入任何数据" in page
    assert _counts(matrix) == before


# --- what we read ----------------------------------------------------------------------------

HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "zip_bomb": (files.zip_bomb_xlsx, "解压后过大"),
    "thousands_of_parts": (files.many_parts_xlsx, "个部分（最多1000个）"),
    "million_empty_rows": (files.empty_rows_xlsx, "文件超过20000行（空行也计算在内）"),
    "cell_in_the_last_row": (files.far_row_xlsx, "文件超过20000行（空行也计算在内）"),
    "billion_laughs": (lambda: files.dtd_xlsx("laughs"), "含有文档类型定义（DTD）"),
    "external_entity": (lambda: files.dtd_xlsx("external"), "含有文档类型定义（DTD）"),
    "dtd_in_utf16": (lambda: files.dtd_xlsx("utf16"), "含有文档类型定义（DTD）"),
    "dtd_in_content_types": (lambda: files.dtd_xlsx("strings"), "含有文档类型定义（DTD）"),
    "sheet_cut_short": (files.broken_sheet_xlsx, "Excel文件"),
}


@pytest.fixture(scope="module", params=sorted(HOSTILE))
def hostile(request: pytest.FixtureRequest) -> tuple[str, bytes, str]:
    make, message = HOSTILE[request.param]
    return request.param, make(), message


def test_a_hostile_xlsx_gets_the_message_and_exit_1_from_the_cli(
    matrix: Matrix, hostile: tuple[str, bytes, str], tmp_path: Path
) -> None:
    name, data, message = hostile
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(data)
    before = _counts(matrix)
    result = matrix.app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an exception out of the parser
    assert message in result.output and "未导入任何数据" in result.output
    assert "Traceback" not in result.output
    assert _counts(matrix) == before


def _upload(matrix: Matrix, data: bytes, filename: str) -> Any:
    """The import form as a browser posts it. The body is encoded here: the test client would
    spool a body over 500 KB to a temporary file it never closes."""
    console = matrix.console("county")
    boundary = "----hostile-files-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{console.csrf()}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {XLSX}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return console.client.post("/console/enterprises/import", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")


def test_a_hostile_xlsx_gets_the_message_on_a_4xx_page_from_the_console(
    matrix: Matrix, hostile: tuple[str, bytes, str]
) -> None:
    name, data, message = hostile
    before = _counts(matrix)
    response = _upload(matrix, data, f"{name}.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, page[:300])
    assert message in page and "未导入任何数据" in page
    assert _counts(matrix) == before


def test_a_ledger_of_the_largest_size_still_imports(matrix: Matrix) -> None:
    """The limits leave room: 20,000 rows (the most a file may have) pass the checks."""
    from bot.services.registry.ledger_io import MAX_ROWS, read_sheets

    headers = ["企业名称", "统一社会信用代码", "行政区划代码", "行业类别"]
    data = xlsx_bytes([ledger_row(i) for i in range(1, MAX_ROWS + 1)], headers)
    [rows] = read_sheets(data, "全省台账.xlsx")
    assert len(rows) == MAX_ROWS + 1  # the header and every row
