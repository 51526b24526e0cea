"""``pharmacy-desk``'s options; the Russian catalogue is complete, current and compiled."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from pharmacy_desk.counter_cli import main
from pharmacy_desk.ui.paths import translations_dir

ROOT = Path(__file__).resolve().parents[2]
TS = translations_dir() / "pharmacy_desk_ru.ts"
QM = translations_dir() / "pharmacy_desk_ru.qm"
BIN = Path(sys.executable).parent


def test_demo_options_need_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--demo-exit-after", "3"])
    assert exit_info.value.code == 2
    assert "--demo-exit-after and --demo-seed go with --demo" in capsys.readouterr().err


def _messages(path: Path) -> dict[tuple[str, str], str | None]:
    root = ET.parse(path).getroot()
    found: dict[tuple[str, str], str | None] = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            unfinished = translation.get("type") in ("unfinished", "obsolete", "vanished")
            found[(name, message.findtext("source") or "")] = None if unfinished else translation.text
    return found


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def test_every_string_of_the_code_is_translated(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    shutil.copy(TS, fresh)
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pharmacy_desk" / "ui").glob("*.py"))
    subprocess.run(
        [_tool("pyside6-lupdate"), "-locations", "none", *sources, "-ts", str(fresh)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    shipped, current = _messages(TS), _messages(fresh)
    assert set(current) == set(shipped), "run pyside6-lupdate (see pharmacy_desk/ui/i18n.py)"
    untranslated = [key for key, text in shipped.items() if not text]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_ts(tmp_path: Path, qapp: QCoreApplication) -> None:
    compiled = tmp_path / "ru.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(compiled)], check=True, capture_output=True)
    assert compiled.read_bytes() == QM.read_bytes(), "run pyside6-lrelease (see pharmacy_desk/ui/i18n.py)"
    translator = QTranslator()
    assert translator.load(str(QM))
    assert translator.translate("ReturnToShelfDialog", "Order %1 is canceled. Put back on the shelf:") == (
        "Заказ %1 отменён. Верните на полку:"
    )


def _shown_literals(path: Path) -> list[str]:
    """The string literals of a module that can reach the screen (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_register_is_called_kassa_in_every_menu_and_message() -> None:
    """One word for the cash register on screen: «Касса» («ККТ» only where the law is quoted, not here)."""
    package = ROOT / "pharmacy_desk"
    modules = [
        *sorted((package / "ui").glob("*.py")),
        package / "desk" / "fiscal_handover.py",
        package / "desk" / "register_monitor.py",
        package / "fiscal" / "models.py",
        package / "fiscal" / "atol.py",
    ]
    shown = [(path.name, text) for path in modules for text in _shown_literals(path)]
    shown += [("pharmacy_desk_ru.ts", text) for text in _messages(TS).values() if text]
    assert [(name, text) for name, text in shown if "ККТ" in text.replace("&", "")] == []
    assert any("Касса → Открыть смену" in text for _, text in shown)  # the menu the messages name
