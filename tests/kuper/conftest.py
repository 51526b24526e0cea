"""Fixtures for the Kuper package tests: a stub Kuper over real HTTP and clients talking to it.

The stub is a Starlette app served on 127.0.0.1 with a random free port by the support layer's
``loopback`` server (an asyncio task in the test's own event loop); each test scripts its answers (see
``kuper_support.StubKuper``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from pharmacy_desk.kuper import KuperClient
from tests.kuper.kuper_support import CLIENT_ID, CLIENT_SECRET, ClientFactory, StubKuper
from tests.support import free_port
from tests.support.fixtures import Loopback


@pytest.fixture
async def stub_kuper(loopback: Loopback) -> AsyncIterator[StubKuper]:
    """A running stub Kuper on 127.0.0.1:<random port>."""
    stub = StubKuper()
    server = await loopback(stub.app(), lifespan="off", http="h11", log_level="warning", stop_seconds=5, quick=False)
    stub.base_url = server.url
    try:
        yield stub
    finally:
        stub.release.set()
        await server.stop()


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
    return free_port()
