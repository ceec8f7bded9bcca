"""Commands a newcomer can use (issue 18, item 4): after the flask commands of ``make run``
every console page the README names answers 200 (月度进展 was a 404: no campaign was seeded);
``flask qr poster --enterprise`` takes what the enterprises page shows (id, 统一社会信用代码)
or the name."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Enterprise, User
from tests.console.conftest import Console

ROOT = Path(__file__).resolve().parents[2]
STEEL = "太原晋钢钢铁有限公司"


def _make_run_commands() -> list[list[str]]:
    """The ``$(FLASK) …`` lines of the Makefile's run target before the server starts."""
    target = re.search(r"^run: setup\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert target
    lines = [line.strip() for line in target.group(1).splitlines()]
    return [line.split()[1:] for line in lines
            if line.startswith("$(FLASK) ") and "run" not in line.split()[1:3]]


def test_after_make_runs_commands_every_readme_page_opens(console_app: Flask, console: Console,
                                                          db: sessionmaker[Session]) -> None:
    commands = _make_run_commands()
    assert ["campaigns", "seed"] in commands
    assert commands.index(["campaigns", "seed"]) < commands.index(["demo", "console"])
    runner = console_app.test_cli_runner()
    for args in commands:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    readme = (ROOT / "README.md").read_text()
    pages = sorted(set(re.findall(r"`(/console/[a-z/]*)`", readme)))
    assert {"/console/", "/console/hazards", "/console/reports", "/console/reports/monthly"} <= set(pages)
    with db() as s:
        officer = s.scalars(select(User).where(User.name == "演示科长（小店区）")).one()
    console.sign_in(officer.openid)
    for path in pages:
        assert console.get(path).status_code == 200, path


def test_qr_poster_takes_the_id_the_credit_code_or_the_name(
        console_app: Flask, console: Console, db: sessionmaker[Session], tmp_path: Path) -> None:
    with db() as s:
        steel = s.scalars(select(Enterprise).where(Enterprise.name == STEEL)).one()
        ident, code = steel.id, steel.credit_code
    assert code
    runner = console_app.test_cli_runner()
    for ref in (str(ident), code, code.lower(), STEEL, "晋钢钢铁"):
        out = tmp_path / f"poster-{abs(hash(ref))}.png"
        result = runner.invoke(args=["qr", "poster", "--enterprise", ref, str(out)])
        assert result.exit_code == 0, (ref, result.output)
        assert STEEL in result.output and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    nowhere = str(tmp_path / "x.png")
    missing = runner.invoke(args=["qr", "poster", "--enterprise", "不存在的某某公司", nowhere])
    assert missing.exit_code == 1
    assert "没有编号、统一社会信用代码或名称为“不存在的某某公司”的企业" in missing.output
    several = runner.invoke(args=["qr", "poster", "--enterprise", "钢铁", str(tmp_path / "y.png")])
    assert several.exit_code == 1 and "有多家企业与“钢铁”相符" in several.output
    assert STEEL in several.output and code in several.output  # each candidate with id and code


def test_the_enterprises_page_shows_what_the_cli_takes(console: Console, demo: dict[str, User],
                                                       db: sessionmaker[Session]) -> None:
    with db() as s:
        steel = s.scalars(select(Enterprise).where(Enterprise.name == STEEL)).one()
    console.sign_in(demo["county-xiaodian"].openid)
    page = console.get(f"/console/enterprises?q={STEEL}").get_data(as_text=True)
    assert str(steel.credit_code) in page
    assert re.search(rf">\s*{steel.id}\s*<", page), "the id the CLI's --enterprise takes"
