"""The store-PC bundle: ``pyinstaller.spec`` builds ``pharmacy-desk/`` here, and its ``--self-test`` passes.

Needs PyInstaller (``pip install -e ".[bundle]"``); without it the tests skip, unless
``PHARMACY_DESK_REQUIRE_BUNDLE=1`` (CI) makes that a failure. The build goes to a temporary folder and is
removed afterwards (about 260 MB, ~25 MB of it Qt Multimedia and its FFmpeg). Measured on the 2-CPU
machine: build ~30-60 s, self-test ~3 s.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pharmacy_desk.selftest import SERVER_PACKAGES, package_modules

pytestmark = [pytest.mark.bundle, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "pyinstaller.spec"
REQUIRE = os.environ.get("PHARMACY_DESK_REQUIRE_BUNDLE") == "1"
BUILD_TIMEOUT = 900
WINDOWS = sys.platform == "win32"


@dataclass(frozen=True)
class Bundle:
    folder: Path
    seconds: float
    modules: frozenset[str]  # pharmacy_desk's modules in the source tree the bundle was built from

    @property
    def program(self) -> Path:
        return self.folder / ("pharmacy-desk-console.exe" if WINDOWS else "pharmacy-desk")

    @property
    def data(self) -> Path:
        return self.folder / "_internal"

    def size_mb(self) -> float:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
        return subprocess.run(
            [str(self.program), *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=timeout
        )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bundle]:
    if importlib.util.find_spec("PyInstaller") is None:
        reason = 'pyinstaller is not installed (pip install -e ".[bundle]")'
        if REQUIRE:
            pytest.fail(f"{reason}; PHARMACY_DESK_REQUIRE_BUNDLE=1 requires the bundle test")
        pytest.skip(f"{reason}; set PHARMACY_DESK_REQUIRE_BUNDLE=1 to make this a failure")
    work = tmp_path_factory.mktemp("bundle")
    modules = frozenset(package_modules())
    started = time.perf_counter()
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert build.returncode == 0, (
        f"PyInstaller failed ({build.returncode}):\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    )
    try:
        yield Bundle(work / "dist" / "pharmacy-desk", seconds, modules)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_bundle_passes_its_self_test(bundle: Bundle) -> None:
    done = bundle.run("--self-test")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "(bundle)" in output.splitlines()[0]
    for check in ("imports", "resources", "translations", "label PDF", "main window"):
        assert re.search(rf"^  ok +{re.escape(check)}: ", output, re.MULTILINE), f"{check} not ok:\n{output}"
    assert output.rstrip().endswith("self-test passed")
    print(f"\nbundle: built in {bundle.seconds:.0f} s, {bundle.size_mb():.0f} MB\n{output}")


def test_the_bundle_has_every_module_of_the_source_tree(bundle: Bundle) -> None:
    done = bundle.run("-m", "pharmacy_desk.selftest", "--modules")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(bundle.modules - set(done.stdout.split())) == []


def test_the_bundle_runs_modules_like_python_m(bundle: Bundle) -> None:
    """``pharmacy-desk -m <module>`` runs a module of the bundle as ``python -m`` does."""
    done = bundle.run("-m", "pharmacy_desk.selftest", "--modules")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pharmacy_desk.desk.service" in done.stdout.split()


def test_the_bundle_holds_no_relay_server_code(bundle: Bundle) -> None:
    """The counter PC gets the counter app only: no relay, demo or simulator, none of the server's libraries."""
    done = bundle.run("-m", "pharmacy_desk.selftest", "--modules")
    shipped = done.stdout.split()
    assert shipped and not [name for name in shipped if name.startswith(SERVER_PACKAGES)]
    relay = bundle.run("-m", "pharmacy_desk.relay.cli", "--help")
    assert relay.returncode != 0 and "No module named" in relay.stdout + relay.stderr
    for library in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "asyncpg", "sse_starlette"):
        probe = bundle.run("-m", library)  # runpy: "No module named X" (absent), not "X.__main__" (present)
        assert re.search(rf"No module named '?{library}'?$", probe.stdout + probe.stderr, re.M), (
            f"{library} is in the bundle"
        )
    assert not (bundle.data / "pharmacy_desk" / "relay").exists()
    demo = bundle.run("--demo")
    assert demo.returncode == 2 and "pharmacy-desk[demo]" in demo.stderr


def test_the_bundle_carries_resources_and_no_test_tools(bundle: Bundle) -> None:
    shipped = {p.relative_to(bundle.data / "resources").as_posix() for p in (bundle.data / "resources").rglob("*")}
    source = {
        p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.suffix != ".py" and p.name != ".gitkeep" and "__pycache__" not in p.parts
    }
    assert source <= shipped
    assert not any(p.suffix == ".py" for p in (bundle.data / "resources").rglob("*"))
    for tool in ("pytest", "_pytest", "hypothesis", "PIL", "pypdfium2", "zxingcpp"):
        assert not (bundle.data / tool).exists(), f"{tool} should not be in the bundle"
