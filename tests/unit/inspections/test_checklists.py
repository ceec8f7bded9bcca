"""The checklist library: the shipped files load (twice, idempotently), cover the seeds'
check points and the 判定标准's clauses, and an item is added by a data file alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import ChecklistItem
from bot.services.inspections import walks
from bot.services.inspections.checklists import (
    ChecklistError,
    applicable_items,
    default_directory,
    load_checklists,
    read_library,
)
from tests.common.factories import T0, enterprise, make_user

REPO_CRITERIA_FIELDS = ("basis", "major", "verbatim")


def _ids(session: Session, name: str) -> list[str]:
    return [i.id for i in applicable_items(session, enterprise(session, name))]


def test_shipped_library_loads_idempotently(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        first = load_checklists(s, now=T0)
        again = load_checklists(s, now=T0)
        s.commit()
        assert first.added == first.items > 60 and again.added == 0 and again.deactivated == 0
        assert s.scalar(select(func.count()).select_from(ChecklistItem)) == first.items


def test_every_criteria_clause_is_an_item_with_its_article_and_flag() -> None:
    """Each numbered clause of articles 3–13 in the reference is an item; its basis names the
    article and item, and an unchecked text keeps verbatim = false (shown as 待核对)."""
    items = {i.id: i for c in read_library() for i in c.items}
    by_basis = {i.basis: i for i in items.values()}
    reference = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "criteria_clauses.json"
    for clause in json.loads(reference.read_text(encoding="utf-8")):
        basis = f"《工贸企业重大事故隐患判定标准》{clause['article']}第{clause['item']}项"
        assert basis in by_basis, basis
        item = by_basis[basis]
        assert item.major and item.verbatim == clause["verbatim"] and item.text == clause["text"]


@pytest.mark.parametrize("words", [
    "水冷元件", "一氧化碳", "快速切断阀、紧急排放阀", "参数值是否符合现场实际", "长时间延迟",
    "铸造平台停止下降", "控爆措施", "湿式除尘系统干式运行", "严重积尘", "辨识、建立安全管理台账",
    "警示标志", "作业方案并经审批", "监护人员是否按规定履行", "安全条件确认", "动火", "煤气作业",
    "高处作业", "临时用电", "分割出租", "统一协调管理", "特种作业人员无证", "危险因素辨识评估",
    "安全评价", "安全监测监控系统", "应急预案", "应急救援物资",
])
def test_every_check_point_of_the_2024_campaign_is_asked(words: str) -> None:
    asked = " ".join(f"{i.text} {i.focus or ''}" for c in read_library() for i in c.items)
    assert words in asked


def test_items_follow_the_enterprise_industry_and_flags(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        load_checklists(s, now=T0)
        steel = _ids(s, "太原晋钢钢铁有限公司")
        assert "gb10-4-4" in steel and "gb10-4-6" in steel and "gb10-3-3" in steel
        assert "gb10-11-3" not in steel and "gb10-5-6" not in steel
        casting = _ids(s, "孝义兴安铝材有限公司")
        assert {"gb10-5-6", "jx354-al-setpoints", "jx354-al-platform"} <= set(casting)
        magnesium = _ids(s, "霍州恒泰镁业有限公司")
        assert "gb10-5-1" in magnesium and "gb10-5-6" not in magnesium
        dust = _ids(s, "大同云冈木业有限公司")
        assert {"gb10-11-3", "gb10-11-10", "jx354-dust-wet"} <= set(dust) and "gb10-4-4" not in dust
        assert "jx354-lease-premises" in _ids(s, "太原重型装备配套有限公司")
        assert "jx354-lease-premises" not in _ids(s, "晋中榆次液压机械有限公司")


def test_a_new_item_is_a_data_change(factory: sessionmaker[Session], tmp_path: Path) -> None:
    for path in default_directory().glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "local_extra.toml").write_text(
        'id = "local-extra"\ntitle = "本地补充清单"\nversion = "2026-11"\norder = 5\n\n'
        '[[items]]\nid = "local-forklift"\ntext = "叉车是否按期检验"\nbasis = "本地补充清单 第1项"\n'
        'major = false\nverbatim = true\napplies = [{ industry = ["冶金"], sub_sector = ["钢铁"] }]\n',
        encoding="utf-8",
    )
    with factory() as s:
        load_checklists(s, now=T0)
        result = load_checklists(s, now=T0, directory=tmp_path)
        assert result.added == 1
        assert _ids(s, "太原晋钢钢铁有限公司")[0] == "local-forklift"  # order = 5: walked first
        officer = make_user(s, role="county_officer", region_code="140105")
        steel = enterprise(s, "太原晋钢钢铁有限公司")
        walk = walks.start_or_join(s, user=officer, enterprise_id=steel.id, now=T0)
        assert walks.next_item(s, walk) == "local-forklift"
        walks.record_result(s, walk, "local-forklift", "pass", user=officer, now=T0)
        assert "local-forklift" not in _ids(s, "大同云冈木业有限公司")
        (tmp_path / "local_extra.toml").unlink()
        assert load_checklists(s, now=T0, directory=tmp_path).deactivated == 1
        assert "local-forklift" not in _ids(s, "太原晋钢钢铁有限公司")


_ITEM = (
    '[[items]]\nid = "{id}"\ntext = "t"\nbasis = "b"\nmajor = {major}\nverbatim = true\n'
    "applies = [{applies}]\n"
)


@pytest.mark.parametrize("body, message", [
    (_ITEM.format(id="x", major='"yes"', applies="{ all = true }"), "major 须为 true 或 false"),
    (_ITEM.format(id="x", major="true", applies='{ industry = ["钢铁"] }'), "不认识的行业或标志 钢铁"),
    (_ITEM.format(id="gb10-4-4", major="true", applies="{ all = true }"), "检查项编号 gb10-4-4 重复"),
])
def test_a_bad_file_loads_nothing(
    factory: sessionmaker[Session], tmp_path: Path, body: str, message: str
) -> None:
    for path in default_directory().glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "bad.toml").write_text(f'id = "bad"\ntitle = "坏"\nversion = "1"\n\n{body}', encoding="utf-8")
    with factory() as s:
        with pytest.raises(ChecklistError, match=message):
            load_checklists(s, now=T0, directory=tmp_path)
        assert s.scalar(select(func.count()).select_from(ChecklistItem)) == 0
