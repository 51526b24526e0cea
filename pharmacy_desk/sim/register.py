"""The simulated register wired to the ATOL adapter: over loopback HTTP (:func:`serve_register`) or inside
the process (:func:`in_process_register`, an ASGI transport: the simulator's staff, no socket needed).

Both use the real :class:`~pharmacy_desk.fiscal.atol.AtolWebServer` and the real permit-mode client
against :class:`~pharmacy_desk.sim.atol_server.AtolSimulator`, which validates every task.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from pharmacy_desk.fiscal.atol import AtolWebServer
from pharmacy_desk.fiscal.permit import PermitClient, PermitSource
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.serving import serve

_IN_PROCESS_URL = "http://atol.simulated"


def in_process_register(sim: AtolSimulator | None = None) -> tuple[AtolWebServer, AtolSimulator]:
    sim = sim or AtolSimulator()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), timeout=10.0)
    permit = PermitClient(PermitSource.LOCAL_MODULE, _IN_PROCESS_URL, client=client)
    register = AtolWebServer(_IN_PROCESS_URL, permit=permit, client=client, poll_interval=0.01)
    register.owned_client = client
    return register, sim


@contextlib.asynccontextmanager
async def serve_register(sim: AtolSimulator | None = None) -> AsyncIterator[tuple[str, AtolSimulator]]:
    """The simulator on 127.0.0.1 (a free port) while the block runs: its URL (ATOL Web Server and ЛМ ЧЗ)."""
    sim = sim or AtolSimulator()
    async with serve(sim.app) as url:
        yield url, sim
