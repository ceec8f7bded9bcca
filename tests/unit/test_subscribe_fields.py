"""Subscribe-message values fit WeChat's keyword types; a bad template setting fails at start."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.config import ConfigError, load_config
from bot.services.subscribe_messages import SubscribeSettings, fit
from bot.wiring import subscribe_settings


def test_values_are_cut_to_their_type() -> None:
    name = "山西省太原市小店区某某特种铸造有限责任公司第二分厂"
    assert fit("thing3", name) == name[:19] + "…" and len(name[:19] + "…") == 20
    assert len(fit("thing3", "x" * 21)) == 20 and fit("thing3", "x" * 20) == "x" * 20
    assert fit("thing1", "  二号\n车间  ") == "二号 车间"
    assert fit("character_string1", "YH202611240001（补充）") == "YH202611240001"
    assert len(fit("character_string1", "A" * 40)) == 32
    assert fit("phrase2", "已受理!") == "已受理" and fit("phrase2", "超时未受理了") == "超时未受理"
    assert fit("time4", datetime(2026, 11, 24, 7, 5, tzinfo=UTC)) == "2026年11月24日 15:05"
    assert fit("date3", date(2026, 12, 31)) == "2026年12月31日"
    assert fit("date3", datetime(2026, 12, 31, 1, 0, tzinfo=UTC)) == "2026年12月31日"
    assert fit("thing5", "") == "-" and fit("phrase2", "abc") == "-"  # WeChat refuses empty values


def test_template_settings_are_checked_at_start() -> None:
    cfg = load_config(environ={}, overrides={"api": {
        "subscribe_progress": "Tpl1 number=character_string1 status=phrase2",
        "subscribe_page": "pages/r?number={number}"}})
    settings = subscribe_settings(cfg)
    assert settings.template_for("acknowledge").template_id == "Tpl1"  # type: ignore[union-attr]
    assert settings.template_for("close").fields == {  # type: ignore[union-attr]
        "number": "character_string1", "status": "phrase2"}
    assert settings.template_for("new_report") is None and settings.template_for("weekly_stats") is None
    assert SubscribeSettings.from_config({}).templates == {}
    for bad in ("Tpl1", "Tpl1 numero=thing1", "Tpl1 number=things", "Tpl1 number=weird1", "Tp!1 note=thing1"):
        with pytest.raises(ConfigError, match="api.subscribe_deadline"):
            subscribe_settings(load_config(environ={}, overrides={"api": {"subscribe_deadline": bad}}))
