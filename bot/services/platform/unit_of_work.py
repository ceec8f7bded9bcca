"""The unit of work: one transaction per business operation.

It rolls back unless the service commits, so a failure half way through a report (a bad photo,
an illegal step) never leaves a half-written hazard behind.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Open a session on enter, roll back on exit unless committed."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self.committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        self.committed = True

    def flush(self) -> None:
        self.session.flush()
