"""Who cross-inspects whom (附件3 of 晋应急发〔2024〕354号): the eleven pairs, as data.

Both the plan (``cross_checks``, 附件3/附件4) and 附件1 row 4 (``figures``: the *inspecting*
city's table, "对**市开展了交叉检查") need the pairs; they live here, below both, so that
neither imports the other.
"""

from __future__ import annotations

CROSS_SOURCE = "cross_inspection"
# 附件3: (序号, 检查方, 受检方), as the notice lists them.
CROSS_PAIRS: tuple[tuple[int, str, str], ...] = (
    (1, "太原市", "大同市"), (2, "大同市", "忻州市"), (3, "阳泉市", "太原市"), (4, "长治市", "晋城市"),
    (5, "晋城市", "运城市"), (6, "朔州市", "阳泉市"), (7, "忻州市", "朔州市"), (8, "吕梁市", "晋中市"),
    (9, "晋中市", "临汾市"), (10, "临汾市", "长治市"), (11, "运城市", "吕梁市"),
)


def inspector_of(inspected: str) -> str | None:
    """The city 附件3 sends to inspect ``inspected`` (by name), or None if it names none."""
    return next((inspector for _, inspector, target in CROSS_PAIRS if target == inspected), None)
