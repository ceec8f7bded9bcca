"""Finding the enterprise and the county from what a reporter types, on the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.chat.channel import ChatServices, ChatSettings
from bot.services.people.users import get_or_create_user
from bot.services.registry.enterprises import search_counties, search_enterprises

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as s:
        yield s
        s.rollback()


def _names(session: Session, text: str) -> list[str]:
    return [m.name for m in search_enterprises(session, text)]


def test_a_keyword_finds_the_company_first(session: Session) -> None:
    assert _names(session, "晋钢")[0] == "太原晋钢钢铁有限公司"


def test_the_full_name_finds_it(session: Session) -> None:
    found = search_enterprises(session, "河津华圣铝业有限公司")
    assert found[0].name == "河津华圣铝业有限公司"
    assert found[0].region_name == "河津市"


def test_a_distinctive_part_finds_it(session: Session) -> None:
    assert _names(session, "华圣铝业")[0] == "河津华圣铝业有限公司"


@pytest.mark.parametrize(
    "typed",
    ["河津　华圣铝业", " 华圣 铝业 ", "华圣铝业有限公司\u3000", "山西 华圣铝业"],
    ids=["ideographic-space", "spaces", "trailing-fullwidth-space", "province-prefix"],
)
def test_spaces_and_full_width_characters_still_match(session: Session, typed: str) -> None:
    assert _names(session, typed)[0] == "河津华圣铝业有限公司"


def test_a_sector_word_lists_every_company_of_it(session: Session) -> None:
    names = _names(session, "钢铁")
    assert set(names) == {
        "太原晋钢钢铁有限公司", "清徐宏达焦化钢铁有限公司",
        "晋城福盛钢铁有限公司", "长治潞宝钢铁集团有限公司",
    }


@pytest.mark.parametrize("typed", ["有限公司", "公司", "集团有限公司", "山西省有限责任公司"])
def test_generic_words_alone_match_nothing(session: Session, typed: str) -> None:
    """Every name carries "有限公司": it must not offer the whole registry as matches.

    The reporter is then offered to continue with the name as an unregistered enterprise or
    to type a better name (the dialogue's "no match" reply).
    """
    assert search_enterprises(session, typed) == []


def test_an_unknown_name_matches_nothing(session: Session) -> None:
    assert search_enterprises(session, "蓝天白云玩具厂") == []


def test_results_are_limited_to_the_best(session: Session) -> None:
    assert len(search_enterprises(session, "钢铁")) == 4
    assert _names(session, "钢铁")[:2] == [m.name for m in search_enterprises(session, "钢铁", limit=2)]


def test_a_county_name_without_suffix(session: Session) -> None:
    found = search_counties(session, "孝义")
    assert [(r.code, r.name) for r in found] == [("141181", "孝义市")]


def test_a_county_name_with_suffix(session: Session) -> None:
    assert [r.code for r in search_counties(session, "孝义市")] == ["141181"]
    assert [r.code for r in search_counties(session, "山西省孝义市")] == ["141181"]


def test_prefecture_cities_are_not_counties(session: Session) -> None:
    """太原市 is a city, not a county: the reporter must pick one of its districts."""
    assert all(r.code != "140100" for r in search_counties(session, "太原"))


def test_a_shared_county_name_lists_each_with_its_city(session: Session) -> None:
    """Two counties are called just 城区 (阳泉, 晋城): the list must tell them apart, first."""
    user = get_or_create_user(session, "o-search-test", now=NOW)
    port = ChatServices(session, user, ChatSettings(), NOW)
    labels = [c.label for c in port.find_counties("城区")]
    assert labels[:2] == ["城区（阳泉市）", "城区（晋城市）"]
    assert [c.key for c in port.find_counties("城区")][:2] == ["140302", "140502"]
    assert len(labels) == len(set(labels))


def test_exact_county_names_come_before_longer_ones(session: Session) -> None:
    found = search_counties(session, "城区", limit=2)
    assert [r.code for r in found] == ["140302", "140502"]
