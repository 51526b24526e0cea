"""The support layer's fixtures (a pytest plugin: ``tests/conftest.py`` lists it in ``pytest_plugins``).

- ``loopback``: ``server = await loopback(app, **options)`` starts a :class:`~tests.support.LoopbackServer`
  in the test's event loop; every server still running is stopped after the test.
- ``memory_keyring``: a :class:`~tests.support.MemoryKeyring` installed as the keyring for one test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import keyring
import pytest

from tests.support.memory_keyring import MemoryKeyring
from tests.support.server import LoopbackServer

Loopback = Callable[..., Awaitable[LoopbackServer]]
"""``await loopback(app, **options)``: a started :class:`LoopbackServer` (see :class:`LoopbackServer`)."""


@pytest.fixture
async def loopback() -> AsyncIterator[Loopback]:
    servers: list[LoopbackServer] = []

    async def start(app: Any, **options: Any) -> LoopbackServer:
        server = LoopbackServer(app, **options)
        servers.append(server)
        await server.start()
        return server

    yield start
    for server in reversed(servers):
        await server.stop()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
