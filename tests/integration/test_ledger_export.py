"""Exporting the ledger, round trips through Excel and CSV, and the ``flask enterprises`` commands."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.models import Enterprise
from bot.services.registry.credit_code import make_credit_code
from bot.services.registry.ledger import export_ledger, import_ledger, ledger_rows, update_enterprise
from bot.services.registry.ledger_io import LedgerFileError
from tests.integration.ledger_files import (
    HEADERS,
    LATER,
    NOW,
    by_code,
    changes_of,
    counts,
    csv_bytes,
    ledger_row,
    read_xlsx,
    xlsx_bytes,
)

TAIYUAN_DEMO = {"140105", "140121", "140181", "140108"}


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def _import(session: Session, data: bytes, filename: str, now: datetime = NOW) -> tuple[int, int, int]:
    result = import_ledger(session, data, filename=filename, now=now)
    assert result.ok, [str(p) for p in result.problems]
    session.commit()
    return result.created, result.updated, result.unchanged


def test_the_xlsx_export_is_a_ledger_an_officer_can_read(session: Session, tmp_path: Path) -> None:
    _import(session, xlsx_bytes([ledger_row(1, 涉爆粉尘="是", 涉粉作业人数=12)]), "a.xlsx")
    target = tmp_path / "台账.xlsx"
    assert export_ledger(session, target) == len(ledger_rows(session))

    workbook = load_workbook(target)
    sheet = workbook.active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "B2"
    # It prints on A4 (issue 15): 22 columns one page wide at no less than 9 pt, so the name
    # column wraps instead of running 36 characters wide; it is still among the widest.
    widths = sorted((d.width for d in sheet.column_dimensions.values()), reverse=True)
    assert sheet.column_dimensions["A"].width >= widths[1]
    assert sheet.cell(row=2, column=1).alignment.wrap_text
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$1"  # the header on every page
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    mine = rows[make_credit_code("140105", 900_001)]
    assert mine[0] == "太原测试1号钢铁有限公司"
    assert mine[2:4] == ("小店区", "140105")
    assert mine[HEADERS.index("涉粉作业人数")] == 12  # a number, not text
    assert mine[HEADERS.index("涉爆粉尘")] == "是"
    assert mine[HEADERS.index("涉氨制冷")] == "否"
    assert sheet.cell(row=2, column=2).number_format == "@"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_reimport_changes_nothing(session: Session, tmp_path: Path, suffix: str) -> None:
    messy = [
        ledger_row(1, 企业名称="太原ＸＹＺ(集团)有限公司", 安全负责人电话=13512345678.0, 涉粉作业人数=7.0),
        ledger_row(2, {"所在县（市、区）": "阳泉市城区", "行政区划代码": None}, 涉爆粉尘="√"),
        ledger_row(3, 详细地址=None, 企业规模=None, 主要负责人=None, 安全负责人电话="0351-7654321"),
    ]
    _import(session, xlsx_bytes(messy), "messy.xlsx")
    before = counts(session)
    target = tmp_path / f"台账{suffix}"
    export_ledger(session, target)

    assert _import(session, target.read_bytes(), target.name, LATER) == (0, 0, before[0])
    assert counts(session) == before


def test_csv_export_opens_in_excel(session: Session, tmp_path: Path) -> None:
    target = tmp_path / "台账.csv"
    export_ledger(session, target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == ",".join(HEADERS)


def test_export_within_a_jurisdiction(session: Session, tmp_path: Path) -> None:
    rows = ledger_rows(session, region_code="140100")
    assert {r[3] for r in rows} == TAIYUAN_DEMO
    assert {r[3] for r in ledger_rows(session, region_code="140105")} == {"140105"}
    assert len(ledger_rows(session, region_code="140000")) == len(ledger_rows(session))
    assert ledger_rows(session, region_code="999999") == []
    with pytest.raises(LedgerFileError, match="不支持导出为“.pdf”"):
        export_ledger(session, tmp_path / "台账.pdf")


def test_update_enterprise_records_only_what_differs(session: Session) -> None:
    enterprise = session.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
    assert update_enterprise(session, enterprise, {"industry": "冶金"}, "user:1", NOW) is None
    change = update_enterprise(session, enterprise, {"industry": "冶金", "risk_grade": "重点"}, "user:1", NOW)
    assert change is not None and change.changes == {"risk_grade": [None, "重点"]}
    assert enterprise.updated_at == NOW
    with pytest.raises(ValueError, match="not ledger fields"):
        update_enterprise(session, enterprise, {"id": 5}, "user:1", NOW)


def test_demo_enterprises_have_valid_codes_and_flags(session: Session) -> None:
    steel = session.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
    assert steel.credit_code is not None and steel.metal_smelting
    flour = session.scalars(select(Enterprise).where(Enterprise.name == "朔州金谷面粉有限公司")).one()
    assert flour.dust_explosion and flour.dust_workers
    cold = session.scalars(select(Enterprise).where(Enterprise.name == "长治冷链物流有限公司")).one()
    assert cold.ammonia_refrigeration
    # The demo ledger itself passes the importer unchanged.
    buffer = io.BytesIO()
    from bot.services.registry.ledger_io import write_xlsx

    write_xlsx(buffer, ledger_rows(session))
    result = import_ledger(session, buffer.getvalue(), filename="demo.xlsx", now=NOW, dry_run=True)
    assert result.ok and result.unchanged == len(ledger_rows(session))


def test_load_demo_is_idempotent_and_fills_old_demo_rows(session: Session) -> None:
    from bot.demo import load_demo

    steel = session.scalars(select(Enterprise).where(Enterprise.name == "太原晋钢钢铁有限公司")).one()
    code = steel.credit_code
    steel.credit_code, steel.metal_smelting = None, False  # as loaded before credit codes existed
    session.flush()
    assert load_demo(session, now=NOW) == 0
    assert (steel.credit_code, steel.metal_smelting) == (code, True)
    assert load_demo(session, now=NOW) == 0


def test_cli_import_reports_every_problem_and_exits_1(app: Flask, clean_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([ledger_row(1, 行业类别="化工"), ledger_row(2, 统一社会信用代码="12345")],
                               encoding="gb18030"))
    with Session(clean_db) as s:
        before = counts(s)
    result = app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 1
    assert "第2行“行业类别”：应为冶金、有色" in result.output
    assert "第3行“统一社会信用代码”：长度不是18位" in result.output
    assert "发现2处问题，未导入任何数据" in result.output
    with Session(clean_db) as s:
        assert counts(s) == before


def test_cli_import_dry_run_then_for_real(app: Flask, clean_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx_bytes([ledger_row(1), ledger_row(2)]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["enterprises", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "将新增2家" in result.output
    with Session(clean_db) as s:
        assert s.scalars(select(Enterprise).where(Enterprise.name.like("太原测试%"))).all() == []

    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增2家，更新0家" in result.output
    with Session(clean_db) as s:
        enterprise = by_code(s, make_credit_code("140105", 900_002))
        assert changes_of(s, enterprise)[0].actor == "import:good.xlsx"


def test_cli_export_by_region(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    target = tmp_path / "太原.xlsx"
    result = runner.invoke(args=["enterprises", "export", str(target), "--region", "140100"])
    assert result.exit_code == 0, result.output
    assert f"已导出{len(TAIYUAN_DEMO)}家企业" in result.output
    assert {r[3] for r in read_xlsx(target.read_bytes())[1:]} == TAIYUAN_DEMO

    result = runner.invoke(args=["enterprises", "export", str(target), "--region", "999999"])
    assert result.exit_code != 0
    assert "没有行政区划代码“999999”" in result.output


def test_demo_invites_bind_an_officer_and_a_manager(app) -> None:  # type: ignore[no-untyped-def]
    """`make run` prints these codes; each binds once through the same service as chat."""
    from bot.db import session_factory
    from bot.models import User
    from bot.services.people.bindings import bind
    from bot.services.platform.clock import utcnow

    result = app.test_cli_runner().invoke(args=["demo", "invites"])
    assert result.exit_code == 0, result.output
    codes = [line.split("“绑定 ")[1].split("”")[0] for line in result.output.splitlines() if "绑定" in line]
    assert len(codes) == 2
    with session_factory(app)() as session:
        officer = User(openid="o_demo_officer", created_at=utcnow())
        manager = User(openid="o_demo_manager", created_at=utcnow())
        session.add_all([officer, manager])
        session.flush()
        bind(session, officer, codes[0], now=utcnow())
        bind(session, manager, codes[1], now=utcnow())
        assert (officer.role, officer.region_code) == ("county_officer", "140105")
        assert manager.role == "enterprise_manager" and manager.enterprise_id is not None
