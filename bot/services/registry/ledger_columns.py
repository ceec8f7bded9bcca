"""The enterprise ledger's columns and how each cell is read (监管台账, 003).

A ledger arrives as an Excel sheet kept by hand for years: phone numbers stored as numbers,
full-width digits, "√" for yes, a date pasted into the wrong column, "城区" that exists in
two cities. Each parser here turns one cell into the value the model stores, or raises
``CellError`` with a Chinese reason the officer can act on without asking anyone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.models.enterprise import INDUSTRIES, SCALES
from bot.services.registry import coordinates
from bot.services.registry.credit_code import CreditCodeError, validate_credit_code


class CellError(ValueError):
    """A cell that cannot be read; ``column`` overrides the column it is reported under."""

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


# Full-width letters, digits, space and the few symbols found in numbers and addresses fold
# to half-width; Chinese punctuation （），：； stays, as Chinese text is written with it.
_FOLD: dict[int, int | str] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0).isalnum()}
_FOLD.update({ord("\u3000"): " ", ord("－"): "-", ord("＋"): "+", ord("＃"): "#", ord("／"): "/"})
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
# ="0351…" keeps Excel from eating zeros: a constant, read as the text between the quotes. Only
# that form: anything else beginning with "=" is a formula, refused (see ``cell_text``).
_EXCEL_TEXT = re.compile(r'^="([^"]*)"$')


def _describe_date(value: date | time | timedelta) -> str:
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return value.isoformat() if not isinstance(value, timedelta) else str(value)


def cell_text(value: Any) -> str | None:
    """Any cell as the text a person sees; numbers as typed (13800000000.0 → "13800000000").

    Dates are refused: Excel turns "3-5" or "2024.1" into dates, and a date where text is
    expected means the cell no longer holds what was typed. Formulas are refused too (read as
    "=…" from an .xlsx cell of type formula, or typed as text in a CSV): their result is not
    what the ledger holds, and a name such as ``=HYPERLINK(…)`` would be a live link in every
    file the name is written to.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"是逻辑值（{'TRUE' if value else 'FALSE'}），应为文字")
    if isinstance(value, date | time | timedelta):
        raise CellError(
            f"是日期（{_describe_date(value)}），应为文字；请检查是否填错了列或被Excel自动转成了日期"
        )
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    match = _EXCEL_TEXT.match(text.strip())
    if match:
        text = match.group(1)
    if text.strip().startswith("="):
        raise CellError("是公式（以“=”开头），台账中不能使用公式；"
                        "请改为直接填写内容（可在Excel中复制后“选择性粘贴”为数值）")
    return text


def clean_text(value: Any, *, max_len: int, chinese_parens: bool = False) -> str | None:
    """Text with widths folded and whitespace collapsed; None when empty.

    :param chinese_parens: write () as （）, as enterprise names are registered with them.
    """
    text = cell_text(value)
    if text is None:
        return None
    text = re.sub(r"\s+", " ", text.translate(_FOLD)).strip()
    if chinese_parens:
        text = text.replace("(", "（").replace(")", "）")
    if not text:
        return None
    if len(text) > max_len:
        raise CellError(f"超过{max_len}个字（有{len(text)}个字）")
    return text


def code_text(value: Any) -> str:
    """A code-like cell (credit code, division code) with widths folded and no spaces."""
    text = cell_text(value) or ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_name(value: Any) -> str:
    name = clean_text(value, max_len=200, chinese_parens=True)
    if name is None:
        raise CellError("企业名称不能为空")
    return name


def parse_credit_code(value: Any) -> str:
    if isinstance(value, float):
        raise CellError("被Excel存成了数字，超过15位的数字后几位会丢失；请把该列设为“文本”格式后重新填写")
    text = code_text(value)
    if not text:
        raise CellError("统一社会信用代码不能为空")
    if _SCIENTIFIC.match(text):
        raise CellError(f"被显示成了科学计数法（{text}），后几位已丢失；请把该列设为“文本”格式后重新填写")
    try:
        return validate_credit_code(text)
    except CreditCodeError as exc:
        raise CellError(str(exc)) from None


def parse_industry(value: Any) -> str:
    text = clean_text(value, max_len=16)
    if text is None:
        raise CellError("行业类别不能为空")
    industry = text.replace(" ", "").removesuffix("行业")
    if industry not in INDUSTRIES:
        raise CellError(f"应为{'、'.join(INDUSTRIES)}之一，不是“{text}”")
    return industry


_SCALE_ALIASES = {"规上": "规模以上", "规下": "规模以下", "限额以上": "规模以上", "限额以下": "规模以下",
                  "规模(限额)以上": "规模以上", "规模(限额)以下": "规模以下"}


def parse_scale(value: Any) -> str | None:
    text = clean_text(value, max_len=32)
    if text is None:
        return None
    key = unicodedata.normalize("NFKC", text).replace(" ", "").removesuffix("企业").removesuffix("工业")
    scale = _SCALE_ALIASES.get(key, key)
    if scale not in SCALES:
        raise CellError(f"应为“规模以上”或“规模以下”（也可以不填），不是“{text}”")
    return scale


_TRUE = {"是", "Y", "YES", "T", "TRUE", "1", "√", "✓", "✔", "有"}
_FALSE = {"否", "N", "NO", "F", "FALSE", "0", "×", "✗", "✘", "无", "/", "-", "—", ""}


def parse_flag(value: Any) -> bool:
    """是/否, Y/N, 1/0, √ and 有/无; an empty cell means no."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = cell_text(value) or ""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"应填“是”或“否”（也可以是 Y/N、1/0、√，不填表示否），不是“{text.strip()}”")


def parse_count(value: Any) -> int | None:
    """A head count: a non-negative integer, "12人" allowed; empty means unknown."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value >= 0 and float(value).is_integer():
            return int(value)
        raise CellError(f"应为不小于0的整数，不是“{cell_text(value)}”")
    text = cell_text(value)
    if text is None:
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).removesuffix("人")
    if not key:
        return None
    if re.fullmatch(r"\d+", key, re.ASCII):
        return int(key)
    raise CellError(f"应为不小于0的整数，不是“{text.strip()}”")


def parse_phone(value: Any) -> str | None:
    text = cell_text(value)
    if text is None:
        return None
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    if _SCIENTIFIC.match(text):
        raise CellError(f"被显示成了科学计数法（{text}），号码可能已丢失；请把该列设为“文本”格式后重新填写")
    if re.fullmatch(r"\d+\.0", text):  # a number column saved to CSV by another program
        text = text[:-2]
    if len(text) > 32:
        raise CellError(f"超过32个字（有{len(text)}个字）")
    return text or None


def _coordinate(parse: Callable[[coordinates.Cell], Any]) -> Callable[[Any], Any]:
    """A 经度/纬度/坐标系 cell: a number as it is, anything else as the text a person sees."""

    def read(value: Any) -> Any:
        raw = value if isinstance(value, int | float) and not isinstance(value, bool) else cell_text(value)
        try:
            return parse(raw)
        except ValueError as exc:
            raise CellError(str(exc)) from None

    return read


def _text(max_len: int, *, chinese_parens: bool = False) -> Callable[[Any], str | None]:
    return lambda value: clean_text(value, max_len=max_len, chinese_parens=chinese_parens)


@dataclass(frozen=True)
class Column:
    """One ledger column: its header, the model field and how its cells are read."""

    header: str
    field: str  # Enterprise attribute; the two region columns both fill region_code
    parse: Callable[[Any], Any] | None  # None: the region columns, resolved together per row
    aliases: tuple[str, ...] = ()
    width: int = 12  # export column width, in Latin characters
    number: bool = False  # exported as a number, not as text


REGION_NAME = "所在县（市、区）"
REGION_CODE = "行政区划代码"

COLUMNS: tuple[Column, ...] = (
    Column("企业名称", "name", parse_name, ("单位名称", "企业（单位）名称"), width=36),
    Column("统一社会信用代码", "credit_code", parse_credit_code, ("社会信用代码", "信用代码"), width=22),
    Column(REGION_NAME, "region_code", None,
           ("所在县", "县（市、区）", "所属县（市、区）", "所在县（区、市）"), width=16),
    Column(REGION_CODE, "region_code", None, ("区划代码",), width=12),
    Column("详细地址", "address", _text(300), ("地址", "企业地址"), width=40),
    Column("行业类别", "industry", parse_industry, ("行业", "所属行业"), width=10),
    Column("细分行业", "sub_sector", _text(64, chinese_parens=True), ("行业细分", "细分领域"), width=22),
    Column("企业规模", "scale", parse_scale, ("规模",), width=10),
    Column("经济类型", "ownership", _text(32), ("企业性质", "经济性质"), width=10),
    Column("冶金（金属冶炼）", "metal_smelting", parse_flag, ("金属冶炼",), width=10),
    Column("涉爆粉尘", "dust_explosion", parse_flag, ("粉尘涉爆",), width=10),
    Column("涉粉作业人数", "dust_workers", parse_count, (), width=12, number=True),
    Column("有限空间", "confined_space", parse_flag, ("有限空间作业",), width=10),
    Column("涉氨制冷", "ammonia_refrigeration", parse_flag, (), width=10),
    Column("危化品使用", "hazchem", parse_flag, ("使用危化品", "危险化学品使用"), width=10),
    Column("厂中厂/出租场地", "leased_premises", parse_flag, ("厂中厂", "出租场地"), width=14),
    # 结对帮扶: counted in 附件1 row 2 ("其中确定标杆企业**家，帮扶企业**家").
    Column("标杆企业", "benchmark", parse_flag, ("是否标杆企业", "自查自改标杆企业"), width=10),
    Column("帮扶企业", "assisted", parse_flag, ("是否帮扶企业", "结对帮扶企业", "被帮扶企业"), width=10),
    Column("风险等级", "risk_grade", _text(16), ("分类分级", "风险分级"), width=10),
    Column("主要负责人", "principal_name", _text(64), (), width=12),
    Column("安全负责人", "safety_contact_name", _text(64), ("安全管理负责人",), width=12),
    Column("安全负责人电话", "safety_contact_phone", parse_phone,
           ("安全负责人联系电话", "联系电话"), width=16),
    # Where the plant is (the nearest-plant offer in chat, the map); both or neither.
    Column("经度", "longitude", _coordinate(coordinates.parse_longitude), ("东经",), width=8, number=True),
    Column("纬度", "latitude", _coordinate(coordinates.parse_latitude), ("北纬",), width=8, number=True),
    Column("坐标系", "coord_system", _coordinate(coordinates.parse_system), ("坐标系统",), width=7),
)
REQUIRED_HEADERS = ("企业名称", "统一社会信用代码", "行业类别")
# Enterprise attributes the ledger owns, in column order.
LEDGER_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(c.field for c in COLUMNS))


def header_key(text: Any) -> str:
    """How headers are compared: widths folded, no spaces or line breaks, no "*" marks."""
    key = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*]", "", key)


def column_for_header(text: Any) -> Column | None:
    key = header_key(text)
    for column in COLUMNS:
        if key in {header_key(h) for h in (column.header, *column.aliases)}:
            return column
    return None
