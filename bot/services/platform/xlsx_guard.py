"""Checking an uploaded .xlsx before anything parses it.

An .xlsx is a zip of XML parts, and openpyxl trusts both: it unpacks the shared strings in
full before the first row is read (a 1 MB file can declare a 500 MB part), it reads a zip
with a hundred thousand entries, and it hands each part to an XML parser that accepts a
document type definition. So before openpyxl sees the bytes:

* the zip's entry count is read from its end record (without building the directory), then
  the number of parts and each part's *declared* uncompressed size are checked against the
  limits below. Declared sizes are enough: Python's zipfile never inflates a part past its
  declared size (a part that lies fails its CRC check), so nothing larger can come out;
* every XML part is parsed up to its root element, by expat with the same encodings the real
  parser knows, and refused if it has a DTD (``<!DOCTYPE``, entity declarations: billion
  laughs and external entities live there, and no spreadsheet program writes one);
* encrypted parts are refused;
* the row tags of every part are counted from the inflated bytes, and a file with more rows
  than the caller reads (empty rows count) is refused: openpyxl would parse a whole sheet
  just to learn its size.

The limits are generous for a ledger of 20,000 enterprises (about 15 MB of XML) and far below
what would exhaust the memory of a web worker.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
import zlib
from xml.parsers import expat

MAX_PARTS = 1000  # a workbook of a few sheets has about 15; dozens of sheets with drawings, hundreds
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 160 * 1024 * 1024
_XML_SUFFIXES = (".xml", ".rels")
_CHUNK = 64 * 1024
_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22
_MAX_COMMENT = 0xFFFF


class UnsafeWorkbook(ValueError):
    """An .xlsx refused before parsing; the message (Chinese) says why and what to do."""


class TooManyRows(UnsafeWorkbook):
    """More rows than the caller reads; the caller words the message."""


class _Doctype(Exception):
    pass


class _RootReached(Exception):
    pass


_DAMAGED = "无法打开这个Excel文件（文件已损坏，或不是 .xlsx 格式）"


def check_xlsx(data: bytes, *, max_rows: int) -> None:
    """Raise ``UnsafeWorkbook`` unless ``data`` is a zip openpyxl may open without harm.

    :param max_rows: rows (``<row>`` elements, empty ones too) the sheets may hold together;
        more raise ``TooManyRows``. openpyxl parses a whole sheet just to find its size, so a
        million empty rows must be refused before it opens the file.
    """
    declared = _declared_entries(data)
    if declared is not None and declared > MAX_PARTS:
        raise UnsafeWorkbook(_too_many(declared))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeWorkbook(_DAMAGED) from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise UnsafeWorkbook(_too_many(len(parts)))
        total = 0
        for part in parts:
            total += part.file_size
            if part.file_size > MAX_PART_BYTES or total > MAX_UNPACKED_BYTES:
                raise UnsafeWorkbook(
                    f"这个Excel文件解压后过大（超过{MAX_UNPACKED_BYTES // (1024 * 1024)}MB，"
                    f"单个部分不得超过{MAX_PART_BYTES // (1024 * 1024)}MB），可能是恶意构造的压缩文件；"
                    "请删除多余的内容、另存为新的工作簿或分批导入")
            if part.flag_bits & 0x1:
                raise UnsafeWorkbook("这个Excel文件已加密，请在Excel中取消密码后再导入")
        rows = 0
        for part in parts:
            if part.filename.lower().endswith(_XML_SUFFIXES):
                rows += _check_part(archive, part, max_rows - rows)
                if rows > max_rows:
                    raise TooManyRows(f"超过{max_rows}行")


def _too_many(count: int) -> str:
    return (f"这个Excel文件包含{count}个部分（最多{MAX_PARTS}个），不像是一份台账；"
            "请在Excel中另存为新的工作簿后再导入")


def _declared_entries(data: bytes) -> int | None:
    """The entry count of the zip's end record, read without building its directory."""
    start = max(0, len(data) - _END_RECORD_SIZE - _MAX_COMMENT)
    at = data.rfind(_END_RECORD, start)
    if at < 0 or at + _END_RECORD_SIZE > len(data):
        return None
    (entries,) = struct.unpack_from("<H", data, at + 10)
    return None if entries == 0xFFFF else int(entries)  # 0xFFFF: ZIP64, counted by zipfile


class _Prolog:
    """Expat over a part up to its root element: a DTD can only stand before it."""

    def __init__(self) -> None:
        self.done = False
        self._parser = expat.ParserCreate()
        self._parser.StartDoctypeDeclHandler = self._doctype
        self._parser.EntityDeclHandler = self._doctype
        self._parser.StartElementHandler = self._root

    @staticmethod
    def _doctype(*_: object) -> None:
        raise _Doctype

    @staticmethod
    def _root(*_: object) -> None:
        raise _RootReached

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.done:
            return
        try:
            self._parser.Parse(chunk, final)
        except _RootReached:
            self.done = True


def _row_tags(head: bytes) -> tuple[bytes, ...]:
    """``<row`` and ``:row`` (a prefixed namespace) in the part's encoding."""
    if head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        encoding = "utf-16-le"
    elif head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    return tuple(tag.encode(encoding) for tag in ("<row", ":row"))


def _check_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, rows_left: int) -> int:
    """Refuse a DTD in ``part``; count its row tags, stopping once past ``rows_left``.

    Counting bytes, not parsing, keeps this cheap (the inflating dominates); a tag spelt in
    a comment only makes the count larger.
    """
    prolog = _Prolog()
    rows = 0
    tail = b""
    tags: tuple[bytes, ...] = ()
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                prolog.feed(chunk)
                tags = tags or _row_tags(chunk[:2])
                window = tail + chunk
                rows += sum(window.count(tag) for tag in tags)
                if rows > rows_left:
                    return rows
                tail = window[-(len(tags[0]) - 1):]
            prolog.feed(b"", True)
    except _Doctype:
        raise UnsafeWorkbook(
            "这个Excel文件中含有文档类型定义（DTD），出于安全原因不予读取；"
            "请在Excel或WPS中另存为新的工作簿（.xlsx）后再导入") from None
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, OSError, EOFError,
            NotImplementedError, RuntimeError, ValueError) as exc:
        raise UnsafeWorkbook(_DAMAGED) from exc
    return rows
