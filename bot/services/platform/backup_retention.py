"""Which backups to keep: the last one of each of the newest N days and of the newest M weeks.

The nightly job writes one backup directory per night under one root (deploy/README.md,
"Backups"); without pruning the disk fills, and pruning by age alone would, after a run of
failed nights, delete the last good backups. So the rule counts backups, not days: the last
backup of each of the ``daily`` newest days that have one, plus the last of each of the
``weekly`` newest ISO weeks that have one. Only finished backups (``SHA256SUMS`` present, a
readable manifest) are counted or deleted; anything else under the root is left alone and named.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.services.platform.backups import MANIFEST, SUMS


@dataclass
class PruneResult:
    kept: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)  # not a finished backup: never touched


def finished_backups(root: Path) -> tuple[list[tuple[datetime, Path]], list[Path]]:
    """The finished backups under ``root`` with their creation time, newest first; and the rest."""
    found: list[tuple[datetime, Path]] = []
    other: list[Path] = []
    for path in sorted(Path(root).iterdir()) if Path(root).is_dir() else []:
        try:
            if not (path / SUMS).is_file():
                raise ValueError("unfinished")
            created = datetime.fromisoformat(json.loads((path / MANIFEST).read_text("utf-8"))["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            other.append(path)
            continue
        found.append((created, path))
    found.sort(reverse=True)
    return found, other


def to_keep(backups: list[tuple[datetime, Path]], *, daily: int, weekly: int) -> set[Path]:
    """The paths the rule keeps among ``backups`` (newest first); the newest is always kept."""
    keep: set[Path] = {backups[0][1]} if backups else set()
    days: dict[object, Path] = {}
    weeks: dict[object, Path] = {}
    for created, path in backups:  # newest first: the first seen of a day is its last backup
        days.setdefault(created.date(), path)
        weeks.setdefault(created.isocalendar()[:2], path)
    keep.update(list(days.values())[:daily])
    keep.update(list(weeks.values())[:weekly])
    return keep


def prune(root: Path, *, daily: int = 14, weekly: int = 8, dry_run: bool = False) -> PruneResult:
    """Delete the finished backups under ``root`` that the rule does not keep."""
    if daily < 1 or weekly < 0:
        raise ValueError("keep at least one daily backup")
    backups, other = finished_backups(root)
    keep = to_keep(backups, daily=daily, weekly=weekly)
    result = PruneResult(ignored=other)
    for _, path in backups:
        if path in keep:
            result.kept.append(path)
            continue
        if not dry_run:
            shutil.rmtree(path)
        result.deleted.append(path)
    return result
