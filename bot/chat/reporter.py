"""The chat's side of a reporter following his reports (``我的报告``), and of a report that
repeats an open one (the duplicate hint and 补充).

Mixed into ``ChatServices`` like ``WorkflowChat``: one user, one transaction. What he may
read of each report is ``bot.services.reporting.progress``'s rule; what he is offered of
others' reports and how his supplement is kept, ``bot.services.reporting.supplements``'.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import User
from bot.services.reporting import progress, supplements
from bot.services.reporting.progress import ReportLine
from bot.services.reporting.reports import ReportDraft
from bot.services.reporting.supplements import SimilarReport, Supplemented

log = logging.getLogger(__name__)


class ReporterChat:
    """The reporter's own reports, for the user talking."""

    session: Session
    user: User
    now: datetime

    def my_reports(self, limit: int) -> tuple[list[ReportLine], int]:
        return progress.reports_of(self.session, self.user, limit=limit)

    def similar_reports(self, draft: ReportDraft) -> list[SimilarReport]:
        return supplements.similar_reports(self.session, draft, reporter=self.user, now=self.now)

    def supplement(self, draft: ReportDraft, number: str) -> Supplemented:
        done = supplements.supplement(self.session, draft, number, reporter=self.user, now=self.now)
        log.info("hazard %s supplemented (%s)", done.number, "anonymous" if done.anonymous else "named")
        return done
