"""Copy every object from one media store to another and prove each copy by its sha256.

Used to move an existing media directory into a bucket (``flask media migrate --to s3``)
before switching ``[media] backend``. Evidence must arrive whole: each object is read back
from the target and its sha256 compared with the source's, and a content-addressed key (its
name is the sha256 of the bytes) is also checked against its own name, so a file damaged on
the old disk is reported, not silently carried over. Running it again is cheap and safe:
objects already in the target are only verified.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.services.platform.storage import MediaStore, StorageError

log = logging.getLogger(__name__)

_DIGEST_NAME = re.compile(r"(?:^|/)([0-9a-f]{64})\.[A-Za-z0-9]+$")
_TYPES = {"amr": "audio/amr", "mp3": "audio/mpeg", "mp4": "video/mp4", "jpg": "image/jpeg"}


@dataclass
class CopyReport:
    """What a copy did: keys copied, already there (verified), and failures with reasons."""

    copied: int = 0
    present: int = 0
    bytes_copied: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def content_type_of(key: str) -> str:
    """A content type from the key's extension (what the bucket serves it as)."""
    ext = key.rsplit(".", 1)[-1].lower() if "." in key else ""
    return _TYPES.get(ext) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def copy_all(
    source: MediaStore, target: MediaStore, *, prefix: str = "",
    progress: Callable[[str, str], None] | None = None,
) -> CopyReport:
    """Copy each key under ``prefix`` from ``source`` to ``target``, verifying every one.

    ``progress(key, outcome)`` is told ``copied``, ``present`` or ``failed: …`` per key.
    """
    report = CopyReport()
    for key in source.keys(prefix):
        outcome = _copy_one(source, target, key, report)
        if progress is not None:
            progress(key, outcome)
    return report


def _copy_one(source: MediaStore, target: MediaStore, key: str, report: CopyReport) -> str:
    try:
        data = source.read(key)
        digest = hashlib.sha256(data).hexdigest()
        named = _DIGEST_NAME.search(key)
        if named and named.group(1) != digest:
            return _fail(report, key, "source does not match its content-addressed name")
        already = target.exists(key) and target.size(key) == len(data)
        if not already:
            target.put(key, data, content_type_of(key))
        copied = hashlib.sha256(target.read(key)).hexdigest()
    except StorageError as exc:
        return _fail(report, key, str(exc))
    if copied != digest:
        return _fail(report, key, "copy in the target differs from the source (sha256)")
    if already:
        report.present += 1
        return "present"
    report.copied += 1
    report.bytes_copied += len(data)
    return "copied"


def _fail(report: CopyReport, key: str, reason: str) -> str:
    log.warning("media copy of %s failed: %s", key, reason)
    report.failed[key] = reason
    return f"failed: {reason}"
