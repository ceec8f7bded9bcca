"""Enterprise posters: an A4 sheet for the factory gate with the enterprise's QR code.

The QR code is drawn by us from the text it must encode (WeChat's permanent-code URL, or our
H5 page in dev mode), never downloaded: one fewer call, and the image is as sharp as the page.
It is printed 12 cm wide with error correction Q and a quiet zone of 4 modules, enough to scan
from a metre or two off a weathered sheet. The footer carries the code's short id, so that an
officer can tell a revoked poster on a wall from the current one.

``draw_poster`` is pure (data in, image and the text lines it drew out): tests assert on the
lines, since the picture itself cannot be read back.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_Q
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise, Region
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.platform.fonts import Font, load_font
from bot.services.platform.pdfpages import ImagePdfWriter
from bot.services.platform.ports import QRCodeIssuer
from bot.services.registry.qrcodes import printable_codes

DPI = 200
PAGE_MM = (210.0, 297.0)
QR_MM = 120.0  # ≥ 8 cm asked; a tenth of the scanning distance is the usual rule
QR_BORDER = 4  # modules of quiet zone, as ISO/IEC 18004 requires
TITLE = "安全隐患扫码报告"
CALL_TO_ACTION = "扫码报告安全隐患 · 可匿名"
HOTLINE = "安全生产举报投诉电话 12350"
EXPORT_BATCH = 50  # enterprises read (and WeChat codes fetched) per short transaction

_RED = (200, 16, 46)
_INK = (26, 26, 26)
_GREY = (96, 96, 96)
_WHITE = (255, 255, 255)
# The poster's colours with their anti-aliasing steps from white, and the QR code's black:
# 16 colours, 4 bits a pixel. Mapping the page onto them (no dithering) makes pages 3x smaller
# and faster to encode than RGB, with no visible change: the poster has no other colours.
_PALETTE = [
    round(255 + (channel - 255) * step / 7)
    for ink, steps in ((_INK, range(8)), (_RED, range(1, 8))) for step in steps for channel in ink
] + [0, 0, 0]
_NO_LINE_START = set("）)」』】》〉，,。.、；;：:！!？?·")  # kept on the previous line
_NO_LINE_END = set("（(「『【《〈")  # carried to the next line


class PosterError(ValueError):
    """A poster or an export that cannot be made (unknown region, no enterprises)."""


@dataclass(frozen=True)
class PosterData:
    """Everything printed on one poster; ``qr_url`` is the exact text the QR code encodes."""

    enterprise_name: str
    credit_code: str | None
    region_name: str
    qr_url: str
    short_id: str


@dataclass(frozen=True)
class DrawnText:
    """One line of text as drawn: ``role`` says what it is (title, name, hotline…)."""

    role: str
    text: str
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Poster:
    image: Image.Image
    lines: list[DrawnText]
    qr_box: tuple[int, int, int, int]


# --- drawing ------------------------------------------------------------------------------

def px(mm: float, dpi: int = DPI) -> int:
    return round(mm / 25.4 * dpi)


def draw_poster(data: PosterData, *, dpi: int = DPI) -> Poster:
    """Draw the poster as an RGB image at ``dpi``; returns it with the lines drawn."""
    width, height = px(PAGE_MM[0], dpi), px(PAGE_MM[1], dpi)
    image = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(image)
    lines: list[DrawnText] = []

    def text(role: str, value: str, center_y: int, font: Font, fill: tuple[int, int, int]) -> None:
        draw.text((width // 2, center_y), value, font=font, fill=fill, anchor="mm")
        box = draw.textbbox((width // 2, center_y), value, font=font, anchor="mm")
        lines.append(DrawnText(role, value, (int(box[0]), int(box[1]), int(box[2]), int(box[3]))))

    mm = lambda value: px(value, dpi)  # noqa: E731 - a unit, read as "mm(12)"
    draw.rectangle((0, 0, width, mm(40)), fill=_RED)
    text("title", TITLE, mm(20), load_font(mm(15), bold=True), _WHITE)

    # The name block is centred between the band and the QR code, whose place never moves.
    qr_top = mm(98)
    name_font, name_lines = _fit_name(data.enterprise_name, mm(186), dpi)
    name_step = round(name_font.size * 1.3)
    block = name_step * len(name_lines) + (mm(11) if data.credit_code else 0)
    y = (mm(40) + qr_top - block) // 2 + name_step // 2
    for line in name_lines:
        text("name", line, y, name_font, _INK)
        y += name_step
    if data.credit_code:
        text("credit_code", f"统一社会信用代码：{data.credit_code}", y - name_step // 2 + mm(6),
             load_font(mm(5.5)), _GREY)

    qr_image = qr_image_for(data.qr_url, target_px=mm(QR_MM))
    qr_left = (width - qr_image.width) // 2
    qr_y = qr_top + (mm(QR_MM) - qr_image.height) // 2
    image.paste(qr_image.convert("RGB"), (qr_left, qr_y))
    qr_box = (qr_left, qr_y, qr_left + qr_image.width, qr_y + qr_image.height)

    text("call_to_action", CALL_TO_ACTION, mm(236), load_font(mm(10), bold=True), _RED)
    text("hotline", HOTLINE, mm(254), load_font(mm(7), bold=True), _INK)
    text("region", data.region_name, mm(267), load_font(mm(6)), _INK)
    draw.line((mm(15), mm(279), width - mm(15), mm(279)), fill=(200, 200, 200), width=max(1, mm(0.3)))
    text("footer", f"码号 {data.short_id} · 如二维码作废，以最新张贴为准", mm(286), load_font(mm(3.5)), _GREY)
    return Poster(image=image, lines=lines, qr_box=qr_box)


def qr_image_for(content: str, *, target_px: int) -> Image.Image:
    """A QR code (error correction Q, 4-module quiet zone) at the largest whole number of
    pixels per module that fits ``target_px``: whole pixels keep every module the same size."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QR_BORDER, box_size=1)
    code.add_data(content)
    code.make(fit=True)
    modules = code.modules_count + 2 * QR_BORDER
    code.box_size = max(1, target_px // modules)
    return code.make_image().get_image()  # type: ignore[no-any-return]


def _fit_name(name: str, max_width: int, dpi: int) -> tuple[Font, list[str]]:
    """The largest name size that fits in three lines; a longer name is cut with "…"."""
    for size_mm, max_lines in ((10.0, 2), (8.0, 3), (6.5, 3)):
        font = load_font(px(size_mm, dpi), bold=True)
        lines = wrap(name, font, max_width)
        if len(lines) <= max_lines:
            return font, _balanced(name, font, max_width, len(lines))
    lines = lines[:3]
    while lines[-1] and font.getlength(lines[-1] + "…") > max_width:
        lines[-1] = lines[-1][:-1]
    lines[-1] += "…"
    return font, lines


def _balanced(text: str, font: Font, max_width: int, count: int) -> list[str]:
    """The same number of lines, but of even length: "某某有限/公司" reads badly."""
    if count < 2:
        return wrap(text, font, max_width)
    width = font.getlength(" ".join(text.split())) / count
    step = font.getlength("中")
    fitting = []
    for slack in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        lines = wrap(text, font, min(max_width, int(width + slack * step)))
        if len(lines) == count:
            fitting.append(lines)
    # Prefer lines that do not split a bracket: "（控/股）" is hard to read.
    whole = [lines for lines in fitting if all(_brackets_closed(line) for line in lines)]
    return (whole or fitting or [wrap(text, font, max_width)])[0]


def _brackets_closed(line: str) -> bool:
    return line.count("（") + line.count("(") == line.count("）") + line.count(")")


def wrap(text: str, font: Font, max_width: int) -> list[str]:
    """Break Chinese text anywhere, but not after an opening bracket or before a closing one."""
    lines: list[str] = []
    current = ""
    for char in " ".join(text.split()):
        if current and font.getlength(current + char) > max_width and char not in _NO_LINE_START:
            carried = ""
            while len(current) > 1 and current[-1] in _NO_LINE_END:
                current, carried = current[:-1], current[-1] + carried
            lines.append(current.rstrip())
            current = (carried + char).lstrip()
        else:
            current += char
    if current:
        lines.append(current)
    return lines or [""]


# --- files --------------------------------------------------------------------------------

def printable(image: Image.Image) -> Image.Image:
    """The poster mapped onto its 16-colour palette (see ``_PALETTE``)."""
    palette = Image.new("P", (1, 1))
    palette.putpalette(_PALETTE)
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


def render_poster_png(data: PosterData, *, dpi: int = DPI) -> bytes:
    buf = io.BytesIO()
    printable(draw_poster(data, dpi=dpi).image).save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def render_poster_pdf(data: PosterData, *, dpi: int = DPI) -> bytes:
    buf = io.BytesIO()
    with ImagePdfWriter(buf, title=f"{TITLE} - {data.enterprise_name}") as pdf:
        pdf.add_page(printable(draw_poster(data, dpi=dpi).image))
    return buf.getvalue()


def poster_data(
    session: Session, enterprise: Enterprise, issuer: QRCodeIssuer, now: datetime, *, create: bool = True
) -> PosterData:
    """The poster of one enterprise, creating its code if needed (unless ``create`` is False:
    then ``NoActiveCode`` when it has none). Commits (see ``printable_codes``: WeChat is asked
    outside any transaction)."""
    name, credit_code = enterprise.name, enterprise.credit_code
    region = region_full_name(session, enterprise.region_code)
    (code,) = printable_codes(session, [enterprise], issuer, now, create=create)
    return PosterData(name, credit_code, region, code.url, code.short_id)


def export_region_pdf(
    session: Session,
    region_code: str,
    out_path: str | os.PathLike[str],
    issuer: QRCodeIssuer,
    *,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    dpi: int = DPI,
) -> int:
    """One poster page per enterprise within the region (it and every division under it).

    Pages stream to the file one at a time (``ImagePdfWriter``), and enterprises are read in
    batches of ``EXPORT_BATCH`` in short transactions, so neither memory nor the database lock
    grows with the region. The file appears only when complete (written beside it, then
    renamed). Commits the codes it creates. Returns the page count.

    :param progress: called with (pages done, pages in all) after each page.
    :raises PosterError: unknown region, or no enterprise in it.
    :raises QRCodeIssueError: WeChat refused or failed; no file is left behind.
    """
    codes = jurisdiction_codes(session, region_code)
    if not codes:
        raise PosterError(f"没有行政区划代码“{region_code}”")
    ids = list(session.scalars(
        select(Enterprise.id).where(Enterprise.region_code.in_(codes))
        .order_by(Enterprise.region_code, Enterprise.id)
    ))
    title = f"{TITLE} - {region_full_name(session, region_code)}"
    session.commit()  # never hold a transaction (SQLite: the write lock) while drawing
    if not ids:
        raise PosterError(f"行政区划“{region_code}”内没有企业")
    out = Path(out_path)
    tmp_name = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")  # umask applies, unlike mkstemp
    try:
        with open(tmp_name, "xb") as fh, ImagePdfWriter(fh, title=title) as pdf:
            for data in _posters(session, ids, issuer, now):
                pdf.add_page(printable(draw_poster(data, dpi=dpi).image))
                if progress is not None:
                    progress(pdf.page_count, len(ids))
            pages = pdf.page_count
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return pages


def _posters(session: Session, ids: list[int], issuer: QRCodeIssuer, now: datetime) -> Iterator[PosterData]:
    """Poster data batch by batch; no transaction is open while the caller draws a batch."""
    region_names: dict[str, str] = {}
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = list(session.scalars(
            select(Enterprise).where(Enterprise.id.in_(ids[start : start + EXPORT_BATCH]))
        ))
        batch.sort(key=lambda e: (e.region_code, e.id))  # the order of ``ids``
        texts = []
        for enterprise in batch:
            if enterprise.region_code not in region_names:
                region_names[enterprise.region_code] = region_full_name(session, enterprise.region_code)
            texts.append((enterprise.name, enterprise.credit_code, region_names[enterprise.region_code]))
        found = printable_codes(session, batch, issuer, now)  # commits
        for (name, credit_code, region), code in zip(texts, found, strict=True):
            yield PosterData(name, credit_code, region, code.url, code.short_id)


def region_full_name(session: Session, code: str) -> str:
    """"山西省太原市小店区" from a county code: the name as people write an address."""
    names: list[str] = []
    current: str | None = code
    for _ in range(5):
        region = session.get(Region, current) if current else None
        if region is None:
            break
        names.append(region.name)
        current = region.parent_code
    return "".join(reversed(names)) or code
