"""Fixtures for the Kuper package tests: a stub Kuper over real HTTP and clients talking to it.

The stub is a Starlette app served by uvicorn on 127.0.0.1 with a random free port, as an asyncio task
in the test's own event loop; each test scripts its answers (see ``kuper_support.StubKuper``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from kuper_support import CLIENT_ID, CLIENT_SECRET, ClientFactory, StubKuper

from pharmacy_desk.kuper import KuperClient


class _TestServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave pytest's signal handlers alone
        yield


@pytest.fixture
async def stub_kuper() -> AsyncIterator[StubKuper]:
    """A running stub Kuper on 127.0.0.1:<random port>."""
    stub = StubKuper()
    config = uvicorn.Config(
        stub.app(),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        http="h11",
        ws="none",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = _TestServer(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(5):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    stub.base_url = f"http://127.0.0.1:{port}"
    try:
        yield stub
    finally:
        stub.release.set()
        server.should_exit = True
        await asyncio.wait_for(task, timeout=5)


@pytest.fixture
async def make_client(stub_kuper: StubKuper) -> AsyncIterator[ClientFactory]:
    """``await make_client(**kwargs)``: a KuperClient on the stub, closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def factory(**kwargs: Any) -> KuperClient:
            base_url = kwargs.pop("base_url", stub_kuper.base_url)
            client = KuperClient(base_url, CLIENT_ID, CLIENT_SECRET, **kwargs)
            await stack.enter_async_context(client)
            return client

        yield factory


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
