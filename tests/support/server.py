"""One loopback uvicorn server for the tests: an ASGI app on 127.0.0.1 in the running event loop.

:class:`LoopbackServer` binds its socket with :func:`pharmacy_desk.sim.serving.bind` (port 0: a free
one), so the URL is known before the first request and no port is ever guessed. It can be stopped in the
middle of a test and started again on the same port (a relay that goes away and comes back).

Unlike :func:`pharmacy_desk.sim.serving.serve` (the product's helper, fine for one server per test), it
leaves pytest's signal handlers alone and, by default (``quick=True``), drops uvicorn's fixed 0.1 s
main-loop tick and shutdown pauses: hundreds of relay tests start and stop one. ``quick=False`` keeps
uvicorn's own loop and shutdown, as the desk/UI relay and the Kuper client's stub were served before
they moved here (their timing is kept as it was).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from pharmacy_desk.sim.serving import bind, url_of

_START_SECONDS = 10.0

DEFAULT_OPTIONS: dict[str, Any] = {
    "lifespan": "on",
    "ws": "none",
    "log_config": None,
    "access_log": False,
    "timeout_graceful_shutdown": 2,
}
"""What every test server gets unless the caller says otherwise (:class:`uvicorn.Config` options)."""


class _TestServer(uvicorn.Server):
    """uvicorn that leaves the signals alone; ``quick``: it waits for its stop instead of ticking, and
    stops without fixed pauses."""

    def __init__(self, config: uvicorn.Config, *, quick: bool) -> None:
        super().__init__(config)
        self.quick = quick
        self.stop_now = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave pytest's signal handlers alone
        yield

    async def main_loop(self) -> None:
        if not self.quick:
            return await super().main_loop()
        await self.on_tick(0)  # sets the default headers
        await self.stop_now.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.quick:
            return await super().shutdown(sockets)
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                while self.server_state.connections or self.server_state.tasks:
                    await asyncio.sleep(0.005)
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


class LoopbackServer:
    """``app`` served by uvicorn on ``host`` (127.0.0.1) in this event loop.

    ``await start()`` / ``await stop()``, or ``async with LoopbackServer(app) as server``. After a stop it
    may be started again: on the same port (the same :attr:`url`), with :attr:`app` replaced if the test
    wants a fresh one. ``options`` go to :class:`uvicorn.Config` on top of :data:`DEFAULT_OPTIONS`;
    ``stop_seconds`` bounds a stop, so a stuck shutdown fails the test instead of hanging the run;
    ``quick=False``: uvicorn's own 0.1 s tick and shutdown (see the module's docstring).
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        stop_seconds: float = 15.0,
        quick: bool = True,
        **options: Any,
    ) -> None:
        self.app = app
        self.quick = quick
        self.host = host
        self.port = port
        self.stop_seconds = stop_seconds
        self.options = {**DEFAULT_OPTIONS, **options}
        self._server: _TestServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (known once started; kept across a stop)."""
        if not self.port:
            raise RuntimeError("the server has not been started: no port yet")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._task is not None

    async def start(self) -> str:
        """Serve until :meth:`stop`; returns the URL once uvicorn accepts connections."""
        if self._task is not None:
            raise RuntimeError(f"already serving on {self.url}")
        sock = bind(self.host, self.port)
        self.port = int(sock.getsockname()[1])
        server = _TestServer(uvicorn.Config(self.app, **self.options), quick=self.quick)
        task = asyncio.create_task(server.serve(sockets=[sock]), name=f"test-server-{url_of(sock)}")
        try:
            async with asyncio.timeout(_START_SECONDS):
                while not server.started:
                    if task.done():
                        task.result()  # raises what stopped it
                        raise RuntimeError(f"the server on {url_of(sock)} stopped while starting")
                    await asyncio.sleep(0.005)
        except BaseException:
            server.should_exit = True
            server.stop_now.set()
            with contextlib.suppress(BaseException):
                await task
            sock.close()
            raise
        self._server, self._task = server, task
        return self.url

    async def stop(self) -> None:
        """Stop serving (open connections get ``timeout_graceful_shutdown`` seconds); a no-op when stopped."""
        server, task = self._server, self._task
        self._server = self._task = None
        if server is None or task is None:
            return
        server.should_exit = True
        server.stop_now.set()
        async with asyncio.timeout(self.stop_seconds):
            await task

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
