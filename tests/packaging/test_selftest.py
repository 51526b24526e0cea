"""``pharmacy-desk --self-test`` from source (fast), and how it reports a failure."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pharmacy_desk.selftest import SERVER_PACKAGES, CheckFailed, SelfTest, package_modules, run

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pharmacy_desk"


def test_self_test_from_source_passes() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "pharmacy_desk.counter_cli", "--self-test"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("pharmacy-desk self-test: pharmacy-desk ")
    assert "(source)" in lines[0]
    for check in ("imports", "resources", "translations", "label PDF", "main window", "sound"):
        assert any(line.startswith(f"  ok    {check}: ") for line in lines), f"{check}:\n{output}"
    sound = next(line for line in lines if line.startswith("  ok    sound: "))
    # the backend that loads, and why Qt Multimedia is not used when it is not
    assert sound.startswith(("  ok    sound: Qt Multimedia: ", "  ok    sound: command: ", "  ok    sound: beep: "))
    assert "Qt Multimedia" in sound and "player " in sound
    assert lines[-1] == "self-test passed"


def test_every_module_of_the_source_tree_is_found() -> None:
    """The imports check walks packages: a folder without ``__init__.py`` would hide its modules."""
    on_disk = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:  # Alembic scripts: data, run by Alembic, never imported
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith(SERVER_PACKAGES):
            on_disk.add(name)
    assert on_disk == set(package_modules())
    assert "pharmacy_desk.desk.service" in on_disk and "pharmacy_desk.ui.main_window" in on_disk


def _fake_checks(monkeypatch: pytest.MonkeyPatch, checks: list[tuple[str, Callable[[], str], bool]]) -> None:
    monkeypatch.setattr(SelfTest, "checks", lambda self: checks)


def _broken() -> str:
    raise ValueError("the bundle lost its fonts")


def _refused() -> str:
    raise CheckFailed("no usable keyring")


def test_a_failing_check_fails_the_run_and_says_what(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_checks(
        monkeypatch,
        [("first", lambda: "fine", False), ("fonts", _broken, False), ("keyring", _refused, True)],
    )
    out = io.StringIO()
    assert run(out=out) == 1
    text = out.getvalue()
    assert "  ok    first: fine" in text
    assert "  FAIL  fonts: ValueError: the bundle lost its fonts" in text
    assert "  info  keyring: no usable keyring" in text  # information, never a failure
    assert "Traceback" in text and "_broken" in text
    assert text.rstrip().endswith("self-test FAILED: fonts")


def test_information_alone_never_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_checks(monkeypatch, [("first", lambda: "fine", False), ("keyring", _refused, True)])
    out = io.StringIO()
    assert run(out=out) == 0
    assert out.getvalue().rstrip().endswith("self-test passed")


def test_the_sound_check_fails_when_qt_multimedia_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pharmacy_desk.ui.sounds as sounds

    def missing() -> object:
        raise ModuleNotFoundError("No module named 'PySide6.QtMultimedia'")

    real = sounds.choose_backend
    monkeypatch.setattr(sounds, "choose_backend", lambda settings: real(settings, load_qt=missing))  # type: ignore[arg-type]
    selftest = SelfTest(tmp_path)
    result = selftest.run_check("sound", selftest.check_sound)
    selftest.close()
    assert not result.ok and "Qt Multimedia is not installed (PySide6-Addons)" in result.detail
