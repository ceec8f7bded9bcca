"""What the services need back from UPDATE and DELETE statements: the count of rows touched.

Conditional updates ("take the lease if it is free", "use one consent if any is left") are how
the services claim a row without a race, and the row count is their answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through ``Session.execute`` touched.

    The session's stubs promise only a ``Result``; for DML statements SQLAlchemy answers with a
    ``CursorResult``, the one that carries ``rowcount``. The check states that instead of casting
    it away, and fails loudly should a statement ever hand back something else.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"expected a CursorResult from a DML statement, got {type(result).__name__}")
    return result.rowcount
