"""The layering of docs/architecture.md, checked rather than hoped for.

import-linter's contracts (``[tool.importlinter]`` in pyproject.toml) hold on the tree and break
when a forbidden import is added to a copy of it; each domain package's face (its
``__init__.py``) names its modules and their public names as they are; modules stay small.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "bot" / "services"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {c["id"]: c["name"] for c in
             tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]}
MAX_LINES = 450


def lint_imports(tree: Path) -> dict[str, str]:
    """Each contract's verdict ("KEPT" or "BROKEN") on ``tree``, by contract id."""
    result = subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "300"},
        capture_output=True, text=True, timeout=300,
    )
    verdicts = {}
    for cid, name in CONTRACTS.items():
        found = re.search(re.escape(name) + r"\s+(KEPT|BROKEN)", result.stdout)
        assert found, f"no verdict for {name!r}:\n{result.stdout}\n{result.stderr}"
        verdicts[cid] = found.group(1)
    assert (result.returncode == 0) == all(v == "KEPT" for v in verdicts.values()), result.stdout
    return verdicts


def test_the_tree_keeps_every_layering_contract() -> None:
    verdicts = lint_imports(ROOT)
    assert verdicts == {cid: "KEPT" for cid in CONTRACTS}


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for part in ("bot", "scheduler"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("additions", "contract"), [
    pytest.param({"bot/services/platform/dml.py": "from bot.handlers import texts"},
                 "services-inward", id="a service imports the chat layer"),
    pytest.param({"bot/services/hazards/numbers.py": "import bot.api.errors"},
                 "services-inward", id="a service imports the API"),
    pytest.param({"bot/services/people/roles.py": "from bot.services.hazards import numbers"},
                 "domain-layers", id="a lower domain package imports a higher one"),
    pytest.param({"bot/models/base.py": "from bot.services.platform import clock"},
                 "models-inward", id="a model imports a service"),
    pytest.param({"bot/handlers/texts.py": "import sqlalchemy"},
                 "handlers-pure", id="a dialogue step imports the database"),
    pytest.param({"bot/services/registry/visits.py": "from bot.services.registry import qrcodes",
                  "bot/services/registry/qrcodes.py": "from bot.services.registry import visits"},
                 "no-cycles", id="two modules of a package need each other"),
])
def test_a_forbidden_import_breaks_its_contract(
    tree_copy: Path, additions: dict[str, str], contract: str
) -> None:
    """The copy keeps the contract until the lines are added; with them, it breaks (others may
    break too: an import into an outer layer also closes a cycle through it)."""
    assert lint_imports(tree_copy)[contract] == "KEPT"
    for module, line in additions.items():
        path = tree_copy / module
        path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    assert lint_imports(tree_copy)[contract] == "BROKEN"


def face_listing(package: Path) -> dict[str, set[str]]:
    """``- ``module``: name, name, …`` entries of the package's docstring (wrapped lines joined)."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    entries = re.findall(r"^- ``(\w+)``: (.*(?:\n  .*)*)", doc, re.M)
    listed = {}
    for module, names in entries:
        text = " ".join(names.split())
        listed[module] = set() if text.startswith("(") else {n.strip() for n in text.split(",")}
    return listed


def public_names(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")}


PACKAGES = sorted(p.name for p in DOMAIN.iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("package", PACKAGES)
def test_each_face_names_its_modules_and_their_public_names(package: str) -> None:
    directory = DOMAIN / package
    listed = face_listing(directory)
    modules = {f.stem for f in directory.glob("*.py") if f.name != "__init__.py"}
    assert set(listed) == modules, f"the face of bot.services.{package} must list exactly its modules"
    for module, names in listed.items():
        assert names == public_names(directory / f"{module}.py"), (
            f"the face of bot.services.{package} must name the public functions and classes of {module}")
    doc = ast.get_docstring(ast.parse((directory / "__init__.py").read_text())) or ""
    assert "Must not import" in doc or "nothing in ``bot.services`` imports it" in doc


def test_the_domain_is_a_handful_of_packages_and_every_module_is_small() -> None:
    entries = [p for p in DOMAIN.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 12, sorted(p.name for p in entries)
    too_long = {str(f.relative_to(ROOT)): n for part in ("bot", "scheduler")
                for f in (ROOT / part).rglob("*.py") if (n := len(f.read_text().splitlines())) > MAX_LINES}
    assert not too_long, f"split these modules by what they hold: {too_long}"
