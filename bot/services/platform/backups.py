"""Backups that restore: the database and every piece of evidence, with a manifest of hashes.

A hazard record is legal evidence, so a backup is only useful if it is whole: the database and
the photos, recordings and videos its rows name. ``create`` writes into an empty directory:

- the database, consistent as of one instant (``database_dumps``), dumped FIRST: evidence is
  stored before the row that names it is committed, so every file a dumped row names already
  exists when the evidence is copied next;
- ``evidence/<key>``: a copy of every object of the evidence store (the directory store's files,
  or the bucket's objects), key for key;
- ``manifest.json``: what was copied, each file with its sha256 and size, the schema revision;
- ``SHA256SUMS``: the same hashes in ``sha256sum -c`` form, plus the manifest's own, written
  last: a directory without it is a backup that did not finish.

``verify`` re-reads every file against those hashes. ``restore`` verifies first, refuses a
database that has any table and an evidence store holding different bytes under a backed-up key,
then writes the evidence and loads the database (all or nothing on PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.services.platform import database_dumps
from bot.services.platform.database_dumps import DatabaseNotEmpty, DumpError
from bot.services.platform.storage import InvalidKey, MediaStore, check_key

log = logging.getLogger(__name__)

FORMAT = "hazardbot-backup/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
EVIDENCE_DIR = "evidence"
CHUNK = 1 << 20

__all__ = ["BackupError", "BackupReport", "DatabaseNotEmpty", "DumpError",
           "create", "restore", "sha256_file", "verify"]


class BackupError(RuntimeError):
    """The backup cannot be made or used; the message says why, for the operator."""


@dataclass
class BackupReport:
    """What ``create``, ``verify`` or ``restore`` did: counts, and every problem found."""

    database: str = ""
    objects: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create(database_url: str, store: MediaStore, target: Path, *, now: datetime) -> BackupReport:
    """Back up the database at ``database_url`` and every object of ``store`` into ``target``.

    :param target: a directory that does not exist yet or is empty.
    :raises BackupError: ``target`` is not empty, or the database cannot be dumped.
    """
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new directory for each backup")
    (target / EVIDENCE_DIR).mkdir(parents=True, exist_ok=True)
    try:
        dumped = database_dumps.dump(database_url, target)
    except (DumpError, OSError) as exc:
        raise BackupError(f"the database could not be dumped: {exc}") from exc
    database: dict[str, Any] = {"backend": database_dumps.backend_of(database_url), "file": dumped.name,
                "sha256": sha256_file(dumped), "bytes": dumped.stat().st_size,
                "revision": _revision(database_url)}
    objects: list[dict[str, Any]] = []
    for key in sorted(store.keys()):
        path = target / EVIDENCE_DIR / _safe_key(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with open(path, "wb") as out:  # streamed: a video need not fit in memory
            for chunk in store.iter_chunks(key):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        objects.append({"key": key, "sha256": digest.hexdigest(), "bytes": size})
    manifest = {"format": FORMAT, "created_at": now.isoformat(), "database": database,
                "evidence": {"store": getattr(store, "backend", type(store).__name__),
                             "count": len(objects), "objects": objects}}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    sums = [(database["sha256"], database["file"])]
    sums += [(o["sha256"], f"{EVIDENCE_DIR}/{o['key']}") for o in objects]
    sums.append((sha256_file(target / MANIFEST), MANIFEST))
    (target / SUMS).write_text("".join(f"{h}  {name}\n" for h, name in sums), "utf-8")
    report = BackupReport(database=dumped.name, objects=len(objects),
                          bytes=database["bytes"] + sum(o["bytes"] for o in objects))
    log.info("backup created in %s: database %s, %d evidence objects, %d bytes",
             target, dumped.name, report.objects, report.bytes)
    return report


def verify(source: Path) -> BackupReport:
    """Check every file of the backup in ``source`` against its hash; list every problem."""
    source = Path(source)
    report = BackupReport()
    try:
        manifest = _manifest(source)
    except BackupError as exc:
        report.problems.append(str(exc))
        return report
    database = manifest["database"]
    report.database = database["file"]
    if database["file"] not in (database_dumps.SQLITE_FILE, database_dumps.POSTGRESQL_FILE):
        report.problems.append(f"{MANIFEST}: unexpected database file {database['file']!r:.80}")
        return report
    _check(source / database["file"], database["sha256"], database["file"], report)
    listed = set()
    for entry in manifest["evidence"]["objects"]:
        name = f"{EVIDENCE_DIR}/{entry['key']}"
        listed.add(name)
        report.objects += 1
        report.bytes += int(entry["bytes"])
        _check(source / EVIDENCE_DIR / _safe_key(entry["key"]), entry["sha256"], name, report)
    for path in sorted(_files(source / EVIDENCE_DIR)):
        name = path.relative_to(source).as_posix()
        if name not in listed:
            report.problems.append(f"{name}: not in the manifest")
    return report


def restore(source: Path, database_url: str, store: MediaStore) -> BackupReport:
    """Put the backup in ``source`` back: evidence into ``store``, then the database.

    :raises BackupError: the backup fails ``verify``, or the store holds other bytes under one
        of its keys.
    :raises DatabaseNotEmpty: the target database has tables; nothing was written.
    """
    source = Path(source)
    report = verify(source)
    if not report.ok:
        raise BackupError("the backup does not verify, nothing was restored: "
                          + "; ".join(report.problems[:5]))
    manifest = _manifest(source)
    backend = database_dumps.backend_of(database_url)
    if manifest["database"]["backend"] != backend:
        raise BackupError(f"this is a backup of a {manifest['database']['backend']} database; "
                          f"it cannot be restored into {backend}")
    present = database_dumps.table_names(database_url)
    if present:
        raise DatabaseNotEmpty(
            f"the target database is not empty ({len(present)} tables); "
            "restore only into a new, empty database")
    entries = manifest["evidence"]["objects"]
    for entry in entries:  # all checks before the first write
        key = entry["key"]
        if store.exists(key) and hashlib.sha256(store.read(key)).hexdigest() != entry["sha256"]:
            raise BackupError(f"the evidence store already holds different bytes under {key}")
    for entry in entries:
        key = entry["key"]
        if not store.exists(key):
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            store.put(key, (source / EVIDENCE_DIR / _safe_key(key)).read_bytes(), content_type)
    try:
        database_dumps.restore(database_url, source / manifest["database"]["file"])
    except (DumpError, OSError) as exc:
        raise BackupError(f"the database could not be restored: {exc}") from exc
    log.info("backup %s restored: %d evidence objects", source, len(entries))
    return report


def _manifest(source: Path) -> dict[str, Any]:
    sums_path, manifest_path = source / SUMS, source / MANIFEST
    if not sums_path.exists():
        raise BackupError(f"{source}: no {SUMS}, so the backup did not finish (or this is not a backup)")
    sums: dict[str, str] = {}
    for line in sums_path.read_text("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    if not manifest_path.exists() or sha256_file(manifest_path) != sums.get(MANIFEST):
        raise BackupError(f"{MANIFEST}: missing or changed since the backup was made")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text("utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST}: unknown format {manifest.get('format')!r}")
    return manifest


def _check(path: Path, expected: str, name: str, report: BackupReport) -> None:
    if not path.is_file():
        report.problems.append(f"{name}: missing")
    elif sha256_file(path) != expected:
        report.problems.append(f"{name}: sha256 differs from the manifest (corrupted or changed)")


def _safe_key(key: str) -> str:
    """A key as a relative path inside the backup; a key that could escape it is refused."""
    try:
        return check_key(key)
    except InvalidKey:
        raise BackupError(f"unsafe evidence key {key!r:.80}") from None


def _files(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file()) if root.exists() else iter(())


def _revision(database_url: str) -> str | None:
    """The schema's Alembic revision, so a restore drill knows which code version to run."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
