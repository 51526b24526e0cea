"""Serving an ASGI app on loopback: in the running event loop, or in a thread of its own.

The socket is bound here (port 0 picks a free one), so the caller knows the URL before the first
request and no port is ever guessed. Both forms shut uvicorn down and close the socket on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn

_START_DEADLINE = 10.0


def parse_listen(text: str) -> tuple[str, int]:
    """``"127.0.0.1:8099"`` → ``("127.0.0.1", 8099)``; a bare port means loopback."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"not a HOST:PORT address: {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket (``port`` 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _EmbeddedServer(uvicorn.Server):
    """A server that leaves SIGINT/SIGTERM to the program it is embedded in (the demo's own handlers)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _server(app: Any, *, capture_signals: bool = True, **options: Any) -> uvicorn.Server:
    config = uvicorn.Config(app, **{"log_level": "warning", "lifespan": "off", "access_log": False, **options})
    return uvicorn.Server(config) if capture_signals else _EmbeddedServer(config)


@contextlib.asynccontextmanager
async def serve(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, capture_signals: bool = True, **options: Any
) -> AsyncIterator[str]:
    """Serve ``app`` in this event loop while the block runs; yields its base URL.

    ``options`` go to :class:`uvicorn.Config` (``lifespan="on"``, ``log_config=None``, …);
    ``capture_signals=False`` leaves SIGINT/SIGTERM to the embedding program.
    """
    sock = bind(host, port)
    server = _server(app, capture_signals=capture_signals, **options)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"server-{url_of(sock)}")
    try:
        async with asyncio.timeout(_START_DEADLINE):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped it
                    raise RuntimeError("the server stopped while starting")
                await asyncio.sleep(0.01)
        yield url_of(sock)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


class ThreadedServer:
    """Serve ``app`` from a thread with its own event loop (for synchronous test fixtures)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self._sock = bind(host, port)
        self._server = _server(app, **options)
        self._thread = threading.Thread(target=self._run, name="sim-server", daemon=True)
        self._error: BaseException | None = None
        self.url = url_of(self._sock)

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported to the starting thread
            self._error = exc

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _START_DEADLINE
        while time.monotonic() < deadline and self._thread.is_alive():
            if self._server.started:
                return
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"server did not start: {self._error!r}")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=_START_DEADLINE)
        self._sock.close()

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[str]:
    """``with serve_in_thread(app) as url: ...``"""
    with ThreadedServer(app, host, port, **options) as server:
        yield server.url
