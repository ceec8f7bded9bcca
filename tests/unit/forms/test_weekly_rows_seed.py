"""附件1 rows 2 and 4 from figures as a confirmed table froze them: today's and older ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.services.forms import exports
from bot.services.forms.figures import CrossTarget, SelfCheckFigures, StageFigures, WeeklyFigures
from bot.services.forms.periods import Window

WINDOW = Window(datetime(2024, 12, 5, 16, tzinfo=UTC), datetime(2025, 3, 7, 4, tzinfo=UTC))


def _figures() -> WeeklyFigures:
    stages = {k: StageFigures() for k in ("self_check", "city", "county", "cross", "other")}
    stages["self_check"] = StageFigures(12, 30, 20, 2, 1, 5)
    stages["cross"] = StageFigures(11, 25, 9, 1, 0, 3)
    return WeeklyFigures(
        region_code="140100", region_name="太原市", week="2025-W10", window=WINDOW, stages=stages,
        self_check=SelfCheckFigures(plans=10, benchmark=2, assisted=4, paired=StageFigures(6, 8, 5, 1, 1, 2)),
        cross_targets=[CrossTarget("大同市", ["平城区", "云冈区", "新荣区"])],
    )


def test_rows_2_and_4_read_as_the_seed_and_survive_freezing() -> None:
    frozen = WeeklyFigures.from_json(_figures().as_json())
    rows = exports.weekly_rows(frozen)
    assert rows[1][2] == (
        "10家企业制定了自查自改工作方案，发现一般问题隐患30条，已整改20条；重大事故隐患2条，已整改1条"
        "（其中确定标杆企业2家，帮扶企业4家，发现一般问题隐患8条，已整改5条；重大事故隐患1条，已整改1条）。")
    assert rows[3][2] == (
        "对大同市开展了交叉检查，共抽查平城区、云冈区、新荣区共3个县的11家企业，发现一般问题隐患25条，"
        "已整改9条；重大事故隐患1条，已整改0条。")


def test_a_table_frozen_before_keeps_the_words_it_was_filed_with() -> None:
    old: dict[str, Any] = _figures().as_json()
    del old["self_check"], old["cross_targets"]
    rows = exports.weekly_rows(WeeklyFigures.from_json(old))
    assert rows[1][2] == (
        "12家企业开展自查自改，发现一般问题隐患30条，已整改20条；重大事故隐患2条，已整改1条。")
    assert rows[3][2] == (
        "共抽查3个县的11家企业，发现一般问题隐患25条，已整改9条；重大事故隐患1条，已整改0条。")
