"""A PDF writer for vector pages (filled rectangles, lines, centred CJK text), streamed to a file.

Why vectors: a poster drawn as a 200 dpi image costs about 43 KiB and 50 ms a page, and prints
no sharper than its pixels. Drawn as rectangles and text it is a few KiB, scales to any printer,
and its text can be searched and copied.

Why our own writer (as ``pdfpages.ImagePdfWriter``) rather than reportlab or fpdf2: a region's
export holds a thousand pages or, province-wide, ten times that, and those libraries keep the
whole document in memory until it is saved. Here each page is written as soon as it is drawn;
what is kept is one byte offset per object and the set of characters used. reportlab also
cannot embed the CFF outlines of Noto Sans CJK, the font the posters are drawn with.

Fonts are embedded once per document, as subsets of the glyphs the pages used (cut by
fontTools in a child process, ``font_process``), written when the document is closed: pages
refer to the font objects before they exist, which PDF allows. Text is encoded as the font's
CIDs (or glyph ids for TrueType), with a ToUnicode map so that viewers can extract it.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from types import TracebackType
from typing import BinaryIO

from bot.services.registry import font_process

A4_POINTS = (595.276, 841.890)  # 210 × 297 mm in PostScript points
RGB = tuple[int, int, int]


class EmbeddedFont:
    """One face of a TrueType/OpenType font (or of a collection), as the pages use it. The
    face is read and cut by fontTools in a child process (``font_process``): a worker keeps
    only the character map.

    :raises font_process.FontToolError: the file cannot be read or has neither CFF nor
        TrueType outlines.
    """

    def __init__(self, path: str, index: int = 0) -> None:
        self.path, self.index = path, index
        self._face = face = font_process.read_face(path, index)
        self.ascent, self.descent = face.ascent, face.descent  # per 1000 units of the em
        _, notdef_code, notdef_width = font_process.unpack(face.notdef)
        self._used: dict[int, tuple[int, str, int]] = {notdef_code: (0, "", notdef_width)}

    def encode(self, text: str) -> tuple[bytes, float]:
        """The text as a PDF hex string of 2-byte codes, and its advance in 1/1000 em."""
        codes, advance = [], 0
        for char in text:
            gid, code, width = self._face.glyph(char)
            if code not in self._used:
                self._used[code] = (gid, char, width)
            codes.append(b"%04X" % code)
            advance += width
        return b"<" + b"".join(codes) + b">", advance

    def objects(self, first_id: int) -> list[tuple[bytes, bytes | None]]:
        """The five objects (Type0 font, CID font, descriptor, font file, ToUnicode) that embed
        the subset of what ``encode`` saw, numbered from ``first_id`` (the Type0 font)."""
        type0, cid_font, descriptor, font_file, to_unicode = range(first_id, first_id + 5)
        face, program = self._face, self._subset_program()
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(program).digest()[:6])
        name = f"/{tag}+{face.postscript_name}".encode()
        registry, ordering, supplement = face.ros or ("Adobe", "Identity", 0)
        widths = b" ".join(b"%d [%d]" % (code, used[2]) for code, used in sorted(self._used.items()))
        kind = b"/CIDFontType0" if face.cff else b"/CIDFontType2 /CIDToGIDMap /Identity"
        file_key = b"/FontFile3" if face.cff else b"/FontFile2"
        file_head = b"/Subtype /CIDFontType0C " if face.cff else b"/Length1 %d " % len(program)
        packed = zlib.compress(program, 6)
        return [
            (b"<< /Type /Font /Subtype /Type0 /BaseFont %s /Encoding /Identity-H "
             b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, cid_font, to_unicode), None),
            (b"<< /Type /Font /Subtype %s /BaseFont %s /CIDSystemInfo << /Registry %s /Ordering %s "
             b"/Supplement %d >> /FontDescriptor %d 0 R /DW 1000 /W [%s] >>"
             % (kind, name, _latin(registry), _latin(ordering), supplement, descriptor, widths), None),
            (b"<< /Type /FontDescriptor /FontName %s /Flags 4 /FontBBox [%s] /ItalicAngle 0 "
             b"/Ascent %d /Descent %d /CapHeight %d /StemV 80 %s %d 0 R >>"
             % (name, " ".join(map(str, face.bbox)).encode(), round(face.ascent), round(face.descent),
                face.cap_height, file_key, font_file), None),
            (b"<< %s/Filter /FlateDecode /Length %d >>" % (file_head, len(packed)), packed),
            _to_unicode({code: used[1] for code, used in self._used.items() if used[1]}),
        ]

    def _subset_program(self) -> bytes:
        """The font program cut down to the glyphs used: a bare CFF table, or a TrueType file.
        A CID-keyed CFF keeps its CIDs whatever the new glyph order; other fonts keep their
        glyph ids (``retain_gids``), since the pages already hold them."""
        return font_process.cut_subset(
            self.path, self.index, sorted({used[0] for used in self._used.values()}),
            cff=self._face.cff, retain_gids=self._face.ros is None)


class VectorPage:
    """One page being drawn, in points from the top-left corner (as a screen, unlike PDF)."""

    def __init__(self, fonts: Mapping[str, EmbeddedFont], font_names: Mapping[str, bytes],
                 size: tuple[float, float]) -> None:
        self._fonts, self._font_names = fonts, font_names
        self._height = size[1]
        self._ops: list[bytes] = []

    def rect(self, x: float, y: float, width: float, height: float, fill: RGB) -> None:
        self._ops.append(b"%s rg %s %s %s %s re f" % (
            _rgb(fill), _num(x), _num(self._height - y - height), _num(width), _num(height)))

    def line(self, x0: float, y: float, x1: float, width: float, stroke: RGB) -> None:
        self._ops.append(b"%s RG %s w %s %s m %s %s l S" % (
            _rgb(stroke), _num(width), _num(x0), _num(self._height - y), _num(x1), _num(self._height - y)))

    def modules(self, matrix: list[list[bool]], x: float, y: float, module: float, fill: RGB) -> None:
        """A QR code's dark modules, each row's runs as one rectangle, all in one path: a single
        fill leaves no hairline seams between neighbouring modules, as separate fills can."""
        runs: list[bytes] = []
        for row_index, row in enumerate(matrix):
            col, count = 0, len(row)
            while col < count:
                if row[col]:
                    start = col
                    while col < count and row[col]:
                        col += 1
                    runs.append(b"%d %d %d 1 re" % (start, row_index, col - start))
                col += 1
        self._ops.append(b"q %s rg %s 0 0 %s %s %s cm\n%s\nf Q" % (
            _rgb(fill), _num(module), _num(-module), _num(x), _num(self._height - y), b"\n".join(runs)))

    def text(self, value: str, center_x: float, middle_y: float, size: float, font: str, fill: RGB) -> float:
        """Text centred on (``center_x``, ``middle_y``), the middle between ascender and
        descender as Pillow's "mm" anchor; returns its width in points."""
        face = self._fonts[font]
        encoded, advance = face.encode(value)
        width = advance * size / 1000
        baseline = middle_y + (face.ascent + face.descent) / 2 * size / 1000
        self._ops.append(b"BT %s %s Tf %s rg %s %s Td %s Tj ET" % (
            self._font_names[font], _num(size), _rgb(fill), _num(center_x - width / 2),
            _num(self._height - baseline), encoded))
        return width

    def content(self) -> bytes:
        return b"\n".join(self._ops)


class VectorPdfWriter:
    """``page()`` to draw on, ``add_page(page)`` to write it, then ``close()`` (or a context).

    :param fh: a binary file opened for writing; the writer does not close it.
    :param fonts: the faces the pages may use, by the name ``VectorPage.text`` is given.
    :param title: the document title shown by viewers (any Unicode).
    """

    _CATALOG, _PAGES, _INFO = 1, 2, 3

    def __init__(self, fh: BinaryIO, *, fonts: Mapping[str, EmbeddedFont],
                 page_size: tuple[float, float] = A4_POINTS, title: str = "") -> None:
        self._fh = fh
        self._start = fh.tell()
        self._page_size = page_size
        self._title = title
        self._offsets: dict[int, int] = {}
        self._page_ids: list[int] = []
        self._closed = False
        self._fonts = dict(fonts)
        faces = {id(face): face for face in self._fonts.values()}  # bold may fall back to regular
        self._face_ids = {key: 4 + 5 * n for n, key in enumerate(faces)}
        self._faces = faces
        self._next_id = 4 + 5 * len(faces)
        self._font_names = {name: b"/F%d" % self._face_ids[id(face)] for name, face in self._fonts.items()}
        self._resources = b"<< /Font << %s >> /ProcSet [/PDF /Text] >>" % b" ".join(
            b"/F%d %d 0 R" % (obj_id, obj_id) for obj_id in self._face_ids.values())
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        return len(self._page_ids)

    def page(self) -> VectorPage:
        return VectorPage(self._fonts, self._font_names, self._page_size)

    def add_page(self, page: VectorPage) -> None:
        """Compress and write one page now; only its glyphs are remembered (for the fonts)."""
        if self._closed:
            raise ValueError("the PDF is already closed")
        content = zlib.compress(page.content(), 6)
        content_id, page_id = self._next_id, self._next_id + 1
        self._next_id += 2
        self._object(content_id, b"<< /Filter /FlateDecode /Length %d >>" % len(content), content)
        pw, ph = self._page_size
        self._object(page_id, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %s "
                     b"/Contents %d 0 R >>" % (self._PAGES, _num(pw), _num(ph), self._resources, content_id))
        self._page_ids.append(page_id)

    def close(self) -> None:
        """Write the font subsets, page tree, catalog, cross-reference table and trailer."""
        if self._closed:
            return
        if not self._page_ids:
            raise ValueError("a PDF needs at least one page")
        for key, face in self._faces.items():
            first = self._face_ids[key]
            for offset, (head, stream) in enumerate(face.objects(first)):
                self._object(first + offset, head, stream)
        kids = b" ".join(b"%d 0 R" % page_id for page_id in self._page_ids)
        self._object(self._PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self._page_ids), kids))
        self._object(self._CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self._PAGES)
        self._object(self._INFO, b"<< /Title %s /Producer (hazardbot) >>" % _utf16(self._title))
        xref_at = self._fh.tell() - self._start
        size = self._next_id
        rows = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        rows += [b"%010d 00000 n \n" % self._offsets[obj_id] for obj_id in range(1, size)]
        rows.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                    % (size, self._CATALOG, self._INFO, xref_at))
        self._write(b"".join(rows))
        self._closed = True

    def __enter__(self) -> VectorPdfWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()

    def _object(self, obj_id: int, head: bytes, stream: bytes | None = None) -> None:
        self._offsets[obj_id] = self._fh.tell() - self._start
        parts = [b"%d 0 obj\n" % obj_id, head]
        if stream is not None:
            parts += [b"\nstream\n", stream, b"\nendstream"]
        parts.append(b"\nendobj\n")
        self._write(b"".join(parts))

    def _write(self, data: bytes) -> None:
        self._fh.write(data)


def _to_unicode(chars: Mapping[int, str]) -> tuple[bytes, bytes]:
    """A ToUnicode CMap: which text each code stands for (what copy and search read)."""
    items = sorted(chars.items())
    blocks = []
    for start in range(0, len(items), 100):  # at most 100 entries per bfchar block
        chunk = items[start : start + 100]
        rows = "\n".join(f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>" for code, char in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{rows}\nendbfchar")
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")
    packed = zlib.compress(cmap, 6)
    return b"<< /Filter /FlateDecode /Length %d >>" % len(packed), packed


def _rgb(colour: RGB) -> bytes:
    return b" ".join(_num(channel / 255) for channel in colour)


def _num(value: float) -> bytes:
    return (b"%.3f" % value).rstrip(b"0").rstrip(b".") or b"0"


def _latin(value: str) -> bytes:
    escaped = value.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"


def _utf16(value: str) -> bytes:
    """A PDF text string: UTF-16BE with a byte-order mark, as hex (safe for any character)."""
    return b"<" + ("\ufeff" + value).encode("utf-16-be").hex().upper().encode() + b">"
