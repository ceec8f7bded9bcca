"""A PDF writer that streams full-page images to a file, one page at a time.

Why our own (about a hundred lines) rather than a library: a region's export may hold a
thousand posters or, province-wide, ten times that. Pillow's ``save_all`` needs every page as
a decoded image up front (a list), and pypdf / img2pdf build the whole document in memory
before writing it, so their memory grows with the page count. Here each page is written as
soon as it is drawn, and all that is kept is one byte offset per object; memory stays that of
one page whatever the count.

Pages are lossless: the image goes in as the zlib stream of its own PNG encoding (PDF's
FlateDecode with PNG predictors reads it as is, as img2pdf does), because Pillow's PDF
encoder would store RGB as JPEG and blur the edges of the QR modules.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

from PIL import Image

A4_POINTS = (595.276, 841.890)  # 210 × 297 mm in PostScript points


class ImagePdfWriter:
    """Write ``add_page(image)`` for each page, then ``close()`` (or use it as a context).

    :param fh: a binary file opened for writing; the writer does not close it.
    :param page_size: the page in points; each image is stretched over the whole page.
    :param title: the document title shown by viewers (any Unicode).
    """

    _CATALOG, _PAGES, _INFO = 1, 2, 3

    def __init__(self, fh: BinaryIO, *, page_size: tuple[float, float] = A4_POINTS, title: str = "") -> None:
        self._fh = fh
        self._start = fh.tell()
        self._page_size = page_size
        self._title = title
        self._offsets: dict[int, int] = {}
        self._next_id = 4
        self._page_ids: list[int] = []
        self._closed = False
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        return len(self._page_ids)

    def add_page(self, image: Image.Image) -> None:
        """Encode and write one page now; nothing of it stays in memory afterwards."""
        if self._closed:
            raise ValueError("the PDF is already closed")
        png = _png_stream(image)
        image_id, content_id, page_id = self._reserve(3)
        self._object(
            image_id,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent %d /Filter /FlateDecode "
            b"/DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >> "
            b"/Length %d >>"
            % (png.width, png.height, png.colorspace, png.bits, png.colors, png.bits, png.width,
               len(png.data)),
            png.data,
        )
        pw, ph = self._page_size
        content = b"q %s 0 0 %s 0 0 cm /Im0 Do Q" % (_num(pw), _num(ph))
        self._object(content_id, b"<< /Length %d >>" % len(content), content)
        self._object(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /XObject << /Im0 %d 0 R >> /ProcSet [/PDF /ImageB /ImageC /ImageI] >> "
            b"/Contents %d 0 R >>" % (self._PAGES, _num(pw), _num(ph), image_id, content_id),
        )
        self._page_ids.append(page_id)

    def close(self) -> None:
        """Write the page tree, catalog, cross-reference table and trailer."""
        if self._closed:
            return
        if not self._page_ids:
            raise ValueError("a PDF needs at least one page")
        kids = b" ".join(b"%d 0 R" % page_id for page_id in self._page_ids)
        self._object(self._PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self._page_ids), kids))
        self._object(self._CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self._PAGES)
        self._object(self._INFO, b"<< /Title %s /Producer (hazardbot) >>" % _text(self._title))
        xref_at = self._fh.tell() - self._start
        size = self._next_id
        rows = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        rows += [b"%010d 00000 n \n" % self._offsets[obj_id] for obj_id in range(1, size)]
        rows.append(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, self._CATALOG, self._INFO, xref_at)
        )
        self._write(b"".join(rows))
        self._closed = True

    def __enter__(self) -> ImagePdfWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()

    def _reserve(self, n: int) -> list[int]:
        ids = list(range(self._next_id, self._next_id + n))
        self._next_id += n
        return ids

    def _object(self, obj_id: int, head: bytes, stream: bytes | None = None) -> None:
        self._offsets[obj_id] = self._fh.tell() - self._start
        parts = [b"%d 0 obj\n" % obj_id, head]
        if stream is not None:
            parts += [b"\nstream\n", stream, b"\nendstream"]
        parts.append(b"\nendobj\n")
        self._write(b"".join(parts))

    def _write(self, data: bytes) -> None:
        self._fh.write(data)


@dataclass(frozen=True)
class _PngImage:
    width: int
    height: int
    bits: int  # per component (per index for a palette image)
    colors: int  # components per pixel
    colorspace: bytes
    data: bytes  # the zlib stream, PNG row filters included


def _png_stream(image: Image.Image) -> _PngImage:
    """The image's PNG encoding, taken apart into what a PDF image object needs.

    RGB, grey and palette images (a palette of 16 colours packs 4 bits a pixel) go in as they
    are; anything else (alpha, transparency) is flattened to RGB first.
    """
    if image.mode not in ("RGB", "L", "P") or "transparency" in image.info:
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)
    png = buf.getvalue()
    pos, idat, palette, header = 8, [], b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, bits, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if interlace:
        raise ValueError("interlaced PNG data cannot go into a PDF as is")
    if color_type == 3:
        colorspace = b"[/Indexed /DeviceRGB %d <%s>]" % (len(palette) // 3 - 1, palette.hex().encode())
        colors = 1
    elif color_type == 0:
        colorspace, colors = b"/DeviceGray", 1
    elif color_type == 2:
        colorspace, colors = b"/DeviceRGB", 3
    else:
        raise ValueError(f"unexpected PNG colour type {color_type}")
    return _PngImage(width, height, bits, colors, colorspace, b"".join(idat))


def _num(value: float) -> bytes:
    return (b"%.3f" % value).rstrip(b"0").rstrip(b".")


def _text(value: str) -> bytes:
    """A PDF text string: UTF-16BE with a byte-order mark, as hex (safe for any character)."""
    return b"<" + ("\ufeff" + value).encode("utf-16-be").hex().upper().encode() + b">"
