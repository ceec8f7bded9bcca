"""Voice messages and videos on the hazard page: listed, played (HTML5 audio/video) and
downloaded, under the same checks as the photos.

A recording is kept as received (a voice can name its speaker, a video may carry where it was
filmed), so it is shown to officers only: an enterprise manager is never given a reporter's
recording, as he is never given the report's own photos. Responses honour Range requests
(seeking in a long video) and are private to the browser's cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import abort, current_app, g, send_file
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.console import bp
from bot.models import Attachment, Hazard
from bot.services.platform.storage import (
    InvalidKey,
    LocalDirectoryStore,
    MediaMissing,
    MediaStore,
    StorageError,
)

RECORDING_KINDS = ("voice", "video")
_EXTENSIONS = {"audio/amr": "amr", "audio/ogg": "ogg", "audio/mpeg": "mp3", "video/mp4": "mp4"}


@dataclass(frozen=True)
class Recording:
    """One voice message or video as the hazard page lists it."""

    id: int
    kind: str  # voice | video
    number: int  # 语音 1, 语音 2, 视频 1…
    content_type: str
    transcript: str
    has_thumb: bool
    size_kb: int


def recordings_of(hazard: Hazard) -> list[Recording]:
    """The hazard's stored recordings, in the order they were sent; none for a manager."""
    if g.scope.is_manager:
        return []
    query = (select(Attachment)
             .where(Attachment.hazard_id == hazard.id, Attachment.status == "stored",
                    Attachment.kind.in_(RECORDING_KINDS))
             .order_by(Attachment.seq, Attachment.id))
    counts = dict.fromkeys(RECORDING_KINDS, 0)
    listed = []
    for a in g.db.scalars(query):
        counts[a.kind] += 1
        listed.append(Recording(
            id=a.id, kind=a.kind, number=counts[a.kind], content_type=a.content_type or "",
            transcript=a.transcript or "", has_thumb=bool(a.thumb_relpath),
            size_kb=max(1, (a.size_bytes or 0) // 1024),
        ))
    return listed


@bp.get("/evidence/<int:attachment_id>")
def recording(attachment_id: int) -> Response:
    """The recording itself, to play in the page."""
    attachment = _visible(attachment_id)
    return _send(str(attachment.relpath), attachment.content_type or "application/octet-stream")


@bp.get("/evidence/<int:attachment_id>/download")
def recording_download(attachment_id: int) -> Response:
    """The recording as a file to save (AMR, which browsers cannot play, is opened elsewhere)."""
    attachment = _visible(attachment_id)
    mime = attachment.content_type or "application/octet-stream"
    name = f"{attachment.kind}-{attachment.id}.{_EXTENSIONS.get(mime, 'bin')}"
    return _send(str(attachment.relpath), mime, download_name=name)


@bp.get("/evidence/<int:attachment_id>/thumb")
def recording_thumb(attachment_id: int) -> Response:
    """A video's thumbnail (scrubbed like a photo), the player's poster."""
    attachment = _visible(attachment_id)
    if not attachment.thumb_relpath:
        abort(404)
    return _send(attachment.thumb_relpath, "image/jpeg")


def _visible(attachment_id: int) -> Attachment:
    """The stored recording, if its hazard is one this officer may see; 404 otherwise."""
    attachment = g.db.get(Attachment, attachment_id)
    hazard = g.db.get(Hazard, attachment.hazard_id) if attachment and attachment.hazard_id else None
    if (attachment is None or hazard is None or attachment.kind not in RECORDING_KINDS
            or attachment.status != "stored" or not attachment.relpath
            or g.scope.is_manager or not g.scope.sees_hazard(hazard)):
        abort(404)
    return attachment


def _send(key: str, mimetype: str, *, download_name: str | None = None) -> Response:
    """From the configured media store: a local file with Range support (a player seeks), or a
    bucket's object streamed in chunks (the browser is never sent to the bucket)."""
    store = _store()
    try:
        if isinstance(store, LocalDirectoryStore):
            path = store.path_of(key)
            if not path.is_file():
                raise MediaMissing(key)
            response: Response = send_file(path, mimetype=mimetype, as_attachment=download_name is not None,
                                 download_name=download_name, conditional=True)
        else:
            size, chunks = store.size(key), store.iter_chunks(key)
            response = Response(chunks, mimetype=mimetype, direct_passthrough=True)
            response.content_length = size
            if download_name is not None:
                response.headers["Content-Disposition"] = (
                    f"attachment; filename*=UTF-8''{quote(download_name)}")
    except (MediaMissing, InvalidKey):
        abort(404)
    except StorageError:
        abort(503)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _store() -> MediaStore:
    """The store ``bot.wiring`` configured; the media directory where none is."""
    store = current_app.extensions.get("media_store")
    if store is None:
        return LocalDirectoryStore(Path(current_app.config["HAZARDBOT"]["media"]["dir"]))
    return store  # type: ignore[no-any-return]
