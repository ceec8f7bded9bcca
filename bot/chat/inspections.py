"""The chat's side of inspections: the ``ChatPort`` methods behind the checklist walk.

Mixed into ``ChatServices`` (one user, one transaction, one ``now``). The rules are in
``bot/services/inspections/walks.py``; here is only the shape the dialogue wants back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot.handlers.core import FindingOutcome, FinishedInspection, InspectionView, ItemView
from bot.models import Enterprise, Inspection, User
from bot.services.hazards import notifications
from bot.services.hazards import workflow_texts as T
from bot.services.inspections import walks
from bot.services.inspections.walks import RESULT_NAMES, STAGE_NAMES, InspectionError

log = logging.getLogger(__name__)


class InspectionChat:
    session: Session
    user: User
    now: datetime
    public_base_url: str

    def own_enterprise(self) -> int | None:
        if self.user.role == "enterprise_manager":
            return self.user.enterprise_id
        return None

    def start_inspection(self, enterprise_id: int) -> InspectionView:
        inspection = walks.start_or_join(self.session, user=self.user, enterprise_id=enterprise_id,
                                               now=self.now)
        log.info("user %s in inspection %s (%s)", self.user.id, inspection.id, inspection.stage)
        return self._inspection_view(inspection)

    def resumable_inspection(self) -> InspectionView | None:
        found = walks.resumable(self.session, self.user)
        return self._inspection_view(found) if found else None

    def inspection(self, inspection_id: int) -> InspectionView:
        return self._inspection_view(self._inspection(inspection_id))

    def inspection_item(self, inspection_id: int, item_id: str) -> ItemView:
        inspection = self._inspection(inspection_id)
        item = walks.item(self.session, item_id)
        recorded = walks.results(self.session, inspection).get(item_id)
        label = ""
        if recorded is not None:
            who = self.session.get(User, recorded.by_id)
            by = f"，{who.name}" if who and who.name and who.id != self.user.id else ""
            label = RESULT_NAMES[recorded.result] + by
        order = list(inspection.item_ids)
        return ItemView(
            id=item.id, index=order.index(item_id) + 1 if item_id in order else 0, total=len(order),
            text=item.text, focus=item.focus, basis=item.basis, major=item.major,
            verbatim=item.verbatim, recorded=label,
        )

    def next_inspection_item(self, inspection_id: int, after: str | None) -> str | None:
        return walks.next_item(self.session, self._inspection(inspection_id), after)

    def previous_inspection_item(self, inspection_id: int, current: str | None) -> str | None:
        return walks.previous_item(self._inspection(inspection_id), current)

    def answer_item(self, inspection_id: int, item_id: str, result: str) -> None:
        inspection = self._inspection(inspection_id, lock=True)
        walks.record_result(self.session, inspection, item_id, result, user=self.user, now=self.now)

    def add_finding(
        self, inspection_id: int, item_id: str | None, description: str, photo_ids: list[int],
        level: str | None = None, basis: str | None = None,
    ) -> FindingOutcome:
        inspection = self._inspection(inspection_id, lock=True)
        hazard = walks.record_finding(
            self.session, inspection, item_id=item_id, description=description, photo_ids=photo_ids,
            user=self.user, now=self.now, level=level, basis=basis,
        )
        log.info("inspection %s: hazard %s (%s, %s)", inspection.id, hazard.number, hazard.level,
                 hazard.state)
        return FindingOutcome(hazard.number, T.LEVEL_NAMES.get(hazard.level or "", ""),
                              rectifying=not walks.awaiting_grade(hazard))

    def finish_inspection(self, inspection_id: int) -> FinishedInspection:
        inspection = self._inspection(inspection_id, lock=True)
        walks.finish(self.session, inspection, user=self.user, now=self.now)
        # Imported here: the export module brings openpyxl, which a chat step does not need.
        from bot.services.inspections.inspection_export import download_urls

        xlsx, pdf = download_urls(self.public_base_url, inspection)
        log.info("inspection %s finished by user %s", inspection.id, self.user.id)
        found = [h for _, h in walks.findings(self.session, inspection)]
        rectifying = tuple(h.number for h in found if h.state == "rectifying")
        ungraded = tuple(h.number for h in found if walks.awaiting_grade(h))
        bound = bool(found) and bool(notifications.managers(self.session, found[0]))
        return FinishedInspection(self._inspection_view(inspection), xlsx, pdf, rectifying=rectifying,
                                  ungraded=ungraded, managers_bound=bound)

    def _inspection(self, inspection_id: int, *, lock: bool = False) -> Inspection:
        inspection = walks.get(self.session, inspection_id, lock=lock)
        if inspection is None:
            raise InspectionError("没有找到这次检查。")
        return inspection

    def _inspection_view(self, inspection: Inspection) -> InspectionView:
        enterprise = self.session.get(Enterprise, inspection.enterprise_id)
        progress = walks.progress(self.session, inspection)
        parts = [f"{RESULT_NAMES[r]} {progress.counts[r]}" for r in RESULT_NAMES if progress.counts.get(r)]
        left = progress.total - progress.answered
        summary = f"共 {progress.total} 项：" + "，".join(parts + ([f"未检查 {left}"] if left else []))
        summary += f"；发现隐患 {progress.findings} 条（重大 {progress.major} 条）。"
        return InspectionView(
            id=inspection.id, enterprise=enterprise.name if enterprise else "",
            stage=STAGE_NAMES[inspection.stage], total=progress.total, answered=progress.answered,
            findings=progress.findings, major=progress.major, open=inspection.state == "open",
            summary=summary,
        )
