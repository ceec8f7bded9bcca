"""How a stored 判定依据 reads wherever it leaves the database.

Hazards recorded from an inspection walk before the citation rule (issue 15) carry
"（条文待核对）" after the article in ``Hazard.basis``. The article and item were always certain;
only the clause's *text* was unchecked, and a signed list, a ledger or a chat notice cites the
article only. Rewriting stored evidence is not ours to do (the column is what the officer
confirmed), so every reader passes the value through :func:`cited` instead.
"""

from __future__ import annotations

LEGACY_UNVERIFIED = "（条文待核对）"


def cited(basis: str | None) -> str | None:
    """A stored 判定依据 as it is printed or sent; None when nothing is left."""
    if basis is None:
        return None
    return basis.replace(LEGACY_UNVERIFIED, "").strip() or None
