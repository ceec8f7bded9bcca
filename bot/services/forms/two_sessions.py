"""The 2021 Two Sessions table (001): 本周 and 累计 rows of the officers' inspections, and the list
of enterprises with major hazards.

Its rows count the officers' inspections only (``INSPECTION_SOURCES``: 专项督查), from the same
aggregates as 附件1 (``figures.py``); the enterprise list is 附件2's rows grouped by enterprise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.models import Campaign
from bot.services.forms.figures import (
    INSPECTION_SOURCES,
    hazard_figures,
    penalty_figures,
    region_and_codes,
)
from bot.services.forms.major_ledger import major_hazard_rows
from bot.services.forms.periods import Window, campaign_windows


@dataclass
class TwoSessionsRow:
    groups: int | None  # 市县督查组数: not recorded, left blank
    enterprises: int
    general_found: int
    general_fixed: int
    major_found: int
    major_fixed: int
    ordered_rectification: int
    fine_wan: Decimal  # 行政罚款: enterprise and principal fines together
    suspended: int
    license_revoked: int
    closed_down: int
    judicial_transfer: int
    joint_punishment: int
    exposed_units: int | None  # 曝光单位: not recorded
    accountable_persons: int | None  # 问责个人: not recorded

    def cells(self) -> list[Any]:
        return list(asdict(self).values())


@dataclass
class MajorEnterprise:
    name: str
    place: str
    industry: str
    details: str


@dataclass
class TwoSessionsTable:
    region_code: str
    region_name: str
    week: str
    this_week: TwoSessionsRow
    total: TwoSessionsRow
    major_enterprises: list[MajorEnterprise]
    period: Window | None = None  # 本周's window, printed as dates
    filer: str = ""  # 填表人: the officer who confirmed it

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (Decimals as strings), for freezing a confirmed report; ``form`` tells it
        apart from the 附件1 figures (``WeeklyFigures.as_json``) a report may hold."""
        def row(r: TwoSessionsRow) -> dict[str, Any]:
            return {**asdict(r), "fine_wan": str(r.fine_wan)}

        return {
            "form": "two_sessions", "region_code": self.region_code, "region_name": self.region_name,
            "week": self.week, "this_week": row(self.this_week), "total": row(self.total),
            "major_enterprises": [asdict(m) for m in self.major_enterprises],
            "period": [self.period.start.isoformat(), self.period.end.isoformat()] if self.period else None,
            "filer": self.filer,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TwoSessionsTable:
        """The table a confirmed report froze (``as_json``), to render it exactly as filed."""
        def row(values: dict[str, Any]) -> TwoSessionsRow:
            return TwoSessionsRow(**{**values, "fine_wan": Decimal(values["fine_wan"])})

        period = data.get("period")  # absent from tables filed before periods had dates
        return cls(
            region_code=data["region_code"], region_name=data["region_name"], week=data["week"],
            period=Window(*(datetime.fromisoformat(v) for v in period)) if period else None,
            filer=data.get("filer", ""),
            this_week=row(data["this_week"]), total=row(data["total"]),
            major_enterprises=[MajorEnterprise(**m) for m in data["major_enterprises"]],
        )


def _two_sessions_row(session: Session, codes: set[str], window: Window, since: datetime) -> TwoSessionsRow:
    h = hazard_figures(session, codes, window, since, by_stage=False, sources=INSPECTION_SOURCES)["all"]
    p = penalty_figures(session, codes, window)
    return TwoSessionsRow(
        groups=None, enterprises=h.enterprises, general_found=h.general_found,
        general_fixed=h.general_fixed, major_found=h.major_found, major_fixed=h.major_fixed,
        ordered_rectification=p.ordered_rectification,
        fine_wan=p.fine_enterprise_wan + p.fine_principal_wan, suspended=p.suspended,
        license_revoked=p.license_revoked, closed_down=p.closed_down,
        judicial_transfer=p.judicial_transfer, joint_punishment=p.joint_punishment,
        exposed_units=None, accountable_persons=None,
    )


def two_sessions_table(
    session: Session, region_code: str, week: str, campaign: Campaign | None = None
) -> TwoSessionsTable:
    """The 2021 table: 本周 and 累计 rows of the officers' inspections, and the major-hazard list."""
    region, codes = region_and_codes(session, region_code)
    this_week, total = campaign_windows(campaign, week, session=session, region_code=region.code)
    ledger = major_hazard_rows(session, region_code, total, sources=INSPECTION_SOURCES)
    majors: dict[str, MajorEnterprise] = {}
    for row in ledger:  # grouping finished rows for display, not computing figures
        entry = majors.get(row.enterprise_name)
        if entry is None:
            majors[row.enterprise_name] = MajorEnterprise(
                row.enterprise_name, row.place, row.industry, row.details)
        else:
            entry.details += "；" + row.details
    return TwoSessionsTable(
        region_code=region.code, region_name=region.name, week=week,
        this_week=_two_sessions_row(session, codes, this_week, total.start),
        total=_two_sessions_row(session, codes, total, total.start),
        major_enterprises=list(majors.values()), period=this_week,
    )
