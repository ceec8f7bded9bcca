"""Where evidence bytes live: one interface, a local directory or an S3-compatible bucket.

Photos, thumbnails, voice and video are stored under content-addressed keys (the sha256 of
the stored bytes names them, ``"ab/cd/abcd…ef.jpg"``: exactly ``Attachment.relpath``), so a
write is idempotent: the same bytes always land on the same key, and a key, once written,
never changes. Every reader (console, public links, API, exports) goes through a
``MediaStore`` so that two web hosts can share one bucket instead of one disk.

Keys are checked here, not only by callers: a key is relative, posix, made of
``[A-Za-z0-9._-]`` segments with no ``..``, so no stored path can escape the root directory
or the bucket prefix, whatever reached the database.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_BYTES = 64 * 1024

# Stored files: owner read/write, group read (lets a deployment give a web server access via
# its group); others nothing, since these files can expose a whistleblower.
_FILE_MODE = 0o640
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")
_MAX_KEY = 200  # Attachment.relpath is String(200)


class StorageError(Exception):
    """The store could not do what was asked (unreachable, refused, misconfigured)."""


class MediaMissing(StorageError, KeyError):
    """No object under this key: a reader shows "not found", never a 500."""


class InvalidKey(StorageError, ValueError):
    """A key that is not a safe relative path; never reaches the disk or the bucket."""


def check_key(key: str) -> str:
    """Return ``key`` when it is a safe relative posix key, else raise ``InvalidKey``."""
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY:
        raise InvalidKey(f"bad media key length: {key!r:.80}")
    parts = key.split("/")
    if any(p in (".", "..") or not _SEGMENT.match(p) for p in parts):
        raise InvalidKey(f"bad media key: {key!r:.80}")
    return key


def content_key(digest: str, extension: str) -> str:
    """The content-addressed key for bytes whose sha256 hex is ``digest``: ``ab/cd/<digest>.ext``."""
    return check_key(f"{digest[:2]}/{digest[2:4]}/{digest}.{extension}")


@runtime_checkable
class MediaStore(Protocol):
    """What the app needs of a place to keep evidence bytes.

    ``put`` is idempotent for content-addressed keys: writing a key that already holds an
    object of the same size does nothing. Readers never see a partial object (the directory
    store renames into place; S3 publishes a PUT whole). ``open`` returns a file object the
    caller closes; ``iter_chunks`` streams without holding the whole object in memory.
    """

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def delete(self, key: str) -> None: ...

    def describe(self) -> str: ...

    def check(self) -> None: ...


class LocalDirectoryStore:
    """Objects as files under ``root`` (today's layout: ``<root>/ab/cd/<sha256>.<ext>``)."""

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        """The file a key names (for code that needs a real path, e.g. ``send_file``)."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        target = self.path_of(key)
        if target.is_file() and target.stat().st_size == len(data):
            return
        _write_atomically(target, data)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path_of(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MediaMissing(key) from None

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        fh = self.open(key)  # raises MediaMissing before the first chunk is asked for
        return _chunks(fh, chunk_size)

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path_of(key).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            raise MediaMissing(key) from None

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key under ``prefix``, sorted; temporary ``.tmp-*`` files are skipped."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                try:
                    yield check_key(key)
                except InvalidKey:
                    continue  # a stray file a person put there: not ours to hand out

    def delete(self, key: str) -> None:
        try:
            self.path_of(key).unlink()
        except FileNotFoundError:
            pass

    def describe(self) -> str:
        return f"local directory {self.root}"

    def check(self) -> None:
        """Ready when the root exists (or can be made) and is writable by this process."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create media dir ({type(exc).__name__})") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError("media dir not writable")


def _chunks(fh: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with fh:
        while chunk := fh.read(chunk_size):
            yield chunk


def _write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, then ``os.replace`` (atomic on one filesystem)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, _FILE_MODE)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    """Make the rename durable; best effort, as some platforms cannot open directories."""
    try:
        dir_fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
