"""The two installations the extras promise, each in a fresh virtual environment from this source tree.

- ``pip install ".[relay]"`` (the server): ``pharmacy-desk-relay serve`` answers ``/health``, and Qt is
  not installed at all (``import PySide6`` fails there), so nothing of the relay can need it;
- ``pip install ".[desk]"`` (a counter PC): ``pharmacy-desk --self-test`` passes, FastAPI, SQLAlchemy,
  asyncpg and Alembic are not installed, and ``--demo`` says it needs the full install.

Slow (two fresh installs from the package index, about a minute each on the 2-CPU machine).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 900


def _venv(where: Path, extra: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    pip = subprocess.run(
        [
            str(where / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"{ROOT}[{extra}]",
        ],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    return where / "bin"


def _missing(bin_dir: Path, *modules: str) -> list[str]:
    """Which of ``modules`` cannot be imported in that environment."""
    code = "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    done = subprocess.run([str(bin_dir / "python"), "-c", code, *modules], capture_output=True, text=True, check=True)
    return done.stdout.split()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout differs on Windows")
def test_the_relay_installs_and_serves_without_qt(tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path / "venv", "relay")
    assert _missing(bin_dir, "PySide6", "qasync", "shiboken6") == ["PySide6", "qasync", "shiboken6"]
    port = _free_port()
    config = tmp_path / "relay.toml"
    config.write_text(
        f'database_url = "sqlite+aiosqlite:///{tmp_path / "relay.sqlite3"}"\nport = {port}\nhost = "127.0.0.1"\n'
        '[webhook_auth]\nclient_token = "t"\n'
        '[[stores]]\nkey = "apteka-12"\nname = "Аптека №12"\nnumber_prefix = "A12-"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHARMACY_DESK_RELAY__")}
    server = subprocess.Popen(
        [str(bin_dir / "pharmacy-desk-relay"), "--config", str(config), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, f"the relay did not answer: {server.poll()}"
        assert answer.status_code == 200 and answer.json()["status"] == "ok"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "PySide6" not in output


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout differs on Windows")
def test_the_counter_app_installs_and_passes_its_self_test_without_the_server(tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path / "venv", "desk")
    server_libraries = ["fastapi", "sqlalchemy", "asyncpg", "alembic", "uvicorn"]
    assert _missing(bin_dir, *server_libraries) == server_libraries
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [str(bin_dir / "pharmacy-desk"), "--self-test"], capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("self-test passed")
    demo = subprocess.run(
        [str(bin_dir / "pharmacy-desk"), "--demo"], capture_output=True, text=True, env=env, timeout=60
    )
    assert demo.returncode == 2
    assert "pharmacy-desk[demo]" in demo.stderr
