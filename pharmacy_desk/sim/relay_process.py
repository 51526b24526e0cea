"""A relay started as a real process, through its public command line only.

:class:`RelayProcess` writes a TOML configuration (Kuper's base URL pointing at the fake Kuper, a
webhook token, one store), starts ``python -m pharmacy_desk.relay.cli --config … serve``, waits until
it answers HTTP, creates a counter PC with ``device add`` and can kill it (``SIGKILL``) and start it
again on the same database. Its output goes to ``relay.log`` in the work directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from pharmacy_desk.sim.webhook_sender import WebhookAuth

_READY_DEADLINE = 30.0
_STOP_GRACE = 5.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the relay binds it itself a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@dataclass
class RelaySettings:
    """What the relay is configured with."""

    kuper_url: str
    database_url: str
    store: str = "apteka-sim"
    store_name: str = "Аптека №1 (симулятор)"
    number_prefix: str = "S"
    client_id: str = "sim-client"
    client_secret: str = "sim-secret"
    webhook_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    basic_user: str = "kuper"
    basic_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    embedded_stock: bool = False  # the store keeps its stock in the relay (load it with import_stock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def webhook_auth(self) -> WebhookAuth:
        return WebhookAuth(client_token=self.webhook_token)

    def toml(self) -> str:
        lines = [
            f"host = {_toml_string(self.host)}",
            f"port = {self.port}",
            f"database_url = {_toml_string(self.database_url)}",
            "",
            "[webhook_auth]",
            f"client_token = {_toml_string(self.webhook_token)}",
            f"basic_user = {_toml_string(self.basic_user)}",
            f"basic_password = {_toml_string(self.basic_password)}",
            "",
            "[kuper]",
            f"base_url = {_toml_string(self.kuper_url)}",
            f"client_id = {_toml_string(self.client_id)}",
            f"client_secret = {_toml_string(self.client_secret)}",
            "timeout_seconds = 5",
            "",
            "[[stores]]",
            f"key = {_toml_string(self.store)}",
            f"name = {_toml_string(self.store_name)}",
            f"number_prefix = {_toml_string(self.number_prefix)}",
            *(['stock = "embedded"'] if self.embedded_stock else []),
        ]
        return "\n".join(lines) + "\n"


class RelayFailed(RuntimeError):
    """The relay process did not start or a command of its CLI failed; the message has its output."""


class RelayProcess:
    """One relay process (restartable) on one database."""

    def __init__(self, settings: RelaySettings, workdir: Path, *, python: str = sys.executable) -> None:
        self.settings = settings
        self.workdir = workdir
        self.python = python
        self.config_path = workdir / "relay.toml"
        self.log_path = workdir / "relay.log"
        self.config_path.write_text(settings.toml(), encoding="utf-8")
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return self.settings.url

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _command(self, *args: str) -> list[str]:
        return [self.python, "-m", "pharmacy_desk.relay.cli", "--config", str(self.config_path), *args]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PHARMACY_DESK_RELAY_CONFIG", None)
        for name in [key for key in env if key.startswith("PHARMACY_DESK_RELAY__")]:
            env.pop(name)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # --- life --------------------------------------------------------------------------------------

    def spawn(self) -> None:
        """Start the process (does not wait for it to answer)."""
        if self.running:
            raise RuntimeError("the relay is already running")
        self._close_log()
        self._log = self.log_path.open("ab")
        self._log.write(f"--- start {self.starts + 1} ---\n".encode())
        self._log.flush()
        self._process = subprocess.Popen(
            self._command("serve"),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env(),
            cwd=self.workdir,
        )
        self.starts += 1

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _check_alive(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise RelayFailed(f"the relay exited with {self._process.returncode}:\n{self.log_tail()}")

    def wait_ready(self, deadline: float = _READY_DEADLINE) -> None:
        """Block until the relay answers HTTP, or raise :class:`RelayFailed` (call it outside any event loop)."""
        asyncio.run(self.wait_ready_async(deadline))

    async def wait_ready_async(self, deadline: float = _READY_DEADLINE) -> None:
        """Wait until the relay answers HTTP (any status), without blocking the event loop."""
        until = time.monotonic() + deadline
        async with httpx.AsyncClient(timeout=1.0) as client:
            while True:
                self._check_alive()
                try:
                    await client.get(self.url + "/openapi.json")
                    return
                except httpx.TransportError:
                    pass
                if time.monotonic() >= until:
                    raise RelayFailed(f"the relay did not answer within {deadline:g} s:\n{self.log_tail()}")
                await asyncio.sleep(0.05)

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def kill(self) -> None:
        """``SIGKILL``: no shutdown, no flush; what was committed must survive."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=_STOP_GRACE)

    def stop(self) -> None:
        """``SIGTERM``, then ``SIGKILL`` if it does not exit in time; closes the log."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=_STOP_GRACE)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> RelayProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- command line ------------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 60.0) -> str:
        """Run ``pharmacy-desk-relay --config … <args>``; its standard output, or :class:`RelayFailed`."""
        done = subprocess.run(
            self._command(*args), capture_output=True, env=self._env(), cwd=self.workdir, timeout=timeout, check=False
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")
            raise RelayFailed(f"pharmacy-desk-relay {' '.join(args)} failed ({done.returncode}):\n{output}")
        return done.stdout.decode(errors="replace")

    def import_stock(self, path: Path) -> str:
        """Load a stock CSV into the store's embedded stock (``stock import``); the CLI's summary."""
        return self.cli("stock", "import", "--store", self.settings.store, str(path)).strip()

    def add_device(self, name: str = "Касса симулятора") -> str:
        """A new counter PC of the store; its token (the last line ``device add`` prints)."""
        output = self.cli("device", "add", "--store", self.settings.store, "--name", name)
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        if not lines:
            raise RelayFailed("device add printed no token")
        return lines[-1]

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return "(no log)"
