"""Fixtures for the desk tests: a real relay on loopback, desk services on temporary dirs, an in-memory keyring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings
from tests.desk.desk_support import STORE, DeskFactory, RelayServer


@pytest.fixture
async def relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    server = RelayServer(f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


FAST_BACKOFF = Backoff(initial=0.05, factor=2.0, cap=0.3, jitter=0.5)


@pytest.fixture
async def desk_factory(relay: RelayServer, tmp_path: Path) -> AsyncIterator[DeskFactory]:
    """``await desk_factory(name="Касса 1", **service_kwargs)``: a started DeskService with its own device."""
    services: list[DeskService] = []

    async def make(name: str = "Касса 1", *, start: bool = True, **kwargs: Any) -> DeskService:
        token = await relay.device(name)
        settings = DeskSettings(
            relay_url=relay.base_url,
            store=STORE,
            device_name=name,
            data_dir=tmp_path / f"desk-{len(services)}",
            request_timeout_seconds=3,
            stream_idle_timeout_seconds=3,
        )
        kwargs.setdefault("backoff", FAST_BACKOFF)
        kwargs.setdefault("replay_interval", 0.5)
        service = DeskService(settings, token, **kwargs)
        services.append(service)
        if start:
            await service.start()
        return service

    yield make
    for service in reversed(services):
        await service.stop()
