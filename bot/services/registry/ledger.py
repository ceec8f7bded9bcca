"""The enterprise supervision ledger (监管台账, 003): import, export and change history.

The ledger is re-filed every half year. An import therefore updates the enterprises it
already knows (matched by 统一社会信用代码) instead of adding copies, records what changed in
``EnterpriseChange``, and writes nothing at all unless every row of the file is valid: a
half-imported ledger is worse than none, because nobody can tell which half went in. The
report names every bad cell (row as Excel shows it, column, reason), not just the first, so
that one round of corrections is enough.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise, EnterpriseChange, Region
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.registry import coordinates
from bot.services.registry.ledger_columns import (
    COLUMNS,
    LEDGER_FIELDS,
    REGION_CODE,
    REGION_NAME,
    REQUIRED_HEADERS,
    CellError,
    Column,
    column_for_header,
    parse_flag,
)
from bot.services.registry.ledger_io import LedgerFileError, Row, read_sheets, write_csv, write_xlsx
from bot.services.registry.ledger_regions import RegionResolver

_HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common
_IN_CHUNK = 500


@dataclass(frozen=True)
class LedgerProblem:
    """One bad cell (or a problem with the whole file when ``row`` is None)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row is not None else "文件"
        return f"{where}“{self.column}”：{self.message}" if self.column else f"{where}：{self.message}"


@dataclass
class ImportResult:
    filename: str
    dry_run: bool = False
    problems: list[LedgerProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"发现{len(self.problems)}处问题，未导入任何数据；请修改后重新导入。"
        counts = f"新增{self.created}家，更新{self.updated}家，未变化{self.unchanged}家"
        text = f"检查通过（试运行，未写入）：将{counts}" if self.dry_run else f"导入完成：{counts}"
        if self.ignored_columns:
            text += f"。以下列不属于台账，已忽略：{'、'.join(self.ignored_columns)}"
        return text


@dataclass
class _ParsedRow:
    row: int
    values: dict[str, Any]


def import_actor(filename: str) -> str:
    return f"import:{Path(filename).name}"[:200]


def create_enterprise(session: Session, values: dict[str, Any], *, actor: str, now: datetime) -> Enterprise:
    """A new enterprise and its creation record (every set field as [None, value])."""
    return _create_many(session, [values], actor=actor, now=now)[0]


def _create_many(
    session: Session, rows: list[dict[str, Any]], *, actor: str, now: datetime
) -> list[Enterprise]:
    _check_fields(f for values in rows for f in values)
    enterprises = [Enterprise(created_at=now, **values) for values in rows]
    session.add_all(enterprises)
    session.flush()  # ids for the change rows, model defaults for the flags
    for enterprise in enterprises:
        values = {f: getattr(enterprise, f) for f in LEDGER_FIELDS}
        created = {f: [None, v] for f, v in values.items() if v is not None}
        session.add(EnterpriseChange(enterprise_id=enterprise.id, at=now, actor=actor, changes=created))
    return enterprises


def update_enterprise(
    session: Session, enterprise: Enterprise, changes: dict[str, Any], actor: str, now: datetime
) -> EnterpriseChange | None:
    """Apply ``changes`` ({field: new value}, already validated) and record what differed.

    Fields whose value is already the same are left out of the record; when nothing differs
    nothing is written and None is returned, so re-filing an unchanged ledger leaves no trace.
    """
    _check_fields(changes)
    diff = {f: [getattr(enterprise, f), v] for f, v in changes.items() if getattr(enterprise, f) != v}
    if not diff:
        return None
    for name, (_, new) in diff.items():
        setattr(enterprise, name, new)
    enterprise.updated_at = now
    change = EnterpriseChange(enterprise_id=enterprise.id, at=now, actor=actor, changes=diff)
    session.add(change)
    return change


def _check_fields(fields: Any) -> None:
    unknown = set(fields) - set(LEDGER_FIELDS)
    if unknown:
        raise ValueError(f"not ledger fields: {sorted(unknown)}")


def _find_header(sheets: list[list[Row]]) -> tuple[list[Row], int, list[Any]] | None:
    for rows in sheets:
        for position, (_, values) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
            if any((c := column_for_header(v)) is not None and c.field == "name" for v in values):
                return rows[position + 1 :], rows[position][0], values
    return None


def _map_columns(
    header_row: int, header: list[Any], result: ImportResult
) -> dict[int, tuple[Column, str]]:
    """{cell index: (column, the header as written)}; problems for duplicates and missing ones."""
    mapping: dict[int, tuple[Column, str]] = {}
    seen: dict[str, int] = {}
    for index, text in enumerate(header):
        if text is None or not str(text).strip():
            continue
        column = column_for_header(text)
        written = str(text).strip()
        if column is None:
            result.ignored_columns.append(written)
        elif column.header in seen:
            from openpyxl.utils import get_column_letter  # not at the top: see ledger_io

            first = get_column_letter(seen[column.header] + 1)
            result.problems.append(LedgerProblem(header_row, written, (
                f"与{first}列重复，都表示“{column.header}”，请只保留一列")))
        else:
            seen[column.header] = index
            mapping[index] = (column, written)
    missing = [h for h in REQUIRED_HEADERS if h not in seen]
    if REGION_NAME not in seen and REGION_CODE not in seen:
        missing.append(f"{REGION_NAME}（或{REGION_CODE}）")
    if missing:
        result.problems.append(LedgerProblem(header_row, "", (
            f"缺少必需的列：{'、'.join(missing)}。表头的写法请参照导出的台账")))
    return mapping


def _parse_row(
    number: int, values: list[Any], mapping: dict[int, tuple[Column, str]],
    resolver: RegionResolver, result: ImportResult,
) -> _ParsedRow:
    parsed: dict[str, Any] = {}
    region_cells: dict[str, Any] = {}
    written = {column.header: text for column, text in mapping.values()}
    for index, (column, text) in mapping.items():
        value = values[index] if index < len(values) else None
        if column.parse is None:
            region_cells[column.header] = value
            continue
        try:
            parsed[column.field] = column.parse(value)
        except CellError as exc:
            result.problems.append(LedgerProblem(number, text, str(exc)))
    _check_position(number, parsed, written, result)
    try:
        parsed["region_code"] = resolver.resolve(region_cells.get(REGION_NAME), region_cells.get(REGION_CODE))
    except CellError as exc:
        blamed = exc.column or REGION_NAME
        result.problems.append(LedgerProblem(number, written.get(blamed, blamed), str(exc)))
    return _ParsedRow(number, parsed)


def _check_position(
    number: int, parsed: dict[str, Any], written: dict[str, str], result: ImportResult
) -> None:
    """经度 and 纬度 come together; a stated 坐标系 needs them, and GCJ-02 (what Chinese maps and
    WeChat give) is assumed where none is stated. Only the columns the file has are judged."""
    if not {"longitude", "latitude"} <= parsed.keys():
        return
    lng, lat = parsed["longitude"], parsed["latitude"]
    if (lng is None) != (lat is None):
        missing = "纬度" if lat is None else "经度"
        result.problems.append(LedgerProblem(number, written.get(missing, missing), (
            f"填了{'经度' if lat is None else '纬度'}但没有填{missing}；请两个都填，或都不填")))
    elif lng is None:
        if parsed.get("coord_system"):
            result.problems.append(LedgerProblem(number, written.get("坐标系", "坐标系"),
                                                 "填了坐标系但没有填经度、纬度"))
        parsed["coord_system"] = None
    else:
        parsed["coord_system"] = parsed.get("coord_system") or coordinates.GCJ02


def _check_duplicates(rows: list[_ParsedRow], code_header: str, result: ImportResult) -> None:
    by_code: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if "credit_code" in row.values:
            by_code[row.values["credit_code"]].append(row.row)
    for numbers in by_code.values():
        for number in numbers if len(numbers) > 1 else ():
            others = "、".join(f"第{n}行" for n in numbers if n != number)
            result.problems.append(LedgerProblem(number, code_header, f"与{others}的统一社会信用代码重复"))


def _existing(
    session: Session, rows: list[_ParsedRow]
) -> tuple[dict[str, Enterprise], dict[str, list[Enterprise]]]:
    """Enterprises matched by credit code, and those without one by name (to fill it in)."""
    codes = [r.values["credit_code"] for r in rows]
    names = list({r.values["name"] for r in rows})
    by_code: dict[str, Enterprise] = {}
    by_name: dict[str, list[Enterprise]] = defaultdict(list)
    for start in range(0, max(len(codes), len(names)), _IN_CHUNK):
        chunk = codes[start : start + _IN_CHUNK]
        for enterprise in session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(chunk))):
            by_code[enterprise.credit_code or ""] = enterprise
        chunk = names[start : start + _IN_CHUNK]
        query = select(Enterprise).where(Enterprise.credit_code.is_(None), Enterprise.name.in_(chunk))
        for enterprise in session.scalars(query.order_by(Enterprise.id)):
            by_name[enterprise.name].append(enterprise)
    return by_code, by_name


def import_ledger(
    session: Session, data: bytes, *, filename: str, now: datetime, dry_run: bool = False
) -> ImportResult:
    """Validate the whole file, then create and update enterprises; the caller commits.

    Nothing is added to the session when any problem is found, or on a dry run (which still
    reports how many enterprises would be created, updated or left unchanged).

    :param data: the file's bytes (from disk or an upload); the format follows ``filename``.
    """
    result = ImportResult(filename=filename, dry_run=dry_run)
    try:
        sheets = read_sheets(data, filename)
    except LedgerFileError as exc:
        result.problems.append(LedgerProblem(None, "", str(exc)))
        return result
    found = _find_header(sheets)
    if found is None:
        result.problems.append(LedgerProblem(None, "", (
            f"没有找到表头：前{_HEADER_SEARCH_ROWS}行中没有“企业名称”列。表头的写法请参照导出的台账")))
        return result
    body, header_row, header = found
    mapping = _map_columns(header_row, header, result)
    if not result.ok:
        return result
    resolver = RegionResolver(session.scalars(select(Region)))
    parsed = [_parse_row(number, values, mapping, resolver, result) for number, values in body]
    code_header = next(text for column, text in mapping.values() if column.field == "credit_code")
    _check_duplicates(parsed, code_header, result)
    if not result.ok:
        result.problems.sort(key=lambda p: (p.row or 0, _column_order(p.column, mapping)))
        return result

    actor = import_actor(filename)
    by_code, by_name = _existing(session, parsed)
    to_create: list[dict[str, Any]] = []
    for row in parsed:
        enterprise = by_code.get(row.values["credit_code"])
        if enterprise is None and by_name.get(row.values["name"]):
            enterprise = by_name[row.values["name"]].pop(0)
        if enterprise is None:
            to_create.append(row.values)
            continue
        differs = any(getattr(enterprise, f) != v for f, v in row.values.items())
        if not differs:
            result.unchanged += 1
            continue
        result.updated += 1
        if not dry_run:
            update_enterprise(session, enterprise, row.values, actor, now)
    result.created = len(to_create)
    if not dry_run:
        if to_create:
            _create_many(session, to_create, actor=actor, now=now)
        session.flush()
    return result


def _column_order(written: str, mapping: dict[int, tuple[Column, str]]) -> int:
    return next((i for i, (_, text) in mapping.items() if text == written), -1)


def ledger_rows(session: Session, *, region_code: str | None = None) -> list[list[Any]]:
    """The ledger's rows in column order, sorted by county and name; flags as 是/否.

    :param region_code: only enterprises within this jurisdiction (see ``jurisdiction``).
    """
    query = select(Enterprise).order_by(Enterprise.region_code, Enterprise.name, Enterprise.id)
    if region_code is not None:
        query = query.where(Enterprise.region_code.in_(jurisdiction_codes(session, region_code)))
    names = dict(session.execute(select(Region.code, Region.name)).tuples().all())
    rows = []
    for enterprise in session.scalars(query):
        values: list[Any] = []
        for column in COLUMNS:
            value = getattr(enterprise, column.field)
            if column.header == REGION_NAME:
                value = names.get(value, value)
            elif column.parse is parse_flag:
                value = "是" if value else "否"
            values.append(value)
        rows.append(values)
    return rows


def export_ledger(session: Session, target: Path, *, region_code: str | None = None) -> int:
    """Write the ledger to ``target`` (.xlsx or .csv, by its extension); returns the row count."""
    rows = ledger_rows(session, region_code=region_code)
    ext = target.suffix.lower()
    if ext == ".xlsx":
        write_xlsx(target, rows)
    elif ext == ".csv":
        write_csv(target, rows)
    else:
        raise LedgerFileError(f"不支持导出为“{ext or target.name}”，请使用 .xlsx 或 .csv")
    return len(rows)
