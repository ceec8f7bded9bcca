"""The checklist library (一行业一清单): TOML files in ``bot/data/checklists`` → the database.

Why data and not code: a new clause, a campaign's check points or a corrected text is an
edit of a file and ``flask checklists load``, reviewed like any change but with no code to
touch. Each file is one checklist with a ``version``; each item has a stable ``id`` (results
and findings point at it), its text, the clause it comes from (``basis``: article and item,
the 判定依据 of the hazard list), whether failing it is a major hazard, the ``verbatim`` flag
(False: text still to be checked against the gazette, shown as 待核对) and ``applies``: a
list of rules, any of which makes the item apply to an enterprise. A rule is ``{all = true}``
or a table whose keys must all match: ``industry`` (any of), ``sub_sector`` (any of the
words occurs in the enterprise's 细分行业), ``flags`` (all of these ledger flags are set).

Loading is idempotent: items are inserted or updated by id, and an item that is no longer in
the files is made inactive (not deleted: past inspections refer to it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import Checklist, ChecklistItem, Enterprise
from bot.models.enterprise import INDUSTRIES

FLAGS = ("metal_smelting", "dust_explosion", "confined_space", "ammonia_refrigeration", "hazchem",
         "leased_premises")
_RULE_KEYS = {"all", "industry", "sub_sector", "flags"}
_ITEM_KEYS = {"id", "text", "focus", "basis", "major", "verbatim", "applies"}
_MAX_TEXT = 2000


class ChecklistError(ValueError):
    """A checklist file that cannot be loaded; the message names the file and the item."""


@dataclass(frozen=True)
class ItemData:
    id: str
    text: str
    basis: str
    major: bool
    verbatim: bool
    applies: list[dict[str, Any]]
    focus: str | None = None


@dataclass(frozen=True)
class ChecklistData:
    id: str
    title: str
    version: str
    order: int
    standard: str | None
    items: list[ItemData]


@dataclass(frozen=True)
class LoadResult:
    checklists: int
    items: int
    added: int
    deactivated: int


def default_directory() -> Path:
    return Path(str(resources.files("bot.data").joinpath("checklists")))


def read_library(directory: Path | None = None) -> list[ChecklistData]:
    """Every ``*.toml`` of the directory, validated; item ids must be unique across files."""
    directory = directory or default_directory()
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise ChecklistError(f"{directory}: 没有检查清单文件（*.toml）")
    library = [read_checklist_file(path) for path in files]
    seen: dict[str, str] = {}
    for checklist in library:
        if checklist.id in seen:
            raise ChecklistError(f"清单编号 {checklist.id} 重复（{seen[checklist.id]}）")
        seen[checklist.id] = checklist.id
    item_seen: dict[str, str] = {}
    for checklist in library:
        for item in checklist.items:
            if item.id in item_seen:
                raise ChecklistError(f"检查项编号 {item.id} 重复：{item_seen[item.id]} 与 {checklist.id}")
            item_seen[item.id] = checklist.id
    return sorted(library, key=lambda c: (c.order, c.id))


def read_checklist_file(path: Path) -> ChecklistData:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ChecklistError(f"{path.name}: 无法读取（{exc}）") from exc
    where = path.name
    for key in ("id", "title", "version"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ChecklistError(f"{where}: 缺少 {key}")
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        raise ChecklistError(f"{where}: 没有检查项（[[items]]）")
    return ChecklistData(
        id=raw["id"], title=raw["title"], version=raw["version"], order=int(raw.get("order", 100)),
        standard=raw.get("standard"), items=[_item(where, i, entry) for i, entry in enumerate(items, 1)],
    )


def _item(where: str, n: int, entry: Any) -> ItemData:
    if not isinstance(entry, dict):
        raise ChecklistError(f"{where} 第{n}项: 格式不正确")
    label = f"{where} 第{n}项（{entry.get('id', '?')}）"
    unknown = set(entry) - _ITEM_KEYS
    if unknown:
        raise ChecklistError(f"{label}: 不认识的字段 {', '.join(sorted(unknown))}")
    for key in ("id", "text", "basis"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
            raise ChecklistError(f"{label}: {key} 须为非空文字")
    if len(entry["id"]) > 64 or len(entry["basis"]) > 300:
        raise ChecklistError(f"{label}: id 或 basis 过长")
    for key in ("major", "verbatim"):
        if not isinstance(entry.get(key), bool):
            raise ChecklistError(f"{label}: {key} 须为 true 或 false")
    focus = entry.get("focus")
    if focus is not None and not isinstance(focus, str):
        raise ChecklistError(f"{label}: focus 须为文字")
    return ItemData(
        id=entry["id"].strip(), text=entry["text"].strip(), basis=entry["basis"].strip(),
        major=entry["major"], verbatim=entry["verbatim"], applies=_rules(label, entry.get("applies")),
        focus=focus.strip() if focus else None,
    )


def _rules(label: str, applies: Any) -> list[dict[str, Any]]:
    if not isinstance(applies, list) or not applies:
        raise ChecklistError(f"{label}: applies 须为规则列表，例如 [{{ all = true }}]")
    for rule in applies:
        if not isinstance(rule, dict) or not rule or set(rule) - _RULE_KEYS:
            raise ChecklistError(f"{label}: applies 的规则只能含 {', '.join(sorted(_RULE_KEYS))}")
        if "all" in rule and (rule["all"] is not True or len(rule) > 1):
            raise ChecklistError(f"{label}: all 只能单独写作 all = true")
        for key in ("industry", "sub_sector", "flags"):
            values = rule.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise ChecklistError(f"{label}: {key} 须为文字列表")
        bad = [v for v in rule.get("industry", []) if v not in INDUSTRIES]
        bad += [v for v in rule.get("flags", []) if v not in FLAGS]
        if bad:
            raise ChecklistError(f"{label}: 不认识的行业或标志 {', '.join(bad)}")
    return [dict(rule) for rule in applies]


def load_checklists(session: Session, *, now: datetime, directory: Path | None = None) -> LoadResult:
    """Write the library into the database (insert or update by id); idempotent.

    The whole library is read and validated before the first write, so a bad file loads
    nothing. Items missing from the files are made inactive.
    """
    library = read_library(directory)
    existing = {i.id: i for i in session.scalars(select(ChecklistItem))}
    added = 0
    wanted: set[str] = set()
    for position, data in enumerate(library):
        checklist = session.get(Checklist, data.id) or Checklist(id=data.id)
        checklist.title, checklist.version, checklist.standard = data.title, data.version, data.standard
        checklist.position, checklist.loaded_at = position, now
        session.add(checklist)
        session.flush()
        for item_position, item in enumerate(data.items):
            row = existing.get(item.id)
            if row is None:
                row = ChecklistItem(id=item.id)
                session.add(row)
                added += 1
            row.checklist_id, row.position = data.id, item_position
            row.text, row.focus, row.basis = item.text, item.focus, item.basis
            row.major, row.verbatim, row.applies, row.active = item.major, item.verbatim, item.applies, True
            wanted.add(item.id)
    stale = set(existing) - wanted
    if stale:
        session.execute(update(ChecklistItem).where(ChecklistItem.id.in_(stale)).values(active=False))
    session.flush()
    return LoadResult(len(library), len(wanted), added, len(stale))


def applies_to(rules: list[dict[str, Any]], enterprise: Enterprise) -> bool:
    """Whether any rule matches the enterprise's industry, sub-sector and flags."""
    return any(_matches(rule, enterprise) for rule in rules)


def _matches(rule: dict[str, Any], enterprise: Enterprise) -> bool:
    if rule.get("all"):
        return True
    industries = rule.get("industry")
    if industries and enterprise.industry not in industries:
        return False
    words = rule.get("sub_sector")
    if words and not any(word in (enterprise.sub_sector or "") for word in words):
        return False
    return all(bool(getattr(enterprise, flag)) for flag in rule.get("flags", []))


def applicable_items(session: Session, enterprise: Enterprise) -> list[ChecklistItem]:
    """The active items that apply to the enterprise, in the library's order."""
    query = (
        select(ChecklistItem)
        .join(Checklist, Checklist.id == ChecklistItem.checklist_id)
        .where(ChecklistItem.active.is_(True))
        .order_by(Checklist.position, ChecklistItem.position)
    )
    return [item for item in session.scalars(query) if applies_to(item.applies, enterprise)]
