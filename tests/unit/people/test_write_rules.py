"""Who may write what the console lets people write: weekly tables and the registry.

The console once let an admin (read-only there) save a weekly draft's text rows for the
province and import the supervision ledger; ``campaigns.filing_region`` and
``Scope.edits_registry`` are now the rules the console goes through (the access matrix in
tests/security drives them through the pages).
"""

from __future__ import annotations

import pytest

from bot.models import User
from bot.services.forms.campaigns import FILERS_ONLY, ReportError, filing_region
from bot.services.people.console_scope import Scope


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


@pytest.mark.parametrize(("role", "edits"), [
    ("county_officer", True), ("city_officer", True), ("province_officer", True),
    ("admin", False), ("enterprise_manager", False),
])
def test_only_officers_change_the_registry_in_the_console(role: str, edits: bool) -> None:
    assert Scope(user_id=1, role=role, label="x").edits_registry is edits
