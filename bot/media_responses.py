"""Serve stored evidence from whichever media store is configured, streamed.

The console, the public pages and the API decide WHO may see a file; this module only
turns an allowed key into a response. The bytes are streamed in chunks from the store (a
directory or a bucket), so a 10 MB video never sits whole in a worker's memory, and the
browser is never sent to the bucket itself: the access check stays the only way in.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Flask, Response, abort, current_app

from bot.services.platform.storage import InvalidKey, MediaMissing, MediaStore, StorageError

log = logging.getLogger(__name__)


def media_store(app: Flask | None = None) -> MediaStore:
    """The store ``bot.wiring`` built from ``[media]``."""
    target = app if app is not None else current_app
    return target.extensions["media_store"]  # type: ignore[no-any-return]


def send_stored(key: str, mimetype: str, *, download_name: str | None = None) -> Response:
    """A streamed response of the object at ``key``; 404 when it is gone, 503 when unreachable.

    ``download_name`` makes it an attachment (a download) instead of shown inline.
    """
    store = media_store()
    try:
        size = store.size(key)
        chunks = store.iter_chunks(key)
    except (MediaMissing, InvalidKey):
        log.warning("stored media missing: %s", key[:80])
        abort(404)
    except StorageError as exc:
        log.error("media store unreachable serving %s: %s", key[:80], exc)
        abort(503)
    response = Response(chunks, mimetype=mimetype, direct_passthrough=True)
    response.content_length = size
    if download_name is not None:
        response.headers["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(download_name)}"
        )
    return response
