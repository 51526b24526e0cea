"""The layering written in pyproject.toml ([tool.importlinter]) holds, and breaking it fails the check.

``lint-imports`` runs in .ci/run; these tests show it is not a formality: the real tree keeps every
contract, and the same tree with one upward import (the domain importing the relay) or a new cycle
fails it, naming the contract.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pharmacy_desk"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    script = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", script, "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The package's sources and the project's contracts, in a folder of their own."""
    shutil.copytree(PACKAGE, tmp_path / "pharmacy_desk", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract(tree_copy: Path) -> None:
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_fails_the_layers(tree_copy: Path) -> None:
    (tree_copy / "pharmacy_desk" / "domain" / "upward.py").write_text(
        "from pharmacy_desk.relay import config\n", encoding="utf-8"
    )
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "Layers: domain at the bottom" in result.stdout and "BROKEN" in result.stdout
    assert "pharmacy_desk.domain.upward -> pharmacy_desk.relay.config" in result.stdout


def test_the_desk_importing_the_relay_fails(tree_copy: Path) -> None:
    (tree_copy / "pharmacy_desk" / "desk" / "sideways.py").write_text(
        "from pharmacy_desk.relay.storage import db\n", encoding="utf-8"
    )
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "pharmacy_desk.desk.sideways -> pharmacy_desk.relay.storage.db" in result.stdout


def test_a_cycle_between_sub_packages_fails(tree_copy: Path) -> None:
    (tree_copy / "pharmacy_desk" / "relay" / "storage" / "loop.py").write_text(
        "from pharmacy_desk.relay.counter import actions\n", encoding="utf-8"
    )
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "No import cycles" in result.stdout and "BROKEN" in result.stdout


def test_the_relay_has_at_most_a_dozen_top_level_modules() -> None:
    modules = sorted(p.name for p in (PACKAGE / "relay").glob("*.py"))
    assert len(modules) <= 12, modules


def _docstring(init: Path) -> str:
    return ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""


def test_every_package_says_what_it_holds() -> None:
    short = {
        str(init.relative_to(ROOT)): _docstring(init)
        for init in PACKAGE.rglob("__init__.py")
        if "migrations" not in init.parts and len(_docstring(init)) < 40
    }
    assert short == {}, "packages whose __init__ does not say what they hold"


def test_every_document_the_code_cites_is_in_the_repository() -> None:
    import re

    cited: dict[str, set[str]] = {}
    for source in PACKAGE.rglob("*.py"):
        for doc in re.findall(r"\bdocs/[\w./-]+\.md", source.read_text(encoding="utf-8")):
            cited.setdefault(doc, set()).add(str(source.relative_to(ROOT)))
    assert "docs/kuper-protocol.md" in cited
    missing = {doc: sorted(where) for doc, where in cited.items() if not (ROOT / doc).is_file()}
    assert missing == {}
    absolute = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if "/work/" in p.read_text(encoding="utf-8")]
    assert absolute == [], "machine paths in the code"
