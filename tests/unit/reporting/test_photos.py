"""Photo intake: what a reporter and a regulator can observe about stored hazard photos."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import stat
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from bot.services.reporting.photos import PhotoRejected, StoredPhoto, scrub_image, store_photo

CJK = re.compile(r"[\u4e00-\u9fff]")
RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)


# --- fixtures: images as a phone or an attacker would send them ---------------------------


def _bytes(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **params)
    return buf.getvalue()


def _landscape_with_red_corner(size: tuple[int, int] = (64, 32)) -> Image.Image:
    """Blue picture, red top-left corner: shows where "up" ended after rotation."""
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, 16, 16))
    return im


def _phone_jpeg() -> bytes:
    """A JPEG as a phone writes it: sideways pixels + orientation 6, GPS, device serial."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "WhistlePhone"  # Make
    exif[0x0110] = "WP-Model-X"  # Model
    exif[0x0132] = "2026:11:24 08:15:00"  # DateTime
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = "SERIAL-0042-SECRET"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)  # GPS IFD
    gps[1] = "N"
    gps[2] = (37.0, 52.0, 12.5)  # Taiyuan-ish latitude
    gps[3] = "E"
    gps[4] = (112.0, 33.0, 7.25)
    gps[18] = "WGS-84-MAPDATUM"
    return _bytes(
        _landscape_with_red_corner(),
        "JPEG",
        exif=exif,
        comment=b"reporter phone 13800000000",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">XMP-SECRET-LOCATION</x:xmpmeta>',
        icc_profile=b"\0" * 128 + b"ICC-DEVICE-SERIAL-77",
    )


def _forged_png(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR claims width x height (CRC recomputed, so it parses)."""
    png = _bytes(Image.new("L", (1, 1)), "PNG")
    assert png[12:16] == b"IHDR"
    ihdr = png[16:29]  # IHDR data: width, height, depth, colour type, …
    data = struct.pack(">II", width, height) + ihdr[8:]
    chunk = b"IHDR" + data
    return png[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


def _open(path: Path) -> Image.Image:
    """Open a stored photo from its bytes (no file handle left open)."""
    return Image.open(io.BytesIO(path.read_bytes()))


def _files(media_dir: Path) -> list[Path]:
    return sorted(p for p in media_dir.rglob("*") if p.is_file())


def _rejected(data: bytes, media_dir: Path, **limits: int) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        store_photo(data, media_dir, **limits)
    assert CJK.search(info.value.message), info.value.message
    assert str(info.value) == info.value.message
    assert _files(media_dir) == [], "a rejected photo must leave nothing on disk"
    return info.value


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


# --- privacy: nothing but the picture survives ---------------------------------------------


def test_phone_jpeg_loses_gps_serial_and_all_metadata(media_dir: Path) -> None:
    original = _phone_jpeg()
    # the fixture really carries what we claim to strip
    src = Image.open(io.BytesIO(original))
    assert src.getexif().get_ifd(0x8825)[18] == "WGS-84-MAPDATUM"
    assert b"SERIAL-0042-SECRET" in original and b"XMP-SECRET" in original

    photo = store_photo(original, media_dir)

    raw = (media_dir / photo.relpath).read_bytes()
    stored = _open(media_dir / photo.relpath)
    assert photo.content_type == "image/jpeg" and stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert b"Exif" not in raw
    assert b"\xff\xe1" not in raw  # no APP1 segment (EXIF/XMP); cannot occur in scan data
    assert b"II*\x00" not in raw and b"MM\x00*" not in raw  # no TIFF/EXIF structure
    for secret in (
        b"WGS-84",
        b"SERIAL-0042",
        b"WhistlePhone",
        b"2026:11:24",
        b"13800000000",
        b"XMP-SECRET",
        b"ICC-DEVICE",
    ):
        assert secret not in raw, secret
    assert "icc_profile" not in stored.info and "comment" not in stored.info


def test_exif_orientation_is_applied_so_the_photo_stays_upright(media_dir: Path) -> None:
    photo = store_photo(_phone_jpeg(), media_dir)

    stored = _open(media_dir / photo.relpath).convert("RGB")
    assert (photo.width, photo.height) == (32, 64) == stored.size  # was 64x32 sideways
    # orientation 6 = turn 90° clockwise: the red top-left corner ends up top-right
    r, g, b = stored.getpixel((stored.width - 4, 4))
    assert r > 150 and b < 100
    r, g, b = stored.getpixel((4, 4))
    assert b > 150 and r < 100


def test_png_text_chunks_are_removed(media_dir: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Zhang San 13800000000")
    info.add_text("Comment", "Location secret", zip=True)  # zTXt
    info.add_itxt("Description", "举报人 李四", lang="zh", tkey="描述")  # iTXt
    original = _bytes(Image.new("RGB", (20, 10), GREEN), "PNG", pnginfo=info)
    assert Image.open(io.BytesIO(original)).text  # the fixture really carries text

    photo = store_photo(original, media_dir)

    raw = (media_dir / photo.relpath).read_bytes()
    stored = _open(media_dir / photo.relpath)
    assert photo.content_type == "image/png" and stored.format == "PNG"
    assert stored.text == {}
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"pHYs"):
        assert chunk not in raw, chunk
    assert b"13800000000" not in raw


# --- only complete, real images of sane size ------------------------------------------------


def test_not_an_image_is_rejected_and_logged_without_its_bytes(
    media_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.services.reporting.photos"):
        exc = _rejected(b"hello", media_dir)
    assert exc.reason == "not_image"
    assert exc.message == "这不是有效的图片文件（支持 JPG、PNG、WEBP、GIF）"
    assert "photo rejected: not_image" in caplog.text
    assert "hello" not in caplog.text


def test_unsupported_format_is_rejected(media_dir: Path) -> None:
    bmp = _bytes(Image.new("RGB", (8, 8), RED), "BMP")
    assert _rejected(bmp, media_dir).reason == "not_image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_file_is_rejected_not_half_decoded(media_dir: Path, fmt: str) -> None:
    # noisy content so the compressed data is long and cutting it loses real pixels
    im = Image.effect_noise((256, 256), 64).convert("RGB")
    data = _bytes(im, fmt)
    exc = _rejected(data[: len(data) // 2], media_dir)
    assert exc.reason == "damaged"
    assert exc.message == "图片文件已损坏或不完整，请重新发送"


def test_empty_file_is_rejected(media_dir: Path) -> None:
    exc = _rejected(b"", media_dir)
    assert exc.reason == "empty"


def test_oversize_file_is_rejected_before_decoding(media_dir: Path) -> None:
    data = _bytes(Image.new("RGB", (64, 64), RED), "PNG")
    exc = _rejected(data, media_dir, max_bytes=len(data) - 1)
    assert exc.reason == "too_large"
    assert exc.message.startswith("图片太大（超过 ")


def test_oversize_message_names_the_configured_limit() -> None:
    with pytest.raises(PhotoRejected) as info:
        scrub_image(b"x" * (10 * 1024 * 1024 + 1))
    assert info.value.message == "图片太大（超过 10 MB）"


def test_decompression_bomb_is_rejected_from_the_header(media_dir: Path) -> None:
    bomb = _forged_png(50_000, 50_000)  # 2.5 gigapixels claimed by a ~70 byte file
    assert len(bomb) < 200
    exc = _rejected(bomb, media_dir)
    assert exc.reason == "too_many_pixels"
    assert exc.message == "图片像素过多，请缩小后重新发送"


def test_pixel_limit_does_not_depend_on_pillow_global(
    media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another library may disable Pillow's own guard; ours must still hold.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert _rejected(_forged_png(50_000, 50_000), media_dir).reason == "too_many_pixels"
    # 64 Mpx: over our 40 Mpx default, under Pillow's default limit
    assert _rejected(_forged_png(8_000, 8_000), media_dir).reason == "too_many_pixels"


@pytest.mark.parametrize("action", ["ignore", "error"])
def test_pillow_bomb_warning_is_rejected_whatever_the_warning_filter(
    media_dir: Path, action: str
) -> None:
    # 100 Mpx is in Pillow's warning band (89–179 Mpx): it warns rather than raises.
    with warnings.catch_warnings():
        warnings.simplefilter(action, Image.DecompressionBombWarning)
        assert _rejected(_forged_png(10_000, 10_000), media_dir).reason == "too_many_pixels"


def test_real_image_over_a_small_pixel_limit_is_rejected(media_dir: Path) -> None:
    data = _bytes(Image.new("RGB", (100, 100), RED), "JPEG")
    assert _rejected(data, media_dir, max_pixels=9_999).reason == "too_many_pixels"


# --- content-addressed, idempotent storage --------------------------------------------------


def test_storing_the_same_photo_twice_keeps_one_file(media_dir: Path) -> None:
    data = _phone_jpeg()
    first = store_photo(data, media_dir)
    second = store_photo(data, media_dir)

    assert first == second
    assert _files(media_dir) == [media_dir / first.relpath]  # no duplicate, no temp leftovers


def test_different_photos_are_different_files(media_dir: Path) -> None:
    a = store_photo(_bytes(Image.new("RGB", (16, 16), RED), "JPEG"), media_dir)
    b = store_photo(_bytes(Image.new("RGB", (16, 16), BLUE), "JPEG"), media_dir)

    assert a.relpath != b.relpath and a.sha256 != b.sha256
    assert _files(media_dir) == sorted([media_dir / a.relpath, media_dir / b.relpath])


def test_hashes_path_and_size_describe_the_stored_file(media_dir: Path) -> None:
    data = _phone_jpeg()
    photo = store_photo(data, media_dir)

    stored = (media_dir / photo.relpath).read_bytes()
    assert isinstance(photo, StoredPhoto)
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert photo.original_sha256 == hashlib.sha256(data).hexdigest() != photo.sha256
    assert photo.size_bytes == len(stored)
    h = photo.sha256
    assert photo.relpath == f"{h[:2]}/{h[2:4]}/{h}.jpg"
    mode = stat.S_IMODE((media_dir / photo.relpath).stat().st_mode)
    assert mode & 0o007 == 0, "photos must not be world-readable"


def test_scrub_image_returns_clean_bytes_and_upright_size() -> None:
    clean, content_type, width, height = scrub_image(_phone_jpeg())
    assert content_type == "image/jpeg"
    assert (width, height) == (32, 64)
    assert Image.open(io.BytesIO(clean)).size == (32, 64)


# --- the formats phones and WeChat actually deliver -----------------------------------------


def test_animated_gif_stores_its_first_frame(media_dir: Path) -> None:
    frames = [Image.new("RGB", (24, 24), c) for c in (RED, GREEN, BLUE)]
    gif = _bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(gif)).n_frames == 3

    photo = store_photo(gif, media_dir)

    stored = _open(media_dir / photo.relpath)
    assert photo.content_type == "image/png" and (photo.width, photo.height) == (24, 24)
    assert getattr(stored, "n_frames", 1) == 1
    r, g, b = stored.convert("RGB").getpixel((12, 12))
    assert r > 150 and g < 100 and b < 100  # red: the first frame


def test_webp_photo_is_accepted_as_jpeg(media_dir: Path) -> None:
    webp = _bytes(_landscape_with_red_corner(), "WEBP", quality=80)
    photo = store_photo(webp, media_dir)
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (64, 32)
    assert _open(media_dir / photo.relpath).format == "JPEG"


def test_transparent_image_stays_png_with_its_alpha(media_dir: Path) -> None:
    im = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255), (0, 0, 5, 10))
    photo = store_photo(_bytes(im, "WEBP", lossless=True), media_dir)

    stored = _open(media_dir / photo.relpath)
    assert photo.content_type == "image/png" and stored.mode == "RGBA"
    assert stored.getpixel((8, 5))[3] == 0 and stored.getpixel((2, 5))[3] == 255


def test_multi_picture_jpeg_from_a_phone_keeps_the_first_picture(media_dir: Path) -> None:
    mpo = _bytes(
        Image.new("RGB", (16, 8), RED),
        "MPO",
        save_all=True,
        append_images=[Image.new("RGB", (16, 8), BLUE)],
    )
    photo = store_photo(mpo, media_dir)

    stored = _open(media_dir / photo.relpath)
    assert photo.content_type == "image/jpeg" and stored.format == "JPEG"
    assert stored.convert("RGB").getpixel((8, 4))[0] > 150


def test_png_with_a_bad_checksum_is_rejected(media_dir: Path) -> None:
    # A bit flipped in transit: the pixels still decode, only the chunk CRC tells.
    data = bytearray(_bytes(Image.effect_noise((64, 64), 64).convert("RGB"), "PNG"))
    idat = data.find(b"IDAT")
    (length,) = struct.unpack(">I", data[idat - 4 : idat])
    data[idat + 4 + length] ^= 0xFF  # first byte of the IDAT CRC
    assert _rejected(bytes(data), media_dir).reason == "damaged"
