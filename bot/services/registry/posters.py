"""Enterprise posters: an A4 sheet for the factory gate with the enterprise's QR code.

The QR code is drawn by us from the text it must encode (WeChat's permanent-code URL, or our
H5 page in dev mode), never downloaded: one fewer call, and the image is as sharp as the page.
It is printed 12 cm wide with error correction Q and a quiet zone of 4 modules, enough to scan
from a metre or two off a weathered sheet. The footer carries the code's short id, so that an
officer can tell a revoked poster on a wall from the current one.

``poster_layout`` places everything once; ``draw_poster`` paints that layout as an image (the
PNG poster) and the PDF draws the same layout as vectors (``poster_pdf``), so the two look
alike. ``draw_poster`` is pure (data in, image and the text lines it drew out): tests assert on
the lines, since the picture itself cannot be read back.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enterprise, Region
from bot.services.people.jurisdiction import jurisdiction_codes
from bot.services.platform.fonts import Font, load_font
from bot.services.platform.pdfpages import ImagePdfWriter
from bot.services.platform.ports import QRCodeIssuer
from bot.services.registry.font_process import FontToolError
from bot.services.registry.poster_pdf import EmbeddedFont, VectorPdfWriter
from bot.services.registry.qrcodes import printable_codes

log = logging.getLogger(__name__)

DPI = 200
PAGE_MM = (210.0, 297.0)
QR_MM = 120.0  # ≥ 8 cm asked; a tenth of the scanning distance is the usual rule
QR_BORDER = 4  # modules of quiet zone, as ISO/IEC 18004 requires
# The data mask, fixed: ISO/IEC 18004 lets the encoder use any of the eight (the symbol names
# its mask, every reader undoes it); choosing the one with the fewest penalty points means
# building and scoring the symbol eight times, about 9 ms a code, two thirds of a region's
# export. The zxing-cpp tests read posters drawn with this mask.
QR_MASK = 4
TITLE = "安全隐患扫码报告"
CALL_TO_ACTION = "扫码报告安全隐患 · 可匿名"
HOTLINE = "安全生产举报投诉电话 12350"
EXPORT_BATCH = 50  # enterprises read (and WeChat codes fetched) per short transaction

_RED = (200, 16, 46)
_INK = (26, 26, 26)
_GREY = (96, 96, 96)
_WHITE = (255, 255, 255)
_RULE = (200, 200, 200)
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


@dataclass(frozen=True)
class PlacedText:
    """A line to draw centred on ``center`` (pixels), at ``size`` pixels to the em."""

    role: str
    text: str
    center: tuple[int, int]
    size: int
    bold: bool
    fill: tuple[int, int, int]


@dataclass(frozen=True)
class PosterLayout:
    """Where everything goes on the page, in pixels at ``dpi``: what both the raster and the
    vector poster draw, so that they look the same."""

    size: tuple[int, int]
    dpi: int
    band_height: int
    texts: list[PlacedText]
    qr_matrix: list[list[bool]]  # quiet zone included
    qr_box: tuple[int, int, int, int]
    rule: tuple[int, int, int, int]  # x0, y, x1, line width


# --- layout and drawing -------------------------------------------------------------------

def px(mm: float, dpi: int = DPI) -> int:
    return round(mm / 25.4 * dpi)


def poster_layout(data: PosterData, *, dpi: int = DPI) -> PosterLayout:
    """Place every element of the poster; line breaks are measured with Pillow at ``dpi``."""
    width, height = px(PAGE_MM[0], dpi), px(PAGE_MM[1], dpi)
    mm = lambda value: px(value, dpi)  # noqa: E731 - a unit, read as "mm(12)"
    texts: list[PlacedText] = []

    def text(role: str, value: str, center_y: int, size: int, bold: bool, fill: tuple[int, int, int]) -> None:
        texts.append(PlacedText(role, value, (width // 2, center_y), size, bold, fill))

    text("title", TITLE, mm(20), mm(15), True, _WHITE)
    # The name block is centred between the band and the QR code, whose place never moves.
    qr_top = mm(98)
    name_font, name_lines = _fit_name(data.enterprise_name, mm(186), dpi)
    name_step = round(name_font.size * 1.3)
    block = name_step * len(name_lines) + (mm(11) if data.credit_code else 0)
    y = (mm(40) + qr_top - block) // 2 + name_step // 2
    for line in name_lines:
        text("name", line, y, round(name_font.size), True, _INK)
        y += name_step
    if data.credit_code:
        text("credit_code", f"统一社会信用代码：{data.credit_code}", y - name_step // 2 + mm(6),
             mm(5.5), False, _GREY)

    matrix = qr_matrix(data.qr_url)
    side = max(1, mm(QR_MM) // len(matrix)) * len(matrix)  # whole pixels per module, as printed so far
    qr_left, qr_y = (width - side) // 2, qr_top + (mm(QR_MM) - side) // 2
    text("call_to_action", CALL_TO_ACTION, mm(236), mm(10), True, _RED)
    text("hotline", HOTLINE, mm(254), mm(7), True, _INK)
    text("region", data.region_name, mm(267), mm(6), False, _INK)
    text("footer", f"码号 {data.short_id} · 如二维码作废，以最新张贴为准", mm(286), mm(3.5), False, _GREY)
    return PosterLayout(
        size=(width, height), dpi=dpi, band_height=mm(40), texts=texts, qr_matrix=matrix,
        qr_box=(qr_left, qr_y, qr_left + side, qr_y + side),
        rule=(mm(15), mm(279), width - mm(15), max(1, mm(0.3))),
    )


def draw_poster(data: PosterData, *, dpi: int = DPI) -> Poster:
    """Draw the poster as an RGB image at ``dpi``; returns it with the lines drawn."""
    layout = poster_layout(data, dpi=dpi)
    width, _height = layout.size
    image = Image.new("RGB", layout.size, _WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, layout.band_height), fill=_RED)
    lines: list[DrawnText] = []
    for item in layout.texts:
        font = load_font(item.size, bold=item.bold)
        draw.text(item.center, item.text, font=font, fill=item.fill, anchor="mm")
        box = draw.textbbox(item.center, item.text, font=font, anchor="mm")
        lines.append(DrawnText(item.role, item.text, (int(box[0]), int(box[1]), int(box[2]), int(box[3]))))
    left, top, right, _bottom = layout.qr_box
    qr_image = _qr_image(layout.qr_matrix, (right - left) // len(layout.qr_matrix))
    image.paste(qr_image.convert("RGB"), (left, top))
    x0, y, x1, line_width = layout.rule
    draw.line((x0, y, x1, y), fill=_RULE, width=line_width)
    return Poster(image=image, lines=lines, qr_box=layout.qr_box)


def qr_matrix(content: str) -> list[list[bool]]:
    """The QR code's modules (error correction Q, 4-module quiet zone), dark as True."""
    import qrcode  # here, not at the top: a web worker that draws no poster does without it
    from qrcode.constants import ERROR_CORRECT_Q

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QR_BORDER, box_size=1, mask_pattern=QR_MASK)
    code.add_data(content)
    code.make(fit=True)
    return code.get_matrix()  # type: ignore[no-any-return]


def qr_image_for(content: str, *, target_px: int) -> Image.Image:
    """A QR code at the largest whole number of pixels per module that fits ``target_px``:
    whole pixels keep every module the same size."""
    matrix = qr_matrix(content)
    return _qr_image(matrix, max(1, target_px // len(matrix)))


def _qr_image(matrix: list[list[bool]], module_px: int) -> Image.Image:
    side = len(matrix)
    small = Image.frombytes("L", (side, side), bytes(0 if dark else 255 for row in matrix for dark in row))
    return small.resize((side * module_px, side * module_px), Image.Resampling.NEAREST).convert("1")


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


@functools.lru_cache(maxsize=4096)
def _length(font: Font, text: str) -> float:
    """``font.getlength``, remembered: fitting a name wraps it up to eight times, measuring
    the same prefixes each time."""
    return font.getlength(text)


def wrap(text: str, font: Font, max_width: int) -> list[str]:
    """Break Chinese text anywhere, but not after an opening bracket or before a closing one."""
    lines: list[str] = []
    current = ""
    for char in " ".join(text.split()):
        if current and _length(font, current + char) > max_width and char not in _NO_LINE_START:
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
    """One poster as a one-page PDF of vectors (see ``poster_pdf``), or of a ``dpi`` image
    when no Chinese font file can be embedded."""
    buf = io.BytesIO()
    with _pdf_writer(buf, f"{TITLE} - {data.enterprise_name}", True) as pdf:
        _add_poster(pdf, data, dpi)
    return buf.getvalue()


def _pdf_writer(fh: BinaryIO, title: str, vector: bool) -> VectorPdfWriter | ImagePdfWriter:
    fonts = _embeddable_fonts() if vector else None
    return VectorPdfWriter(fh, fonts=fonts, title=title) if fonts else ImagePdfWriter(fh, title=title)


def _embeddable_fonts() -> dict[str, EmbeddedFont] | None:
    """The poster's regular and bold faces as fonts to embed (bold may be the regular face);
    None when only Pillow's own font is there, which has no file to embed."""
    faces: dict[str, EmbeddedFont] = {}
    for key, bold in (("regular", False), ("bold", True)):
        font = load_font(12, bold=bold)
        if not isinstance(font.path, str):
            return None
        same = [face for face in faces.values() if (face.path, face.index) == (font.path, font.index)]
        try:
            faces[key] = same[0] if same else EmbeddedFont(font.path, font.index)
        except FontToolError:
            log.warning("cannot embed %s: posters are printed as images", font.path, exc_info=True)
            return None
    return faces


def _add_poster(pdf: VectorPdfWriter | ImagePdfWriter, data: PosterData, dpi: int) -> None:
    if isinstance(pdf, ImagePdfWriter):
        pdf.add_page(printable(draw_poster(data, dpi=dpi).image))
        return
    layout = poster_layout(data)  # at DPI: the line breaks of the PNG poster
    pt = 72 / layout.dpi
    page = pdf.page()
    page.rect(0, 0, layout.size[0] * pt, layout.band_height * pt, _RED)
    for item in layout.texts:
        page.text(item.text, item.center[0] * pt, item.center[1] * pt, item.size * pt,
                  "bold" if item.bold else "regular", item.fill)
    left, top, right, _bottom = layout.qr_box
    module = (right - left) / len(layout.qr_matrix) * pt
    page.modules(layout.qr_matrix, left * pt, top * pt, module, (0, 0, 0))
    x0, y, x1, line_width = layout.rule
    page.line(x0 * pt, y * pt, x1 * pt, line_width * pt, _RULE)
    pdf.add_page(page)


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
    vector: bool = True,
) -> int:
    """One poster page per enterprise within the region (it and every division under it).

    Pages are vectors (``render_poster_pdf`` says when they are images; ``vector=False``
    draws the old ``dpi`` images, kept for the benchmark's baseline) and stream to the file
    one at a time, and enterprises are read in batches of ``EXPORT_BATCH`` in short
    transactions, so neither memory nor the database lock grows with the region. The file
    appears only when complete (written beside it, then renamed). Commits the codes it
    creates. Returns the page count.

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
        with open(tmp_name, "xb") as fh, _pdf_writer(fh, title, vector) as pdf:
            for data in _posters(session, ids, issuer, now):
                _add_poster(pdf, data, dpi)
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
