"""附件5 检查问题隐患清单 of one inspection, as .xlsx and as PDF (seed 000).

Building the rows (``hazard_list``) is a query; rendering is separate, so the console can
reuse both. The columns are the seed's: 序号 / 隐患描述 / 现场证据 / 判定依据 / 隐患类型 / 备注,
under the title, the enterprise and the date, above the signature lines for the inspectors
and the enterprise's principal. In the PDF the 现场证据 cell shows the photos' thumbnails;
the workbook names the photos and the hazard number (the console shows them).

The download link sent in chat carries the inspection's random token (``Inspection.token``,
144 bits): unguessable, like the QR codes' tokens.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Side
from openpyxl.styles import Font as CellFont
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Attachment, Enterprise, Inspection
from bot.services.inspections import walks
from bot.services.platform.clock import local
from bot.services.platform.fonts import Font, load_font
from bot.services.platform.pdfpages import ImagePdfWriter
from bot.services.platform.sheets import append_row
from bot.services.registry.posters import wrap

log = logging.getLogger(__name__)

TITLE = "冶金工贸行业隐患排查整治专项行动检查问题隐患清单"
COLUMNS = ("序号", "隐患描述", "现场证据", "判定依据", "隐患类型", "备注")
KIND_NAMES = {"major": "重大事故隐患", "general": "一般隐患"}
SIGN_INSPECTORS = "检查人员（签字）："
SIGN_PRINCIPAL = "企业负责人（签字）："
NOTHING_FOUND = "本次检查未发现问题隐患。"


@dataclass(frozen=True)
class ListRow:
    seq: int
    description: str
    evidence: str  # "现场照片 2 张" / "无"
    basis: str
    kind: str
    remarks: str
    photos: list[Path] = field(default_factory=list)  # stored photos, for thumbnails


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


def hazard_list(session: Session, inspection: Inspection, *, media_dir: Path) -> HazardList:
    """The rows of the list: one per hazard the inspection found, in the order found."""
    enterprise = session.get(Enterprise, inspection.enterprise_id)
    rows: list[ListRow] = []
    for seq, (finding, hazard) in enumerate(walks.findings(session, inspection), 1):
        photos = list(session.scalars(
            select(Attachment).where(Attachment.hazard_id == hazard.id, Attachment.event_id.is_(None))
            .order_by(Attachment.seq)
        ))
        stored = [media_dir / p.relpath for p in photos if p.status == "stored" and p.relpath]
        rows.append(ListRow(
            seq=seq, description=hazard.description,
            evidence=f"现场照片 {len(photos)} 张" if photos else "无",
            basis=hazard.basis or "（清单外发现，待定依据）",
            kind=KIND_NAMES.get(hazard.level or "", "待定级"),
            remarks=f"隐患编号 {hazard.number}" + (f"；检查项 {finding.item_id}" if finding.item_id else ""),
            photos=[p for p in stored if p.is_file()],
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


def render_xlsx(data: HazardList) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "检查问题隐患清单"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    # Every cell through platform.sheets: findings and remarks are typed by people, never formulas.
    append_row(ws, [TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = CellFont(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    append_row(ws, [f"企业名称：{data.enterprise}", None, None, f"检查时间：{data.date}", None,
                    f"{data.stage}（{data.unit}）"])
    append_row(ws, list(COLUMNS))
    for cell in ws[HEADER_ROW]:
        cell.font, cell.border = CellFont(bold=True), box
    for row in data.rows:
        append_row(ws, [row.seq, row.description, row.evidence, row.basis, row.kind, row.remarks])
        for cell in ws[ws.max_row]:
            cell.border, cell.alignment = box, wrap_top
    ws.append([])
    append_row(ws, [SIGN_INSPECTORS + "　" * 8, None, None, SIGN_PRINCIPAL])
    for letter, width in zip("ABCDEF", (6, 40, 16, 36, 14, 24), strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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
            lines = [wrap(text, body, w - 2 * _PAD) for text, w in zip(cells, widths, strict=True)]
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


def _thumbnail(path: Path) -> Image.Image | None:
    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            im.thumbnail((_THUMB, _THUMB))
            return im.copy()
    except OSError:
        log.warning("photo %s could not be read for the hazard list", path)
        return None
