"""Pick the media store ``[media]`` asks for, in one place every entry point shares.

Kept apart from ``storage`` so that the S3 module (which needs ``storage``'s keys and
errors) is imported only when a deployment chooses it: a local-only install never loads
boto3.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.services.platform.storage import LocalDirectoryStore, MediaStore, StorageError

BACKENDS = ("local", "s3")


def store_from_config(media_cfg: Mapping[str, Any]) -> MediaStore:
    """``backend = "local"`` keeps files under ``dir``; ``"s3"`` uses ``s3_bucket`` & co."""
    backend = media_cfg.get("backend", "local") or "local"
    if backend == "local":
        return LocalDirectoryStore(Path(media_cfg["dir"]))
    if backend == "s3":
        from bot.services.platform.storage_s3 import S3Store

        return S3Store.from_config(media_cfg)
    raise StorageError(f"unknown media backend {backend!r}")
