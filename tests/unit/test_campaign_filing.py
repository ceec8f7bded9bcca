"""Who writes and files a weekly table: an officer, for his own region; nobody else.

The console once let an admin (read-only there) save a draft's text rows for the province;
``campaigns.filing_region`` is now the one rule the console and its tests go through.
"""

from __future__ import annotations

import pytest

from bot.models import User
from bot.services.campaigns import FILERS_ONLY, ReportError, filing_region


@pytest.mark.parametrize(("role", "region"), [
    ("county_officer", "140105"), ("city_officer", "140100"), ("province_officer", "140000"),
])
def test_an_officer_files_for_his_own_region(role: str, region: str) -> None:
    assert filing_region(User(openid="o", role=role, region_code=region)) == region


@pytest.mark.parametrize(("role", "region"), [
    ("admin", None), ("admin", "140000"), ("enterprise_manager", None), ("public", None),
    ("worker", None), ("county_officer", None), ("county_officer", ""),
])
def test_nobody_else_files(role: str, region: str | None) -> None:
    with pytest.raises(ReportError) as refused:
        filing_region(User(openid="o", role=role, region_code=region))
    assert str(refused.value) == FILERS_ONLY
