"""附件5 检查问题隐患清单 of one inspection, as .xlsx and as PDF (seed 000).

Building the rows (``hazard_list``) is a query; rendering is separate, so the console can
reuse both. The columns are the seed's: 序号 / 隐患描述 / 现场证据 / 判定依据 / 隐患类型 / 备注,
under the title, the enterprise and the date, above the signature lines for the inspectors
and the enterprise's principal. In both the PDF and the workbook the 现场证据 cell shows the
photos' thumbnails; the workbook prints as the PDF does (A4 portrait, headers on every page).

The download link sent in chat carries the inspection's random token (``Inspection.token``,
144 bits): unguessable, like the QR codes' tokens.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Attachment, Enterprise, Inspection
from bot.services.hazards.citations import cited
from bot.services.inspections import walks
from bot.services.platform.clock import local
from bot.services.platform.fonts import Font, load_font
from bot.services.platform.pdfpages import ImagePdfWriter
from bot.services.platform.print_setup import fit_row_heights, fit_widths, line_points, setup_page
from bot.services.platform.sheets import append_row
from bot.services.platform.storage import LocalDirectoryStore, MediaStore, StorageError

if TYPE_CHECKING:  # openpyxl is imported by the workbook's writer only (not by chat's links)
    from openpyxl.worksheet.worksheet import Worksheet

_NO_LINE_START = set("，。；：、！？）》」』”’,.;:!?)]")
_NO_LINE_END = set("（《「『“‘([")
_UNBROKEN = re.compile(r"[0-9A-Za-z]+(?:[.:/\-][0-9A-Za-z]+)*%?")  # 4.30, YH-2026-00012, 12:00

log = logging.getLogger(__name__)

TITLE = "冶金工贸行业隐患排查整治专项行动检查问题隐患清单"
COLUMNS = ("序号", "隐患描述", "现场证据", "判定依据", "隐患类型", "备注")
KIND_NAMES = {"major": "重大事故隐患", "general": "一般隐患"}
SIGN_INSPECTORS = "检查人员（签字）："
SIGN_PRINCIPAL = "企业负责人（签字）："
NOTHING_FOUND = "本次检查未发现问题隐患。"


@dataclass(frozen=True)
class StoredPhotoRef:
    """A photo in the media store (a directory or a bucket), read only when drawn."""

    store: MediaStore
    key: str


PhotoSource = Path | StoredPhotoRef


@dataclass(frozen=True)
class ListRow:
    seq: int
    description: str
    evidence: str  # "现场照片 2 张" / "无"
    basis: str
    kind: str
    remarks: str
    photos: list[PhotoSource] = field(default_factory=list)  # stored photos, for thumbnails


@dataclass(frozen=True)
class HazardList:
    enterprise: str
    date: str  # 2026年11月24日
    stage: str
    unit: str
    inspectors: list[str]
    principal: str
    rows: list[ListRow]


def download_urls(base_url: str, inspection: Inspection) -> tuple[str, str]:
    base = f"{base_url.rstrip('/')}/inspections/{inspection.token}/hazard-list"
    return base + ".xlsx", base + ".pdf"


def find_by_token(session: Session, token: str) -> Inspection | None:
    if not 16 <= len(token) <= 32:
        return None
    return session.scalars(select(Inspection).where(Inspection.token == token)).one_or_none()


def hazard_list(session: Session, inspection: Inspection, *, store: MediaStore | Path) -> HazardList:
    """The rows of the list: one per hazard the inspection found, in the order found.

    ``store`` is the configured media store (a bare directory is wrapped); a photo whose
    object is gone is left out of the thumbnails, not an error.
    """
    media = LocalDirectoryStore(store) if isinstance(store, Path) else store
    enterprise = session.get(Enterprise, inspection.enterprise_id)
    rows: list[ListRow] = []
    for seq, (_, hazard) in enumerate(walks.findings(session, inspection), 1):
        photos = list(session.scalars(
            select(Attachment).where(Attachment.hazard_id == hazard.id, Attachment.event_id.is_(None))
            .order_by(Attachment.seq)
        ))
        stored = [StoredPhotoRef(media, p.relpath) for p in photos if p.status == "stored" and p.relpath]
        rows.append(ListRow(
            seq=seq, description=hazard.description,
            evidence=f"现场照片 {len(photos)} 张" if photos else "无",
            basis=cited(hazard.basis) or "（清单外发现，待定依据）",
            kind=KIND_NAMES.get(hazard.level or "", "待定级"),
            remarks=f"隐患编号 {hazard.number}",  # never the checklist's internal item id
            photos=[p for p in stored if _exists(p)],
        ))
    day = local(inspection.finished_at or inspection.started_at).date()
    return HazardList(
        enterprise=enterprise.name if enterprise else "",
        date=f"{day.year}年{day.month}月{day.day}日",
        stage=walks.STAGE_NAMES[inspection.stage], unit=inspection.unit,
        inspectors=[u.name or "" for u in walks.inspectors(session, inspection)],
        principal=(enterprise.principal_name or "") if enterprise else "",
        rows=rows,
    )


# --- Excel ----------------------------------------------------------------------------------

HEADER_ROW = 3  # title, enterprise and date, then the column headers


XLSX_WIDTHS = (5, 30, 18, 30, 10, 16)  # preferred; fitted to A4 portrait (``print_setup``)
XLSX_THUMB = 80  # px (60 pt): one photo a line in the 现场证据 cell, as narrow as Excel makes it
_EMU_PER_PX = 9525


def render_xlsx(data: HazardList) -> bytes:
    """The list as a workbook that prints like the PDF: A4 portrait, one page wide, the title
    and header rows on every page, the photos' thumbnails in the 现场证据 cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.styles import Font as CellFont

    wb = Workbook()
    ws = wb.active
    ws.title = "检查问题隐患清单"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    last_col = len(COLUMNS)
    # Every cell through platform.sheets: findings and remarks are typed by people, never formulas.
    append_row(ws, [TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws["A1"].font = CellFont(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    append_row(ws, [f"企业名称：{data.enterprise}", None, None, f"检查时间：{data.date}", None,
                    f"{data.stage}（{data.unit}）"])
    ws.merge_cells("A2:C2")
    ws.merge_cells("D2:E2")
    for cell in ws[2]:
        cell.alignment = wrap_top
    append_row(ws, list(COLUMNS))
    for cell in ws[HEADER_ROW]:
        cell.font, cell.border = CellFont(bold=True), box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = fit_widths(XLSX_WIDTHS, "portrait")
    for letter, width in zip("ABCDEF", widths, strict=True):
        ws.column_dimensions[letter].width = width
    photo_rows: dict[int, float] = {}
    for row in data.rows:
        append_row(ws, [row.seq, row.description, row.evidence, row.basis, row.kind, row.remarks])
        number = ws.max_row
        for cell in ws[number]:
            cell.border, cell.alignment = box, wrap_top
        placed = _embed_thumbnails(ws, number, row.photos)
        if placed:
            photo_rows[number] = line_points() + 4 + placed * (XLSX_THUMB * 0.75 + 4)
    if not data.rows:
        append_row(ws, [NOTHING_FOUND])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=last_col)
        for cell in ws[ws.max_row]:
            cell.border = box
    ws.append([])
    append_row(ws, [SIGN_INSPECTORS + "　" * 8, None, None, SIGN_PRINCIPAL])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
    ws.merge_cells(start_row=ws.max_row, start_column=4, end_row=ws.max_row, end_column=last_col)
    fit_row_heights(ws, 1, ws.max_row, minimum=photo_rows)
    setup_page(ws, "portrait", repeat_rows=(1, HEADER_ROW))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _embed_thumbnails(ws: Worksheet, row: int, photos: list[PhotoSource]) -> int:
    """Each readable photo as a thumbnail under the 现场证据 text, one a line; how many."""
    from openpyxl.drawing.image import Image as XlsxImage
    from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
    from openpyxl.drawing.xdr import XDRPositiveSize2D

    placed = 0
    for path in photos:
        thumb = _thumbnail(path, XLSX_THUMB)
        if thumb is None:
            continue
        png = io.BytesIO()
        thumb.save(png, format="PNG")
        image = XlsxImage(png)
        image.width, image.height = thumb.size
        offset = int((line_points() + 4) / 0.75) + placed * (XLSX_THUMB + 5)
        marker = AnchorMarker(col=2, colOff=2 * _EMU_PER_PX, row=row - 1, rowOff=offset * _EMU_PER_PX)
        image.anchor = OneCellAnchor(_from=marker, ext=XDRPositiveSize2D(
            thumb.size[0] * _EMU_PER_PX, thumb.size[1] * _EMU_PER_PX))
        ws.add_image(image)
        placed += 1
    return placed


# --- PDF ------------------------------------------------------------------------------------

DPI = 150
_PAGE = (int(210 / 25.4 * DPI), int(297 / 25.4 * DPI))
_MARGIN = int(12 / 25.4 * DPI)
_WIDTHS = (0.06, 0.28, 0.22, 0.22, 0.10, 0.12)  # fractions of the table's width
_THUMB = 100  # px: about 17 mm; two side by side in the 现场证据 cell
_PAD = 8


def render_pdf(data: HazardList) -> bytes:
    """Draw A4 pages with Pillow and stream them into a PDF (``pdfpages``), header row
    repeated on every page, photos as thumbnails in the 现场证据 cell."""
    body, bold, title_font = load_font(20), load_font(20, bold=True), load_font(34, bold=True)
    table_width = _PAGE[0] - 2 * _MARGIN
    widths = [int(f * table_width) for f in _WIDTHS]
    widths[-1] = table_width - sum(widths[:-1])
    lefts = [_MARGIN + sum(widths[:i]) for i in range(len(widths))]
    line_h = 28
    buf = io.BytesIO()
    with ImagePdfWriter(buf, title=f"{TITLE} - {data.enterprise}") as pdf:
        page, draw, y = _new_page()
        y = _draw_heading(draw, data, title_font, body, y)
        y = _draw_header_row(draw, lefts, widths, bold, y, line_h)
        for row in data.rows:
            cells = [str(row.seq), row.description, row.evidence, row.basis, row.kind, row.remarks]
            lines = [wrap_cell(text, body, w - 2 * _PAD) for text, w in zip(cells, widths, strict=True)]
            thumbs_per_line = max(1, (widths[2] - _PAD) // (_THUMB + _PAD))
            thumb_rows = -(-len(row.photos) // thumbs_per_line) if row.photos else 0
            height = max(max(len(ls) for ls in lines) * line_h,
                         len(lines[2]) * line_h + thumb_rows * (_THUMB + _PAD)) + 2 * _PAD
            if y + height > _PAGE[1] - _MARGIN:
                pdf.add_page(page)
                page, draw, y = _new_page()
                y = _draw_header_row(draw, lefts, widths, bold, y, line_h)
            for left, width, cell_lines in zip(lefts, widths, lines, strict=True):
                draw.rectangle((left, y, left + width, y + height), outline="black", width=2)
                for n, text in enumerate(cell_lines):
                    draw.text((left + _PAD, y + _PAD + n * line_h), text, font=body, fill="black")
            top = y + _PAD + len(lines[2]) * line_h
            for n, path in enumerate(row.photos):
                thumb = _thumbnail(path)
                if thumb is None:
                    continue
                x = lefts[2] + _PAD + (n % thumbs_per_line) * (_THUMB + _PAD)
                page.paste(thumb, (x, top + (n // thumbs_per_line) * (_THUMB + _PAD)))
            y += height
        if not data.rows:
            box = (_MARGIN, y, _MARGIN + table_width, y + line_h + 2 * _PAD)
            draw.rectangle(box, outline="black", width=2)
            draw.text((_MARGIN + _PAD, y + _PAD), NOTHING_FOUND, font=body, fill="black")
            y += line_h + 2 * _PAD
        if y + 4 * line_h > _PAGE[1] - _MARGIN:
            pdf.add_page(page)
            page, draw, y = _new_page()
        y += 2 * line_h
        draw.text((_MARGIN, y), SIGN_INSPECTORS, font=body, fill="black")
        draw.text((_MARGIN + table_width // 2, y), SIGN_PRINCIPAL, font=body, fill="black")
        pdf.add_page(page)
    return buf.getvalue()


def _new_page() -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
    page = Image.new("RGB", _PAGE, "white")
    return page, ImageDraw.Draw(page), _MARGIN


def _draw_heading(draw: ImageDraw.ImageDraw, data: HazardList, title_font: Font, body: Font, y: int) -> int:
    width = draw.textlength(TITLE, font=title_font)
    draw.text(((_PAGE[0] - width) / 2, y), TITLE, font=title_font, fill="black")
    y += 60
    draw.text((_MARGIN, y), f"企业名称：{data.enterprise}", font=body, fill="black")
    draw.text((_PAGE[0] // 2 + 60, y), f"检查时间：{data.date}", font=body, fill="black")
    y += 34
    draw.text((_MARGIN, y), f"检查环节：{data.stage}　　检查单位：{data.unit}", font=body, fill="black")
    return y + 44


def _draw_header_row(
    draw: ImageDraw.ImageDraw, lefts: list[int], widths: list[int], bold: Font, y: int, line_h: int
) -> int:
    height = line_h + 2 * _PAD
    for left, width, name in zip(lefts, widths, COLUMNS, strict=True):
        draw.rectangle((left, y, left + width, y + height), outline="black", width=2, fill=(235, 235, 235))
        draw.text((left + _PAD, y + _PAD), name, font=bold, fill="black")
    return y + height


def _exists(photo: StoredPhotoRef) -> bool:
    try:
        return photo.store.exists(photo.key)
    except StorageError as exc:
        log.warning("photo %s could not be looked up for the hazard list: %s", photo.key, exc)
        return False


def _thumbnail(source: PhotoSource, size: int = _THUMB) -> Image.Image | None:
    """A photo scaled to ``size``; None (and a log line) when it cannot be read."""
    try:
        if isinstance(source, StoredPhotoRef):
            # Whole into memory (a photo is at most [media] max_bytes): Pillow needs to seek.
            opened = Image.open(io.BytesIO(source.store.read(source.key)))
        else:
            opened = Image.open(source)
        with opened as im:
            im = im.convert("RGB")
            im.thumbnail((size, size))
            return im.copy()
    except (OSError, StorageError):
        name = source.key if isinstance(source, StoredPhotoRef) else source
        log.warning("photo %s could not be read for the hazard list", name)
        return None


def wrap_cell(text: str, font: Font, max_width: int) -> list[str]:
    """Break a cell's text into lines: Chinese anywhere (not before a closing mark, not after an
    opening one), but never inside a number or a Latin word ("YH-2026-00012", "30kPa", "4.30"):
    such a run moves to the next line whole, and is cut only when wider than the cell itself."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        tokens: list[str] = []
        for token in _tokens(" ".join(paragraph.split())):
            tokens.extend(token if len(token) > 1 and font.getlength(token) > max_width else [token])
        current = ""
        for token in tokens:
            if current and font.getlength(current + token) > max_width and token not in _NO_LINE_START:
                carried = ""
                while len(current) > 1 and current[-1] in _NO_LINE_END:
                    current, carried = current[:-1], current[-1] + carried
                lines.append(current.rstrip())
                current = (carried + token).lstrip()
            else:
                current += token
        lines.append(current)
    return lines or [""]


def _tokens(text: str) -> list[str]:
    """Single characters, except that each run of digits and letters is one token."""
    tokens: list[str] = []
    position = 0
    for match in _UNBROKEN.finditer(text):
        tokens.extend(text[position:match.start()])
        tokens.append(match.group())
        position = match.end()
    tokens.extend(text[position:])
    return tokens
