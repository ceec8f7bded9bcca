"""Every exported form opens in LibreOffice: converted to PDF headless, page 1 is not blank and
carries the form's title (the text layer of the PDF, so the Chinese made it through).

The rows are built from known figures by the pure row builders (no database needed); the
cells themselves are checked in ``test_campaign_stats.py`` and ``test_task_forms.py``.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.models import CampaignTask
from bot.services.forms import exports
from bot.services.forms import exports_tasks as forms
from bot.services.forms.cross_checks import CrossPlanRow, CrossSummaryRow
from bot.services.forms.figures import PenaltyFigures, StageFigures, WeeklyFigures
from bot.services.forms.major_ledger import LedgerRow
from bot.services.forms.periods import Window
from bot.services.forms.task_lists import TASKS_2022, ProgressRow
from bot.services.forms.two_sessions import MajorEnterprise, TwoSessionsRow, TwoSessionsTable

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(LIBREOFFICE is None,
                       reason="libreoffice is not on PATH (Debian package: libreoffice-calc-nogui)"),
]
FILED = date(2025, 1, 10)


def _weekly() -> list[exports.Sheet]:
    stages = {k: StageFigures(3, 12, 10, 1, 0, 2) for k in ("self_check", "city", "county", "cross", "other")}
    window = Window(datetime(2024, 12, 5, 16, tzinfo=UTC), datetime(2025, 1, 12, 16, tzinfo=UTC))
    penalties = PenaltyFigures(2, Decimal("7.00"), 1, Decimal("1.50"), 2, 1)
    figures = WeeklyFigures("140100", "太原市", "2025-W02", window, stages, penalties)
    return exports.weekly_sheets(figures, FILED, {"部署推进": "太原市10个县（区）均制定了实施方案。"})


def _two_sessions() -> list[exports.Sheet]:
    row = TwoSessionsRow(None, 2, 2, 1, 1, 1, 1, Decimal("6.50"), 1, 0, 0, 0, 0, None, None)
    table = TwoSessionsTable("140100", "太原市", "2021-W10", row, row, [
        MajorEnterprise("清徐宏达焦化钢铁有限公司", "太原市清徐县", "冶金（钢铁）",
                        "转炉水冷元件未设温度、流量监测报警装置")])
    return [exports.two_sessions_sheet(table, FILED)]


def _ledger() -> list[exports.Sheet]:
    row = LedgerRow(1, "YH1", "清徐宏达焦化钢铁有限公司", "太原市清徐县", "冶金（钢铁）", "市县检查",
                    "清徐县应急管理局", date(2025, 1, 6), "转炉水冷元件未设温度、流量监测报警装置",
                    "责任人：王五；措施：更换冷却水管", "太原市应急管理局", "处罚企业5.00万元",
                    "已完成整改（2025-01-10）", "")
    return [exports.ledger_sheet("太原市", [row], FILED)]


def _monthly() -> list[exports.Sheet]:
    rows = [
        ProgressRow(CampaignTask(task_no=t, task=task, measure_no=m, measure=measure, target=target,
                                 responsible_unit=unit, deadline=deadline),
                    "已部署" if m % 3 == 0 else "")
        for t, task, m, measure, target, unit, (deadline, _) in TASKS_2022
    ]
    return [forms.monthly_sheet("太原市", "2022-05", rows, date(2022, 5, 30))]


def _cross_plan() -> list[exports.Sheet]:
    rows = [CrossPlanRow(3, "阳泉市", "太原市", 2, 2, 2, 1), CrossPlanRow(4, "长治市", "晋城市", 0, 0, 0, 0)]
    return [forms.cross_plan_sheet("山西省", rows, FILED)]


def _cross_summary() -> list[exports.Sheet]:
    rows = [CrossSummaryRow("古交汇丰特钢有限公司", "太原市古交市", "冶金（钢铁）", "阳泉市交叉检查组",
                            date(2025, 3, 10), 1, 1, "停产整顿", "罚款企业3.00万元", "已整改1条，共2条", "")]
    return [forms.cross_summary_sheet("太原市", rows, FILED)]


FORMS = {
    "weekly": (_weekly, exports.WEEKLY_TITLE),
    "two_sessions": (_two_sessions, exports.TWO_SESSIONS_TITLE),
    "ledger": (_ledger, exports.LEDGER_TITLE),
    "monthly": (_monthly, forms.MONTHLY_TITLE),
    "cross_plan": (_cross_plan, forms.CROSS_PLAN_TITLE),
    "cross_summary": (_cross_summary, forms.CROSS_SUMMARY_TITLE),
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every form as .xlsx, converted to PDF by one headless LibreOffice run (own profile)."""
    work = tmp_path_factory.mktemp("forms")
    for name, (build, _) in FORMS.items():
        exports.write_workbook(work / f"{name}.xlsx", build())
    assert LIBREOFFICE is not None
    subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), *(str(work / f"{name}.xlsx") for name in FORMS)],
        check=True, capture_output=True, timeout=300,
    )
    return {name: work / f"{name}.pdf" for name in FORMS}


@pytest.mark.parametrize("name", list(FORMS))
def test_form_renders_in_libreoffice(pdfs: dict[str, Path], name: str) -> None:
    import pypdfium2 as pdfium

    path = pdfs[name]
    assert path.exists(), f"LibreOffice made no PDF of {name}"
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[0]
        text = "".join(page.get_textpage().get_text_range().split())
        for line in FORMS[name][1].split("\n"):
            assert line in text, (name, line, text[:200])
        assert "填报单位" in text
        image = page.render(scale=1).to_pil().convert("L")
        inked = sum(1 for value in image.getdata() if value < 128)
        assert inked > image.width * image.height // 200, f"{name}: page 1 is nearly blank"
        image.save(path.with_suffix(".png"))
    finally:
        pdf.close()
