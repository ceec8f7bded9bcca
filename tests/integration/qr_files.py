"""Reading back what the poster code wrote: QR codes from images, pages from PDFs.

zxing-cpp decodes (as a phone would); PDFium renders each page (as a viewer or printer
would), so a page whose QR image a viewer would draw wrongly fails here too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image


def decode_qr(image: Image.Image | bytes) -> list[str]:
    """Every QR code's text in the image (a PNG's bytes or an image)."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    found = zxingcpp.read_barcodes(image.convert("L"))
    return [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode]


def pdf_pages(pdf: Path | bytes, *, dpi: int = 150) -> Iterator[Image.Image]:
    """Each page rendered at ``dpi``, one at a time."""
    doc = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(doc)):
            page = doc[index]
            try:
                yield page.render(scale=dpi / 72).to_pil()
            finally:
                page.close()
    finally:
        doc.close()


def pdf_info(pdf: Path | bytes) -> tuple[int, list[tuple[float, float]], dict[str, str]]:
    """(page count, page sizes in points, metadata)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        sizes = []
        for index in range(len(doc)):
            page = doc[index]
            sizes.append(tuple(page.get_size()))
            page.close()
        return len(doc), sizes, doc.get_metadata_dict()  # type: ignore[return-value]
    finally:
        doc.close()


def xref_problems(data: bytes) -> list[str]:
    """Cross-reference entries that do not point at their object (PDFium would silently
    repair them, so they are checked by hand): an empty list for a well-formed file."""
    start = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data).group(1))  # type: ignore[union-attr]
    head = re.match(rb"xref\s+0 (\d+)\s+", data[start:])
    if head is None:
        return [f"no xref table at {start}"]
    count, pos = int(head.group(1)), start + head.end()
    problems = []
    for obj_id in range(count):
        entry = data[pos + 20 * obj_id : pos + 20 * obj_id + 20]
        offset, kind = int(entry[:10]), entry[17:18]
        if obj_id and (kind != b"n" or not data[offset:].startswith(b"%d 0 obj" % obj_id)):
            problems.append(f"object {obj_id}: entry {entry!r}")
    return problems
