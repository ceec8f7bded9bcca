"""Evidence in a report: recorded at once, fetched and checked by a job after the reply.

Photos are scrubbed (``photos``); voice messages and videos are checked and kept as received
(``recordings``), a video with its thumbnail scrubbed like a photo.

A photo that cannot be used is reported to its sender through the outbox. That row holds
his openid (until retention blanks it) and, once the draft is submitted, the attachment
belongs to the hazard: so nothing in the row may name the attachment or the hazard, or an
anonymous report would be one join away from its reporter. Its key is random (what keeps it
from being sent twice is the job's check of the locked attachment's status, in the same
transaction), its kind is the same for every rejection, and its text says only which of his
photos it was.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Attachment, User
from bot.services.messaging import jobs, outbox
from bot.services.messaging.jobs import JobRun, RetryLater
from bot.services.platform.ports import MediaFetcher, MediaFetchError
from bot.services.platform.storage import MediaStore
from bot.services.reporting.photos import PhotoRejected, StoredPhoto, store_photo
from bot.services.reporting.recordings import (
    DEFAULT_MAX_VIDEO_BYTES,
    DEFAULT_MAX_VOICE_BYTES,
    NOUNS,
    RecordingRejected,
    StoredRecording,
    store_recording,
)

log = logging.getLogger(__name__)

FETCH_PHOTO = "fetch_photo"
FETCH_RECORDING = "fetch_recording"


@dataclass(frozen=True)
class PhotoLimits:
    """The caps of every kind of evidence (a video's thumbnail is a photo)."""

    media_dir: Path
    max_bytes: int
    max_pixels: int
    max_voice_bytes: int = DEFAULT_MAX_VOICE_BYTES
    max_video_bytes: int = DEFAULT_MAX_VIDEO_BYTES
    store: MediaStore | None = None  # the configured media store; None: the directory media_dir

    @property
    def photo_store(self) -> MediaStore | Path:
        """Where every kind of evidence goes: the configured store, else the directory."""
        return self.store if self.store is not None else self.media_dir


def add_photo(
    session: Session, *, uploader: User, media_id: str, pic_url: str | None, seq: int, now: datetime
) -> Attachment:
    """Record a photo and queue its download; the chat reply does not wait for it."""
    attachment = Attachment(
        uploader_id=uploader.id, seq=seq, media_id=media_id[:128], pic_url=(pic_url or "")[:500],
        status="pending", created_at=now,
    )
    session.add(attachment)
    session.flush()
    jobs.enqueue(
        session, kind=FETCH_PHOTO, key=f"photo:{attachment.id}",
        payload={"attachment_id": attachment.id}, now=now,
    )
    return attachment


def add_recording(
    session: Session, *, uploader: User, kind: str, media_id: str, seq: int, now: datetime,
    transcript: str | None = None, thumb_media_id: str | None = None,
) -> Attachment:
    """Record a voice message or a video (``kind``) and queue its download after the reply.

    The transcript is WeChat's own recognition, kept with the audio as what was heard.
    """
    if kind not in ("voice", "video"):
        raise ValueError(f"not a recording: {kind}")
    attachment = Attachment(
        uploader_id=uploader.id, seq=seq, media_id=media_id[:128], kind=kind, status="pending",
        transcript=transcript or None, thumb_media_id=(thumb_media_id or "")[:128] or None,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    jobs.enqueue(
        session, kind=FETCH_RECORDING, key=f"recording:{attachment.id}",
        payload={"attachment_id": attachment.id}, now=now,
    )
    return attachment


def discard_unsubmitted(session: Session, *, uploader: User, attachment_ids: list[int]) -> None:
    """Drop the photos of an abandoned draft (a cancelled or expired dialogue)."""
    if attachment_ids:
        session.execute(
            delete(Attachment)
            .where(Attachment.id.in_(attachment_ids))
            .where(Attachment.uploader_id == uploader.id)
            .where(Attachment.hazard_id.is_(None))
        )


def make_fetch_photo_handler(fetcher: MediaFetcher, limits: PhotoLimits) -> jobs.JobHandler:
    """The job that downloads, checks and stores one photo."""

    def handler(session_factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        with session_factory() as session:
            attachment = session.get(Attachment, payload["attachment_id"])
            if attachment is None or attachment.status != "pending":
                return  # discarded with its draft, or already done
            media_id, pic_url = attachment.media_id, attachment.pic_url or None
        # The download and the image work happen outside any transaction.
        try:
            fetched = fetcher.fetch(media_id, pic_url=pic_url)
            stored: StoredPhoto | None = store_photo(
                fetched.data, limits.photo_store, max_bytes=limits.max_bytes,
                max_pixels=limits.max_pixels,
            )
            reason = None
        except MediaFetchError as exc:
            if not run.is_last:
                raise RetryLater(str(exc)) from exc
            stored, reason = None, "照片下载失败（可能已过期）"
        except PhotoRejected as exc:
            stored, reason = None, exc.message
        with session_factory() as session:
            # Locked: a second run of the job (a lease that ran out) waits, then finds it done.
            attachment = session.get(Attachment, payload["attachment_id"], with_for_update=True)
            if attachment is None or attachment.status != "pending":
                return  # the draft was cancelled while we were downloading
            if stored is not None:
                _keep(attachment, stored)
            else:
                _reject(session, attachment, reason or "照片无法使用", run.now)
            session.commit()

    return handler


def make_fetch_recording_handler(fetcher: MediaFetcher, limits: PhotoLimits) -> jobs.JobHandler:
    """The job that downloads, checks and stores one voice message or video (and its thumbnail)."""

    def handler(session_factory: sessionmaker[Session], payload: dict[str, Any], run: JobRun) -> None:
        with session_factory() as session:
            attachment = session.get(Attachment, payload["attachment_id"])
            if attachment is None or attachment.status != "pending":
                return
            kind, media_id, thumb_id = attachment.kind, attachment.media_id, attachment.thumb_media_id
        cap = limits.max_voice_bytes if kind == "voice" else limits.max_video_bytes
        thumb: StoredPhoto | None = None
        try:
            stored: StoredRecording | None = store_recording(
                fetcher.fetch(media_id).data, limits.photo_store, kind=kind, max_bytes=cap)
            reason = None
            if thumb_id:
                thumb = _thumbnail(fetcher, thumb_id, limits)
        except MediaFetchError as exc:
            if not run.is_last:
                raise RetryLater(str(exc)) from exc
            stored, reason = None, f"{NOUNS[kind]}下载失败（可能已过期）"
        except RecordingRejected as exc:
            stored, reason = None, exc.message
        with session_factory() as session:
            attachment = session.get(Attachment, payload["attachment_id"], with_for_update=True)
            if attachment is None or attachment.status != "pending":
                return
            if stored is not None:
                attachment.status = "stored"
                attachment.sha256 = attachment.original_sha256 = stored.sha256
                attachment.relpath = stored.relpath
                attachment.content_type = stored.content_type
                attachment.size_bytes = stored.size_bytes
                attachment.thumb_relpath = thumb.relpath if thumb is not None else None
            else:
                _reject(session, attachment, reason or f"{NOUNS[kind]}无法使用", run.now)
            session.commit()

    return handler


def _thumbnail(fetcher: MediaFetcher, media_id: str, limits: PhotoLimits) -> StoredPhoto | None:
    """A video's thumbnail, scrubbed like a photo; a video is still kept without one."""
    try:
        return store_photo(fetcher.fetch(media_id).data, limits.photo_store,
                           max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    except (MediaFetchError, PhotoRejected) as exc:
        log.info("video thumbnail %s not kept: %s", media_id[:64], exc)
        return None


def _keep(attachment: Attachment, stored: StoredPhoto) -> None:
    attachment.status = "stored"
    attachment.sha256 = stored.sha256
    attachment.original_sha256 = stored.original_sha256
    attachment.relpath = stored.relpath
    attachment.content_type = stored.content_type
    attachment.width = stored.width
    attachment.height = stored.height
    attachment.size_bytes = stored.size_bytes


def _reject(session: Session, attachment: Attachment, reason: str, now: datetime) -> None:
    """Keep the row as evidence that a photo was sent, and tell the sender it was not usable."""
    attachment.status = "rejected"
    attachment.error = reason[:200]
    log.info("%s %s rejected: %s", attachment.kind, attachment.id, reason)
    uploader = session.get(User, attachment.uploader_id) if attachment.uploader_id else None
    if uploader is not None:  # an anonymous report's photos have none once it is submitted
        if attachment.kind == "photo":
            text = f"您发送的第 {attachment.seq} 张照片无法使用：{reason}。请重新拍摄后再发送。"
        else:  # the same kind of row for every rejection: nothing in it says what was sent
            text = (f"您发送的{NOUNS[attachment.kind]}（第 {attachment.seq} 件材料）无法使用："
                    f"{reason}。未保存任何内容。")
        outbox.queue_message(
            session, key=f"photo_rejected:{secrets.token_hex(12)}", openid=uploader.openid,
            kind="photo_rejected", now=now, text=text,
        )
