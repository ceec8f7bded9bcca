"""Chinese fonts for printed posters, found on the system (Debian: ``fonts-noto-cjk``).

Why system fonts: a CJK font is 20–40 MB, too big to ship in the repository, and Debian
packages one. Noto Sans CJK comes as a collection (.ttc) whose faces are JP, KR, SC, TC…:
the SC face is picked by name, because Simplified-Chinese glyphs differ from the Japanese
ones (骨, 门, 写) and the index order is not promised. Without any CJK font the poster is still made
with Pillow's default font (Chinese then shows as boxes) and a warning says what to install.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont

_NOTO = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk")
CANDIDATES: dict[bool, tuple[str, ...]] = {
    False: tuple(f"{d}/NotoSansCJK-Regular.ttc" for d in _NOTO)
    + ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    True: tuple(f"{d}/NotoSansCJK-Bold.ttc" for d in _NOTO),
}


def load_font(size: int, *, bold: bool = False) -> Font:
    """A Chinese font of ``size`` pixels; bold falls back to regular, regular to Pillow's own."""
    found = _find(bold) or (_find(False) if bold else None)
    if found is None:
        _warn_missing()
        return ImageFont.load_default(size)  # type: ignore[return-value]
    path, index = found
    return _truetype(path, index, size)


@functools.cache
def _find(bold: bool) -> tuple[str, int] | None:
    for path in CANDIDATES[bold]:
        if Path(path).is_file():
            return path, _simplified_face(path)
    return None


def _simplified_face(path: str) -> int:
    """The index of the Simplified-Chinese, proportional face of a collection (0 otherwise)."""
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(path, 12, index=index).getname()
        except OSError:
            break
        if family and family.endswith(" SC") and "Mono" not in family:
            return index
    return 0


@functools.lru_cache(maxsize=64)
def _truetype(path: str, index: int, size: int) -> Font:
    return ImageFont.truetype(path, size, index=index)


@functools.cache
def _warn_missing() -> None:
    log.warning(
        "no Chinese font found (tried %s): posters will show boxes instead of Chinese; "
        "install Debian's fonts-noto-cjk", ", ".join(CANDIDATES[False])
    )
