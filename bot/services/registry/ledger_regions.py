"""Which county a ledger row is in, from what was written: a name, a code, or both.

Officers write "小店区", "太原市小店区" or "山西省太原市小店区", sometimes "清徐" without 县, and
some names exist twice ("城区" in 阳泉 and in 晋城). A name that fits several counties is
refused rather than guessed, since a wrong county puts an enterprise under the wrong officers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from bot.models import Region
from bot.services.registry.ledger_columns import REGION_CODE, REGION_NAME, CellError, cell_text, code_text


def _same_county(name: str, typed: str) -> bool:
    return name == typed or (name[:-1] == typed and name[-1] in "区县市" and len(typed) >= 2)


class RegionResolver:
    """Finds the county of a row from its name ("小店区", "太原市小店区") and/or its code."""

    def __init__(self, regions: Iterable[Region]) -> None:
        regions = list(regions)
        self._by_code = {r.code: r for r in regions}
        self._counties = [r for r in regions if r.is_county_level]
        self._cities = [r for r in regions if r.level == "prefecture_city"]

    def full_name(self, code: str) -> str:
        region = self._by_code[code]
        parent = self._by_code.get(region.parent_code or "")
        return f"{parent.name}{region.name}" if parent and parent.level == "prefecture_city" else region.name

    def _candidates(self, typed: str) -> list[Region]:
        exact = [r for r in self._counties if r.name == typed]
        if exact:
            return exact
        for city in self._cities:
            for prefix in dict.fromkeys((city.name, city.name.removesuffix("市"))):
                rest = typed.removeprefix(prefix)
                if rest != typed and rest:
                    found = [r for r in self._counties
                             if r.parent_code == city.code and _same_county(r.name, rest)]
                    if found:
                        return found
        loose = [r for r in self._counties if _same_county(r.name, typed)]
        if loose:
            return loose
        for city in self._cities:
            if typed in (city.name, city.name.removesuffix("市")):
                raise CellError(f"“{typed}”是设区的市，请填写到县（市、区），如“{city.name}××区”",
                                column=REGION_NAME)
        return []

    def resolve(self, name_value: Any, code_value: Any) -> str:
        """The county's code; ``CellError`` (with the column to blame) when it cannot be told."""
        region = None
        try:
            code = code_text(code_value)
        except CellError as exc:
            raise CellError(str(exc), column=REGION_CODE) from None
        if code:
            if not re.fullmatch(r"\d{6}", code, re.ASCII):
                raise CellError(f"应为6位数字，不是“{code}”", column=REGION_CODE)
            region = self._by_code.get(code)
            if region is None:
                raise CellError(f"山西省没有行政区划代码“{code}”", column=REGION_CODE)
            if not region.is_county_level:
                raise CellError(f"{code}是{region.name}，请填写县（市、区）一级的代码", column=REGION_CODE)
        raw = cell_text(name_value) if name_value is not None else None
        typed = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))
        typed = typed.removeprefix("山西省").removeprefix("山西")
        if not typed:
            if region is None:
                raise CellError("所在县（市、区）和行政区划代码都为空，至少填一项", column=REGION_NAME)
            return region.code
        found = self._candidates(typed)
        if not found:
            raise CellError(f"没有找到县（市、区）“{typed}”，请核对名称或填写行政区划代码",
                            column=REGION_NAME)
        if region is not None:
            if region.code not in {r.code for r in found}:
                full = self.full_name(region.code)
                raise CellError(f"“{typed}”与行政区划代码{region.code}（{full}）不一致", column=REGION_NAME)
            return region.code
        if len(found) > 1:
            names = "、".join(self.full_name(r.code) for r in found)
            example = self.full_name(found[0].code)
            raise CellError(f"“{typed}”有{len(found)}个（{names}），请写明所在市，如“{example}”",
                            column=REGION_NAME)
        return found[0].code
