"""Hazard photos: accept only real images, strip what could identify the reporter, store once.

A worker's phone photo carries EXIF (GPS position, device model and serial, timestamps) that
could let his employer work out who reported the hazard, so every photo is decoded and
re-encoded from its pixels alone; nothing from the original file but the picture survives.
Decoding untrusted files is also where the risk lies (decompression bombs, truncated or forged
files), so size and pixel limits are checked before any pixel is decoded, and every Pillow
failure becomes a ``PhotoRejected`` carrying a message the user can read.

Metadata policy: EXIF (incl. GPS and maker notes), XMP, JPEG comments, PNG text chunks, DPI
and the ICC colour profile are all dropped. ICC is dropped too because vendor profiles can
name the device model and a creation date, and the colour shift (e.g. Display P3 shown as
sRGB) does not matter for a hazard photo.

Output format: photos (JPEG, MPO, opaque WEBP) become JPEG at quality 88. Images with
transparency, and lossless sources (PNG, GIF), become PNG: those are screenshots and
diagrams, where JPEG would smear text and flattening alpha onto a colour would alter what the
reporter sent.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.services.platform.storage import LocalDirectoryStore, MediaStore, content_key

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
JPEG_QUALITY = 88

# Pillow format names we decode. MPO (multi-picture JPEG written by many phone cameras) is
# opened by the JPEG plugin; only its first picture is kept.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_LOSSLESS_SOURCES = frozenset({"PNG", "GIF"})
_PNG_MODES = frozenset({"1", "L", "P", "RGB", "RGBA", "I", "I;16"})
_JPEG_MODES = frozenset({"L", "RGB"})
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}

MSG_EMPTY = "收到的图片是空的，请重新发送"
MSG_NOT_IMAGE = "这不是有效的图片文件（支持 JPG、PNG、WEBP、GIF）"
MSG_DAMAGED = "图片文件已损坏或不完整，请重新发送"
MSG_TOO_MANY_PIXELS = "图片像素过多，请缩小后重新发送"


class PhotoRejected(Exception):
    """A photo we will not store; ``message`` is Chinese and fit to show the user.

    ``reason`` is a short English code (``empty``, ``too_large``, ``not_image``, ``damaged``,
    ``too_many_pixels``) for logs, metrics and tests, so they never parse the Chinese text.
    """

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str  # of the stored (scrubbed) bytes; names the file
    original_sha256: str  # of the bytes as received, for evidence integrity
    relpath: str  # the media store key, posix separators: "ab/cd/abcd…ef.jpg"
    content_type: str  # image/jpeg or image/png
    width: int
    height: int
    size_bytes: int


def _reject(message: str, reason: str, size: int, detail: str = "") -> PhotoRejected:
    """Log the rejection (never the bytes) and build the exception to raise."""
    suffix = f": {detail}" if detail else ""
    logger.warning("photo rejected: %s (%d bytes)%s", reason, size, suffix)
    return PhotoRejected(message, reason)


def _too_large_message(max_bytes: int) -> str:
    if max_bytes >= 1024 * 1024:
        limit = f"{max_bytes / (1024 * 1024):g} MB"
    elif max_bytes >= 1024:
        limit = f"{max_bytes / 1024:g} KB"
    else:
        limit = f"{max_bytes} 字节"
    return f"图片太大（超过 {limit}）"


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """Open lazily (header only) and refuse absurd dimensions before any pixel is decoded.

    Our own width*height check is the real guard: it does not depend on the process-wide
    ``Image.MAX_IMAGE_PIXELS`` that any other code may change.
    """
    im = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    width, height = im.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise _reject(
            MSG_TOO_MANY_PIXELS, "too_many_pixels", len(data), f"{im.format} {width}x{height}"
        )
    return im


def _decode(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    """Return the fully decoded, upright first frame and the source format name."""
    try:
        # verify() checks structure (PNG chunk CRCs) but leaves the image unusable, hence
        # the second open, which repeats the pixel check for free.
        _open_checked(data, max_pixels).verify()
        im = _open_checked(data, max_pixels)
        source_format = im.format or ""
        # load() raises on truncated data as long as ImageFile.LOAD_TRUNCATED_IMAGES is off
        # (its default; nothing here turns it on), so a half photo is never stored as evidence.
        im.load()
        # Rotate the pixels per EXIF orientation now: the tag is about to be dropped.
        upright = ImageOps.exif_transpose(im)
        return upright, source_format
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard; the warning only arrives here when warnings are errors.
        raise _reject(MSG_TOO_MANY_PIXELS, "too_many_pixels", len(data), str(exc)[:200]) from None
    except UnidentifiedImageError:
        raise _reject(MSG_NOT_IMAGE, "not_image", len(data)) from None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error…
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise _reject(MSG_DAMAGED, "damaged", len(data), detail) from None


def _encode(im: Image.Image, source_format: str) -> tuple[bytes, str]:
    """Re-encode pixels only; returns (bytes, content_type)."""
    if im.has_transparency_data:
        # Must happen before info is cleared: palette/colour-key transparency lives there.
        im = im.convert("RGBA")
    as_png = im.mode == "RGBA" or source_format in _LOSSLESS_SOURCES
    if as_png and im.mode not in _PNG_MODES:
        im = im.convert("RGB")
    elif not as_png and im.mode not in _JPEG_MODES:
        im = im.convert("RGB")
    # Pillow's PNG and JPEG writers copy ICC profile, comment and transparency from info;
    # ``im`` is our own copy (exif_transpose/convert made it), so clearing it is safe.
    im.info.clear()
    buf = io.BytesIO()
    if as_png:
        im.save(buf, format="PNG")
        return buf.getvalue(), "image/png"
    im.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue(), "image/jpeg"


def scrub_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[bytes, str, int, int]:
    """Validate and re-encode: returns (clean_bytes, content_type, width, height).

    Width and height are those of the upright picture. Raises ``PhotoRejected`` for anything
    that is not a complete JPEG/PNG/WEBP/GIF within the limits.
    """
    if not data:
        raise _reject(MSG_EMPTY, "empty", 0)
    if len(data) > max_bytes:
        raise _reject(_too_large_message(max_bytes), "too_large", len(data))
    im, source_format = _decode(data, max_pixels)
    try:
        clean, content_type = _encode(im, source_format)
    except Exception as exc:  # an odd mode Pillow cannot convert: still the user's file
        detail = f"encode {type(exc).__name__}: {str(exc)[:200]}"
        raise _reject(MSG_DAMAGED, "damaged", len(data), detail) from None
    return clean, content_type, im.width, im.height


def store_photo(
    data: bytes,
    store: MediaStore | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> StoredPhoto:
    """Scrub, then put into ``store`` under a key named by the sha256 of the clean bytes.

    ``store`` is the configured media store (a bare directory ``Path`` is wrapped in a
    ``LocalDirectoryStore``). Content addressing makes a retried job harmless: the same
    clean bytes land on the same key and an existing complete object is left alone; readers
    never see a partial photo (the store publishes whole objects). Scrubbing is
    deterministic for one Pillow/libjpeg build only: to recognise a photo sent again after
    an upgrade, compare ``original_sha256``.
    """
    clean, content_type, width, height = scrub_image(
        data, max_bytes=max_bytes, max_pixels=max_pixels
    )
    digest = hashlib.sha256(clean).hexdigest()
    relpath = content_key(digest, _EXTENSIONS[content_type])
    target = LocalDirectoryStore(store) if isinstance(store, Path) else store
    target.put(relpath, clean, content_type)
    return StoredPhoto(
        sha256=digest,
        original_sha256=hashlib.sha256(data).hexdigest(),
        relpath=relpath,
        content_type=content_type,
        width=width,
        height=height,
        size_bytes=len(clean),
    )
