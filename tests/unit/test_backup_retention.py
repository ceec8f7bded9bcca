"""The retention rule of nightly backups (``flask backup prune``): 14 daily, 8 weekly by default.

Backups are counted, not aged: after a run of failed nights the last good ones stay.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.platform.backup_retention import prune
from bot.services.platform.backups import MANIFEST, SUMS

START = datetime(2026, 1, 5, 18, 30, tzinfo=UTC)  # a Monday, 02:30 in Taiyuan


def _backup(root: Path, at: datetime) -> Path:
    path = root / at.strftime("%Y-%m-%dT%H%M")
    path.mkdir(parents=True)
    (path / MANIFEST).write_text(json.dumps({"created_at": at.isoformat()}), "utf-8")
    (path / SUMS).write_text("", "utf-8")
    return path


def test_a_hundred_nights_keep_14_days_and_8_weeks(tmp_path: Path) -> None:
    nights = [_backup(tmp_path, START + timedelta(days=i)) for i in range(100)]
    unfinished = tmp_path / "2026-04-16T0230"
    unfinished.mkdir()  # a backup still being written (or one that failed): no SHA256SUMS

    result = prune(tmp_path, daily=14, weekly=8)

    kept = sorted(p.name for p in tmp_path.iterdir() if p != unfinished)
    assert set(kept) == {p.name for p in result.kept}
    # The last 14 nights (Apr 1-14), and the last night of each of the 8 newest ISO weeks: the
    # newest night (week 16 has only begun) and the Sundays of weeks 9 to 15.
    last_14 = {p.name for p in nights[-14:]}
    sundays = sorted(p.name for p in nights if datetime.fromisoformat(p.name).isoweekday() == 7)
    assert nights[-1].name == "2026-04-14T1830"
    assert set(kept) == last_14 | set(sundays[-7:])
    assert len(kept) == 14 + 7 - 2  # the Sundays of Apr 5 and Apr 12 are among the last 14
    assert len(result.deleted) == 100 - len(kept)
    assert unfinished.is_dir() and result.ignored == [unfinished]


def test_failed_nights_do_not_age_out_the_last_good_backups(tmp_path: Path) -> None:
    nights = [_backup(tmp_path, START + timedelta(days=i)) for i in range(5)]
    # Then nothing for a month: pruning keeps all five, the newest days that have a backup.
    result = prune(tmp_path, daily=14, weekly=8)
    assert result.deleted == [] and sorted(result.kept) == nights


def test_a_dry_run_deletes_nothing(tmp_path: Path) -> None:
    for i in range(20):
        _backup(tmp_path, START + timedelta(days=i))
    result = prune(tmp_path, daily=3, weekly=1, dry_run=True)
    assert len(result.deleted) == 17 and all(p.is_dir() for p in result.deleted)
