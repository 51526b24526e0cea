"""The app's start and shutdown: ``run_desk`` stops the service when the window closes; the real
``pharmacy-desk`` process connects to a relay and shuts down cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.credentials import ENV_TOKEN_FILE
from pharmacy_desk.desk.settings import DeskSettings, SettingsFile, SoundSettings
from pharmacy_desk.desk.stream import ConnectionState
from pharmacy_desk.ui.app import Connection, run_desk
from pharmacy_desk.ui.main_window import MainWindow
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from tests.desk.desk_support import STORE
from tests.support import eventually
from tests.ui.ui_support import Live, RecordingPlayer


def _settings(env: Live, tmp_path: Path) -> DeskSettings:
    return DeskSettings(
        relay_url=env.relay.base_url,
        store=STORE,
        device_name="Касса 1",
        data_dir=tmp_path / "desk",
        sound=SoundSettings(enabled=False),
    )


async def test_closing_the_window_stops_the_service(
    live: Callable[[], Live], tmp_path: Path, qapp: QApplication, scanner: ScannerFilter
) -> None:
    async with live() as env:
        conn = Connection(_settings(env, tmp_path), await env.relay.device("Касса 1"))
        task = asyncio.ensure_future(run_desk(qapp, conn, scanner=scanner, player=RecordingPlayer()))
        windows: list[MainWindow] = []

        def shown() -> bool:
            windows[:] = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
            return bool(windows)

        await eventually(shown)
        window = windows[0]
        await eventually(lambda: window.status.state is ConnectionState.CONNECTED)
        window.close()
        assert await asyncio.wait_for(task, 10) == 0
        assert window.service.connection.state is ConnectionState.STOPPED
        assert window.service.queue is None  # the offline queue file is closed
        window.deleteLater()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_the_real_process_connects_and_stops_cleanly_on_sigterm(live: Callable[[], Live], tmp_path: Path) -> None:
    async with live() as env:
        token_file = tmp_path / "token"
        token_file.write_text(await env.relay.device("Касса 1"), encoding="utf-8")
        token_file.chmod(0o600)
        settings_path = tmp_path / "desk.json"
        SettingsFile(settings_path).save(_settings(env, tmp_path))
        number = await env.relay.create_order()
        child_env = {**os.environ, ENV_TOKEN_FILE: str(token_file), "QT_QPA_PLATFORM": "offscreen"}
        process = subprocess.Popen(
            [sys.executable, "-m", "pharmacy_desk.counter_cli", "--config", str(settings_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env,
        )
        lines: list[str] = []
        assert process.stderr is not None
        reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
        reader.start()
        try:
            await eventually(lambda: any("orders loaded (ready): 1 open" in line for line in lines), timeout=20)
            process.send_signal(signal.SIGTERM)
            await eventually(lambda: process.poll() is not None, timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            reader.join(5)
            process.stderr.close()
        log = "".join(lines)
        assert process.returncode == 0, log
        assert "asked to quit: shutting the desk service down" in log
        assert "Traceback" not in log
        assert number
