"""The suite's one support layer, imported by every test folder as ``tests.support``.

- :func:`eventually`: wait until a check (plain or async) holds; fails with an ``AssertionError`` naming
  what it waited for. No fixed sleeps anywhere else.
- :class:`LoopbackServer`: an ASGI app served by uvicorn on 127.0.0.1 in the running event loop (a free
  port; stoppable mid-test and restartable on the same port); the ``loopback`` fixture starts one and
  stops it after the test. Servers in a thread of their own (for synchronous fixtures) come from the
  product's :mod:`pharmacy_desk.sim.serving` (``serve_in_thread``, ``ThreadedServer``).
- :func:`free_port`: a loopback port nothing listens on (connection-refused tests).
- :class:`MemoryKeyring`: a keyring backend in a dict (the ``memory_keyring`` fixture installs one).

The fixtures live in :mod:`tests.support.fixtures` (registered by ``tests/conftest.py``).
"""

from tests.support.memory_keyring import MemoryKeyring
from tests.support.server import LoopbackServer, free_port
from tests.support.waiting import eventually

__all__ = ["LoopbackServer", "MemoryKeyring", "eventually", "free_port"]
