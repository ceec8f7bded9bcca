"""fontTools in a short-lived child process, so that a web worker never holds a CJK face.

Why: reading Noto Sans CJK's tables costs a process about 54 MiB and cutting a subset of it
another 31 MiB, and Python hands little of that back to the system: a gunicorn worker that
served one PDF poster stayed some 100 MiB larger for the rest of its life. The child (this
file run as a script, isolated, importing nothing of ours) reads or cuts the face and answers
in JSON or bytes; the parent keeps only the character map its pages need and the subset it
embeds. Starting the child costs about a tenth of a second, twice per document.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 120  # reading a 20 MB collection takes about a second


class FontToolError(ValueError):
    """The child could not read or cut the face; the message says why."""


@dataclass(frozen=True)
class FaceMetrics:
    """What the pages need of one face, in 1/1000 em: each character's glyph id, the code the
    page writes for it (the CID of a CID-keyed CFF, else the glyph id) and its advance, packed
    in one int (``glyph``): a CJK face maps some 65,000 characters, and as tuples the two faces
    of a poster would cost a worker 30 MiB."""

    cff: bool
    ros: tuple[str, str, int] | None  # Registry, Ordering, Supplement of a CID-keyed CFF
    ascent: float
    descent: float
    bbox: tuple[int, int, int, int]
    cap_height: int
    postscript_name: str
    glyphs: dict[int, int]  # code point -> packed (gid, code, advance)
    notdef: int

    def glyph(self, char: str) -> tuple[int, int, int]:
        """The glyph id, code and advance of ``char`` (.notdef's when the face lacks it)."""
        return unpack(self.glyphs.get(ord(char), self.notdef))


def unpack(packed: int) -> tuple[int, int, int]:
    """A packed glyph's id, code and advance."""
    return packed & 0xFFFF, (packed >> 16) & 0xFFFF, packed >> 32


def read_face(path: str, index: int) -> FaceMetrics:
    """The metrics of face ``index`` of the font file at ``path``.

    :raises FontToolError: the file cannot be read, or has neither CFF nor TrueType outlines.
    """
    found = json.loads(_run("read", {"path": path, "index": index}))
    ros = found["ros"]
    return FaceMetrics(
        cff=found["cff"], ros=(ros[0], ros[1], int(ros[2])) if ros else None,
        ascent=found["ascent"], descent=found["descent"], bbox=tuple(found["bbox"]),
        cap_height=found["cap_height"], postscript_name=found["postscript_name"],
        glyphs=dict(zip(found["glyphs"][::2], found["glyphs"][1::2], strict=True)),
        notdef=found["notdef"],
    )


def cut_subset(path: str, index: int, gids: list[int], *, cff: bool, retain_gids: bool) -> bytes:
    """The font program cut down to ``gids``: a bare CFF table, or a whole TrueType file.

    :raises FontToolError: as ``read_face``.
    """
    return _run("cut", {"path": path, "index": index, "gids": gids, "cff": cff,
                        "retain_gids": retain_gids})


def _run(command: str, args: dict[str, Any]) -> bytes:
    try:
        done = subprocess.run(
            [sys.executable, "-I", __file__, command], input=json.dumps(args).encode(),
            capture_output=True, timeout=TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FontToolError(f"font child: {exc}") from exc
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise FontToolError(lines[-1] if lines else f"font child exited with {done.returncode}")
    return done.stdout


# --- the child: run as ``python -I font_process.py read|cut`` with its arguments on stdin ---


def _read(path: str, index: int) -> dict[str, Any]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        cff = "CFF " in font
        if not cff and "glyf" not in font:
            raise ValueError(f"{path}: no CFF or TrueType outlines")
        top = font["CFF "].cff.topDictIndex[0] if cff else None
        ros = getattr(top, "ROS", None)
        scale = 1000 / font["head"].unitsPerEm
        head = font["head"]
        os2 = font["OS/2"] if "OS/2" in font else None
        ascent = font["hhea"].ascent * scale
        hmtx, glyph_ids = font["hmtx"], font.getReverseGlyphMap()

        def glyph(name: str) -> int:
            gid = glyph_ids[name]
            code = int(name[3:]) if ros is not None and name.startswith("cid") else gid
            return gid | code << 16 | max(0, round(hmtx[name][0] * scale)) << 32

        return {
            "cff": cff, "ros": list(ros) if ros else None, "ascent": ascent,
            "descent": font["hhea"].descent * scale,
            "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
            "cap_height": round(getattr(os2, "sCapHeight", 0) * scale) or round(ascent),
            "postscript_name": (font["name"].getDebugName(6) or "Font").replace(" ", ""),
            "glyphs": [v for point, name in font.getBestCmap().items() for v in (point, glyph(name))],
            "notdef": glyph(font.getGlyphName(0)),
        }


def _cut(path: str, index: int, gids: list[int], cff: bool, retain_gids: bool) -> bytes:
    import io
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
    options = subset.Options()
    options.retain_gids = retain_gids
    options.notdef_outline = True
    options.layout_features = []
    options.name_IDs = []
    options.hinting = False
    font = TTFont(path, fontNumber=index, lazy=True)
    if cff:  # only the CFF table is embedded: parsing the others is wasted time
        kept = ("CFF ", "head", "maxp", "GlyphOrder")
        options.drop_tables = [tag for tag in font.keys() if tag not in kept]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    with font:
        subsetter.subset(font)
        if cff:
            return font["CFF "].compile(font)  # type: ignore[no-any-return]
        buf = io.BytesIO()
        font.save(buf)
        return buf.getvalue()


def _child(command: str) -> int:
    args = json.load(sys.stdin)
    try:
        if command == "read":
            sys.stdout.write(json.dumps(_read(args["path"], args["index"])))
        elif command == "cut":
            sys.stdout.buffer.write(_cut(args["path"], args["index"], args["gids"], args["cff"],
                                         args["retain_gids"]))
        else:
            raise ValueError(f"unknown command {command!r}")
    except Exception as exc:  # noqa: BLE001 - the parent reads the last line of stderr
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
