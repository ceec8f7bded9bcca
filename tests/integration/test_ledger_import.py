"""Importing the supervision ledger: all rows or none, every bad cell reported, re-import updates.

Files are real: .xlsx written by openpyxl with the cell types Excel produces (dates, float
phone numbers, full-width text) and CSV as Excel saves it on Chinese Windows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.models import Enterprise
from bot.services.registry.credit_code import make_credit_code
from bot.services.registry.ledger import ImportResult, import_ledger
from tests.integration.ledger_files import (
    HEADERS,
    LATER,
    NOW,
    by_code,
    changes_of,
    counts,
    csv_bytes,
    ledger_row,
    xlsx_bytes,
)


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def run(session: Session, data: bytes, filename: str = "台账.xlsx", *, now: datetime = NOW,
        dry_run: bool = False) -> ImportResult:
    result = import_ledger(session, data, filename=filename, now=now, dry_run=dry_run)
    if result.ok and not dry_run:
        session.commit()
    return result


def test_a_new_ledger_creates_enterprises_with_a_creation_record(session: Session) -> None:
    before = counts(session)
    result = run(session, xlsx_bytes([ledger_row(1), ledger_row(2, 涉爆粉尘="是", 涉粉作业人数=25)]))
    assert result.ok, result.problems
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert counts(session) == (before[0] + 2, before[1] + 2)

    first = by_code(session, make_credit_code("140105", 900_001))
    assert first.name == "太原测试1号钢铁有限公司"
    assert (first.region_code, first.industry, first.scale) == ("140105", "冶金", "规模以上")
    assert (first.metal_smelting, first.confined_space, first.dust_explosion) == (True, True, False)
    assert first.safety_contact_phone == "13800000000"
    [change] = changes_of(session, first)
    assert change.actor == "import:台账.xlsx"
    assert change.at == NOW
    assert change.changes["name"] == [None, "太原测试1号钢铁有限公司"]
    assert change.changes["metal_smelting"] == [None, True]
    assert change.changes["hazchem"] == [None, False]
    assert "dust_workers" not in change.changes  # nothing to record for an empty cell
    assert by_code(session, make_credit_code("140105", 900_002)).dust_workers == 25


def test_cells_of_other_types_are_read_as_meant(session: Session) -> None:
    row = ledger_row(
        1,
        {"冶金（金属冶炼）": "有"},
        企业名称="  太原ＡＢＣ测试(集团)有限公司 ",
        统一社会信用代码=" " + make_credit_code("140105", 900_001).lower().replace("9", "９"),
        行政区划代码=140105,  # a number, as Excel keeps it
        安全负责人电话=13800000000.0,  # a phone number saved as a number
        涉粉作业人数=12.0,
        涉爆粉尘="√", 有限空间="Y", 涉氨制冷=0, 危化品使用=None,
        行业类别="冶金行业", 企业规模="规上",
    )
    result = run(session, xlsx_bytes([row]))
    assert result.ok, result.problems
    enterprise = by_code(session, make_credit_code("140105", 900_001))
    assert enterprise.name == "太原ABC测试（集团）有限公司"
    assert enterprise.safety_contact_phone == "13800000000"
    assert enterprise.dust_workers == 12
    assert (enterprise.dust_explosion, enterprise.confined_space, enterprise.ammonia_refrigeration,
            enterprise.hazchem, enterprise.metal_smelting) == (True, True, False, False, True)
    assert (enterprise.industry, enterprise.scale) == ("冶金", "规模以上")


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"统一社会信用代码": make_credit_code("140105", 900_001)[:-1] + "0"}, "统一社会信用代码",
         "校验码应为"),
        ({"统一社会信用代码": "91140105MA0000015"}, "统一社会信用代码", "长度不是18位"),
        ({"统一社会信用代码": "91140105MAOOOO015U"}, "统一社会信用代码", "含有不允许的字符“O”"),
        ({"统一社会信用代码": None}, "统一社会信用代码", "不能为空"),
        ({"统一社会信用代码": 9.11401051e17}, "统一社会信用代码", "存成了数字"),
        ({"企业名称": None}, "企业名称", "企业名称不能为空"),
        ({"企业名称": datetime(2024, 1, 5)}, "企业名称", "是日期（2024-01-05）"),
        ({"企业名称": "测" * 201}, "企业名称", "超过200个字"),
        ({"所在县（市、区）": "火星区", "行政区划代码": None}, "所在县（市、区）", "没有找到县（市、区）"),
        ({"所在县（市、区）": None, "行政区划代码": "149999"}, "行政区划代码", "山西省没有行政区划代码"),
        ({"所在县（市、区）": None, "行政区划代码": datetime(2024, 1, 1)}, "行政区划代码", "是日期"),
        ({"所在县（市、区）": None, "行政区划代码": "1401"}, "行政区划代码", "应为6位数字"),
        ({"所在县（市、区）": "太原市", "行政区划代码": None}, "所在县（市、区）", "是设区的市"),
        ({"所在县（市、区）": None, "行政区划代码": "140100"}, "行政区划代码", "县（市、区）一级"),
        ({"所在县（市、区）": "城区", "行政区划代码": None}, "所在县（市、区）", "阳泉市城区、晋城市城区"),
        ({"所在县（市、区）": "迎泽区"}, "所在县（市、区）", "与行政区划代码140105（太原市小店区）不一致"),
        ({"所在县（市、区）": None, "行政区划代码": None}, "所在县（市、区）", "至少填一项"),
        ({"行业类别": "化工"}, "行业类别", "应为冶金、有色、建材、机械、轻工、纺织、烟草、商贸之一"),
        ({"行业类别": None}, "行业类别", "行业类别不能为空"),
        ({"企业规模": "大型"}, "企业规模", "应为“规模以上”或“规模以下”"),
        ({"涉爆粉尘": "可能"}, "涉爆粉尘", "应填“是”或“否”"),
        ({"有限空间": 2}, "有限空间", "不是“2”"),
        ({"涉粉作业人数": -3}, "涉粉作业人数", "应为不小于0的整数"),
        ({"涉粉作业人数": 2.5}, "涉粉作业人数", "应为不小于0的整数，不是“2.5”"),
        ({"涉粉作业人数": "十几个"}, "涉粉作业人数", "不是“十几个”"),
        ({"安全负责人电话": datetime(2024, 3, 5)}, "安全负责人电话", "是日期"),
        ({"安全负责人电话": "1.38E+10"}, "安全负责人电话", "科学计数法"),
        ({"主要负责人": True}, "主要负责人", "是逻辑值"),
    ],
)
def test_each_bad_cell_is_reported_and_nothing_is_written(
    session: Session, cells: dict[str, Any], column: str, reason: str
) -> None:
    before = counts(session)
    result = run(session, xlsx_bytes([ledger_row(1), ledger_row(2, cells)]))
    assert not result.ok
    assert [(p.row, p.column) for p in result.problems] == [(3, column)]
    assert reason in result.problems[0].message, result.problems[0].message
    assert str(result.problems[0]).startswith(f"第3行“{column}”：")
    assert counts(session) == before


def test_every_bad_cell_is_reported_not_just_the_first(session: Session) -> None:
    rows = [
        ledger_row(1, 行业类别="化工", 涉爆粉尘="也许"),
        ledger_row(2),
        ledger_row(3, 统一社会信用代码="123", 企业名称=None),
    ]
    result = run(session, xlsx_bytes(rows))
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "行业类别"), (2, "涉爆粉尘"), (4, "企业名称"), (4, "统一社会信用代码"),
    ]
    assert "未导入任何数据" in result.summary()


def test_duplicate_codes_in_the_file_name_both_rows(session: Session) -> None:
    before = counts(session)
    code = make_credit_code("140105", 900_001)
    rows = [ledger_row(1), ledger_row(2), ledger_row(3, 统一社会信用代码=code.lower())]
    result = run(session, xlsx_bytes(rows))
    assert [(p.row, p.message) for p in result.problems] == [
        (2, "与第4行的统一社会信用代码重复"), (4, "与第2行的统一社会信用代码重复"),
    ]
    assert counts(session) == before


def test_missing_required_headers_are_one_clear_error(session: Session) -> None:
    headers = [h for h in HEADERS if h not in ("行业类别", "统一社会信用代码")]
    result = run(session, xlsx_bytes([ledger_row(1)], headers))
    assert len(result.problems) == 1
    assert result.problems[0].row == 1
    assert "缺少必需的列：统一社会信用代码、行业类别" in result.problems[0].message

    result = run(session, xlsx_bytes([ledger_row(1)], ["序号", "备注"]))
    assert "没有找到表头" in str(result.problems[0])


def test_county_by_name_alone_with_or_without_the_city(session: Session) -> None:
    headers = [h for h in HEADERS if h != "行政区划代码"]
    rows = [
        ledger_row(1, {"所在县（市、区）": "太原市小店区"}),
        ledger_row(2, {"所在县（市、区）": "阳泉市城区"}),
        ledger_row(3, {"所在县（市、区）": "晋城城区"}),
        ledger_row(4, {"所在县（市、区）": "山西省古交市"}),
        ledger_row(5, {"所在县（市、区）": "清徐"}),
    ]
    result = run(session, xlsx_bytes(rows, headers))
    assert result.ok, result.problems
    codes = [by_code(session, make_credit_code("140105", 900_000 + i)).region_code for i in range(1, 6)]
    assert codes == ["140105", "140302", "140502", "140181", "140121"]


def test_a_title_row_above_the_header_keeps_excel_row_numbers(session: Session) -> None:
    data = xlsx_bytes([ledger_row(1, 行业类别="化工")], title_rows=["小店区冶金工贸企业监管台账"])
    result = run(session, data)
    assert [(p.row, p.column) for p in result.problems] == [(3, "行业类别")]


def test_unknown_columns_are_ignored_and_aliases_accepted(session: Session) -> None:
    headers = ["序号", "单位名称", "社会信用代码", "所在县", "行业", "备注"]
    row = ledger_row(1)
    row.update({"序号": 1, "单位名称": row["企业名称"], "社会信用代码": row["统一社会信用代码"],
                "所在县": "小店区", "行业": "冶金", "备注": "新建"})
    result = run(session, xlsx_bytes([row], headers))
    assert result.ok, result.problems
    assert result.ignored_columns == ["序号", "备注"]
    assert "已忽略：序号、备注" in result.summary()


@pytest.mark.parametrize(
    ("encoding", "filename"),
    [("utf-8-sig", "台账.csv"), ("utf-8", "台账.csv"), ("gb18030", "台账.CSV")],
)
def test_csv_in_any_office_encoding(session: Session, encoding: str, filename: str) -> None:
    rows = [ledger_row(1, 详细地址="太原市小店区长风街1号，东院"), ledger_row(2, 涉粉作业人数="8人")]
    result = run(session, csv_bytes(rows, encoding=encoding), filename)
    assert result.ok, result.problems
    assert result.created == 2
    enterprise = by_code(session, make_credit_code("140105", 900_001))
    assert enterprise.address == "太原市小店区长风街1号，东院"
    assert by_code(session, make_credit_code("140105", 900_002)).dust_workers == 8


def test_csv_problems_are_reported_by_row(session: Session) -> None:
    before = counts(session)
    result = run(session, csv_bytes([ledger_row(1), ledger_row(2, 危化品使用="不清楚")], encoding="gb18030"),
                 "台账.csv")
    assert [(p.row, p.column) for p in result.problems] == [(3, "危化品使用")]
    assert counts(session) == before


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"PK\x03\x04 broken", "台账.xlsx", "无法打开这个Excel文件"),
        (b"\xd0\xcf\x11\xe0", "台账.xls", "不支持旧版 .xls 文件"),
        (b"%PDF-1.4", "台账.pdf", "不支持“.pdf”格式的文件"),
    ],
)
def test_unreadable_files_say_why(session: Session, data: bytes, filename: str, reason: str) -> None:
    result = run(session, data, filename)
    assert [p.row for p in result.problems] == [None]
    assert reason in str(result.problems[0])


def test_reimport_updates_by_credit_code_and_records_what_changed(session: Session) -> None:
    run(session, xlsx_bytes([ledger_row(1), ledger_row(2)]), "2026上半年.xlsx")
    before = counts(session)
    rows = [ledger_row(1, 企业规模="规模以下", 涉爆粉尘="是", 涉粉作业人数=30), ledger_row(2)]
    result = run(session, xlsx_bytes(rows), "2026下半年.xlsx", now=LATER)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert counts(session) == (before[0], before[1] + 1)

    enterprise = by_code(session, make_credit_code("140105", 900_001))
    assert (enterprise.scale, enterprise.dust_explosion, enterprise.dust_workers) == ("规模以下", True, 30)
    assert enterprise.updated_at == LATER
    latest = changes_of(session, enterprise)[-1]
    assert latest.actor == "import:2026下半年.xlsx"
    assert latest.at == LATER
    assert latest.changes == {"scale": ["规模以上", "规模以下"], "dust_explosion": [False, True],
                              "dust_workers": [None, 30]}


def test_reimporting_the_same_file_writes_nothing(session: Session) -> None:
    data = xlsx_bytes([ledger_row(1), ledger_row(2)])
    run(session, data)
    before = counts(session)
    result = run(session, data, now=LATER)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert counts(session) == before
    assert by_code(session, make_credit_code("140105", 900_001)).updated_at is None


def test_columns_left_out_leave_fields_as_they_are(session: Session) -> None:
    run(session, xlsx_bytes([ledger_row(1)]))
    headers = ["企业名称", "统一社会信用代码", "行政区划代码", "行业类别", "主要负责人"]
    result = run(session, xlsx_bytes([ledger_row(1, 主要负责人="王五")], headers), now=LATER)
    assert result.updated == 1
    enterprise = by_code(session, make_credit_code("140105", 900_001))
    assert (enterprise.principal_name, enterprise.metal_smelting, enterprise.address) == (
        "王五", True, "太原市小店区测试路1号")
    assert changes_of(session, enterprise)[-1].changes == {"principal_name": ["张三", "王五"]}


def test_an_enterprise_without_a_code_gets_it_instead_of_a_copy(session: Session) -> None:
    session.add(Enterprise(name="太原测试1号钢铁有限公司", region_code="140105", industry="冶金",
                           created_at=NOW))
    session.commit()
    before = counts(session)
    result = run(session, xlsx_bytes([ledger_row(1)]))
    assert (result.created, result.updated) == (0, 1)
    assert counts(session) == (before[0], before[1] + 1)
    enterprise = session.scalars(select(Enterprise).where(Enterprise.name == "太原测试1号钢铁有限公司")).one()
    assert enterprise.credit_code == make_credit_code("140105", 900_001)


def test_dry_run_reports_and_writes_nothing(session: Session) -> None:
    run(session, xlsx_bytes([ledger_row(1)]))
    before = counts(session)
    result = run(session, xlsx_bytes([ledger_row(1, 风险等级="B"), ledger_row(2)]), dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert "试运行，未写入" in result.summary()
    assert not session.new and not session.dirty
    assert counts(session) == before
    assert by_code(session, make_credit_code("140105", 900_001)).risk_grade == "A"


def test_one_bad_row_keeps_the_good_rows_out_too(session: Session) -> None:
    run(session, xlsx_bytes([ledger_row(1)]))
    before = counts(session)
    rows = [ledger_row(1, 风险等级="C"), ledger_row(2), ledger_row(3, 行业类别="化工")]
    result = run(session, xlsx_bytes(rows))
    assert not result.ok
    assert counts(session) == before
    assert by_code(session, make_credit_code("140105", 900_001)).risk_grade == "A"


def test_a_column_given_twice_is_refused(session: Session) -> None:
    headers = [*HEADERS, "单位名称"]
    row = ledger_row(1)
    row["单位名称"] = row["企业名称"]
    result = run(session, xlsx_bytes([row], headers))
    assert [str(p) for p in result.problems] == [
        "第1行“单位名称”：与A列重复，都表示“企业名称”，请只保留一列"]


def test_excel_unicode_text_utf16_with_tabs(session: Session) -> None:
    rows = [ledger_row(1)]
    text = "\r\n".join(["\t".join(HEADERS)] + ["\t".join("" if r[h] is None else str(r[h]) for h in HEADERS)
                                                 for r in rows])
    result = run(session, text.encode("utf-16"), "台账.txt")
    assert result.ok, result.problems
    assert by_code(session, make_credit_code("140105", 900_001)).name == "太原测试1号钢铁有限公司"
