"""The chat's side of a reporter following his reports (``我的报告``).

Mixed into ``ChatServices`` like ``WorkflowChat``: one user, one transaction. What he may
read of each report is ``bot.services.reporting.progress``'s rule.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.models import User
from bot.services.reporting import progress
from bot.services.reporting.progress import ReportLine


class ReporterChat:
    """The reporter's own reports, for the user talking."""

    session: Session
    user: User

    def my_reports(self, limit: int) -> tuple[list[ReportLine], int]:
        return progress.reports_of(self.session, self.user, limit=limit)
