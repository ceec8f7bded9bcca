"""The inspection service: stages by who inspects, one open inspection per enterprise and
stage, the walk's order, corrections, findings as hazards, and the 附件5 rows."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import ChecklistItem, Enterprise, HazardEvent, Inspection, User
from bot.services.inspections import walks
from bot.services.inspections.checklists import load_checklists
from bot.services.inspections.inspection_export import COLUMNS, hazard_list, render_pdf, render_xlsx
from bot.services.inspections.walks import InspectionError
from tests.common.factories import T0, World, enterprise, make_photo, make_user


@pytest.fixture
def library(factory: sessionmaker[Session], world: World) -> World:
    with factory() as s:
        load_checklists(s, now=T0)
        s.commit()
    return world


def _events(s: Session, hazard_id: int) -> list[HazardEvent]:
    return list(s.scalars(select(HazardEvent).where(HazardEvent.hazard_id == hazard_id)
                          .order_by(HazardEvent.id)))


def _start(s: Session, user_id: int, enterprise_id: int) -> Inspection:
    return walks.start_or_join(s, user=s.get(User, user_id), enterprise_id=enterprise_id, now=T0)  # type: ignore[arg-type]


def test_the_stage_follows_who_inspects(factory: sessionmaker[Session], library: World) -> None:
    w = library
    with factory() as s:
        ent = s.get(Enterprise, w.ent)
        assert ent is not None
        stages = {k: walks.stage_for(s, s.get(User, v), ent)  # type: ignore[arg-type]
                  for k, v in {"county": w.county, "city": w.city, "province": w.province,
                               "other_city": w.other_city, "other_county": w.other_county,
                               "manager": w.manager, "other_manager": w.other_manager,
                               "public": w.public, "worker": w.worker}.items()}
    assert stages == {
        "county": "joint_inspection", "city": "joint_inspection", "province": "provincial",
        "other_city": "cross_inspection", "other_county": None, "manager": "self_check",
        "other_manager": None, "public": None, "worker": None,
    }


def test_second_inspector_joins_and_the_database_refuses_two_open_ones(
    factory: sessionmaker[Session], library: World
) -> None:
    w = library
    with factory() as s:
        first = _start(s, w.county, w.ent)
        assert _start(s, w.city, w.ent).id == first.id
        assert _start(s, w.manager, w.ent).id != first.id  # 企业自查 is another inspection
        s.commit()
        assert len(walks.inspector_ids(s, first)) == 2
    with factory() as s:
        s.add(Inspection(token="t" * 24, enterprise_id=w.ent, stage="joint_inspection", unit="x",
                         state="open", item_ids=[], started_by=w.county, started_at=T0))
        with pytest.raises(IntegrityError):
            s.flush()


def test_walk_order_corrections_and_findings(factory: sessionmaker[Session], library: World) -> None:
    w = library
    with factory() as s:
        county = s.get(User, w.county)
        assert county is not None
        inspection = _start(s, w.county, w.ent)
        first, second, third = inspection.item_ids[:3]
        assert walks.next_item(s, inspection) == first
        walks.record_result(s, inspection, second, "pass", user=county, now=T0)
        assert walks.next_item(s, inspection, after=first) == third
        assert walks.next_item(s, inspection, after=inspection.item_ids[-1]) == first  # wraps
        photo = make_photo(s, uploader=county)
        hazard = walks.record_finding(s, inspection, item_id=first, description="承包单位未统一管理",
                                            photo_ids=[photo.id], user=county, now=T0)
        # A checklist item gives the level: graded at once, by the same 定级 step as in chat.
        assert (hazard.state, hazard.source, hazard.level) == ("rectifying", "joint_inspection", "major")
        assert [(e.action, e.from_state, e.to_state) for e in _events(s, hazard.id)] == [
            ("inspect", None, "acknowledged"), ("classify", "acknowledged", "rectifying")]
        free = walks.record_finding(s, inspection, item_id=None, description="厂区道路积水结冰",
                                    photo_ids=[], user=county, now=T0)
        assert (free.state, free.level, free.basis) == ("acknowledged", None, None)
        assert walks.awaiting_grade(free) and not walks.awaiting_grade(hazard)
        graded = walks.record_finding(s, inspection, item_id=None, description="配电室门口堆放杂物",
                                      photo_ids=[], user=county, now=T0, level="major", basis="4.4")
        assert (graded.state, graded.level, graded.basis) == (
            "rectifying", "major", "《工贸企业重大事故隐患判定标准》第四条第（四）项")
        with pytest.raises(InspectionError, match="隐患等级"):
            walks.record_finding(s, inspection, item_id=None, description="配电室门口堆放杂物",
                                 photo_ids=[], user=county, now=T0, level="严重")
        with pytest.raises(InspectionError, match="判定依据"):
            walks.record_finding(s, inspection, item_id=None, description="配电室门口堆放杂物",
                                 photo_ids=[], user=county, now=T0, level="general", basis="x" * 501)
        s.refresh(photo)
        assert photo.hazard_id == hazard.id
        with pytest.raises(InspectionError, match="已登记隐患"):
            walks.record_result(s, inspection, first, "pass", user=county, now=T0)
        walks.record_result(s, inspection, second, "not_applicable", user=county, now=T0)
        progress = walks.progress(s, inspection)
        assert (progress.counts, progress.findings, progress.major) == (
            {"hazard": 1, "not_applicable": 1}, 3, 2)
        with pytest.raises(InspectionError, match="隐患描述"):
            walks.record_finding(s, inspection, item_id=None, description=" ", photo_ids=[],
                                       user=county, now=T0)
        walks.finish(s, inspection, user=county, now=T0)
        with pytest.raises(InspectionError, match="已经结束"):
            walks.record_result(s, inspection, third, "pass", user=county, now=T0)


def test_an_inspection_without_findings_still_has_its_list(
    factory: sessionmaker[Session], library: World, tmp_path: Path
) -> None:
    with factory() as s:
        inspection = _start(s, library.county, library.ent)
        data = hazard_list(s, inspection, store=tmp_path)
    assert data.rows == [] and data.inspectors == ["赵科长"] and data.unit == "小店区应急管理局"
    ws = load_workbook(io.BytesIO(render_xlsx(data))).active
    assert tuple(next(ws.iter_rows(min_row=3, max_row=3, values_only=True))) == COLUMNS
    assert render_pdf(data).startswith(b"%PDF")


def test_checklists_load_and_export_from_the_command_line(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["checklists", "load"])
    first = re.search(r"(\d+) checklists, (\d+) items loaded \((\d+) new, (\d+) retired\)", result.output)
    assert result.exit_code == 0 and first and int(first.group(3)) == int(first.group(2)) > 60
    again = runner.invoke(args=["checklists", "load"])
    # Loading again changes nothing: the same items, none new, none retired.
    assert again.exit_code == 0
    assert f"{first.group(1)} checklists, {first.group(2)} items loaded (0 new, 0 retired)" in again.output
    with Session(app.extensions["engine"]) as s:
        assert s.scalar(select(func.count()).select_from(ChecklistItem)) == int(first.group(2))
    with Session(app.extensions["engine"]) as s:
        county = make_user(s, role="county_officer", region_code="140105", name="赵科长")
        steel = enterprise(s, "太原晋钢钢铁有限公司")
        inspection = walks.start_or_join(s, user=county, enterprise_id=steel.id, now=T0)
        walks.record_finding(s, inspection, item_id=None, description="厂区消防通道堵塞", photo_ids=[],
                                   user=county, now=T0)
        s.commit()
        inspection_id = inspection.id
    out = tmp_path / "list.xlsx"
    result = runner.invoke(args=["inspections", "export", str(inspection_id), str(out)])
    assert result.exit_code == 0 and "1 hazards" in result.output
    assert load_workbook(out).active.cell(row=4, column=2).value == "厂区消防通道堵塞"
    result = runner.invoke(args=["inspections", "export", "999999", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "没有编号为 999999 的检查" in result.output
