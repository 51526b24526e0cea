"""``GET /ready``: can this relay process do its work now? (``GET /health`` only says it answers.)

Three checks, each bounded by :data:`CHECK_SECONDS` (a hung database gives 503, not a hung probe):

- ``database``: a write is committed (the ``ready_probe`` row of ``relay_secrets`` gets the time):
  a full disk, a read-only file system, a database down or a lost connection fail it;
- ``migrations``: the schema is at the newest migration (a relay started with ``--no-migrate`` on an
  old database, or an older relay on a newer one);
- ``outbox``: the worker that sends notifications to Kuper is running; without Kuper credentials it
  is not started, and the relay is not ready either (notifications would stay pending).

200 ``{"status": "ready", "checks": {...}}`` when all pass, else 503 ``{"status": "not_ready", ...}``
with what failed, so nginx / monitoring can take a process out (docs/deploy-relay.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, insert

from pharmacy_desk.relay.state import RelayState, relay_state
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.schema import relay_secrets
from pharmacy_desk.relay.timeutil import utcnow

log = logging.getLogger("pharmacy_desk.relay.ready")
router = APIRouter(tags=["Service"])

CHECK_SECONDS = 5.0
OK = "ok"
_PROBE = "ready_probe"


class Readiness(BaseModel):
    status: str  # ready | not_ready
    checks: dict[str, str]  # check -> "ok" or what is wrong


async def _database(state: RelayState) -> str:
    async with state.engine.begin() as conn:
        await conn.execute(delete(relay_secrets).where(relay_secrets.c.name == _PROBE))
        await conn.execute(insert(relay_secrets).values(name=_PROBE, value=utcnow().isoformat()))
    return OK


async def _migrations(state: RelayState) -> str:
    if await migrate.is_up_to_date(state.engine):
        return OK
    return f"the schema is not at {migrate.head_revision()}: run `pharmacy-desk-relay-admin migrate`"


async def _outbox(state: RelayState) -> str:
    worker = state.outbox_worker
    if worker is None:
        return "not started (no Kuper credentials configured): notifications stay pending"
    return OK if worker.running else "stopped: notifications stay pending"


_LEFT_RUNNING: set[asyncio.Task[str]] = set()  # checks past their time: they end on their own


def _forget(task: asyncio.Task[str]) -> None:
    _LEFT_RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.info("a late readiness check ended with %r", task.exception())


async def _bounded(check: Callable[[RelayState], Awaitable[str]], state: RelayState) -> str:
    # Not cancelled at the deadline: a write stuck in SQLite's busy handler would hold the answer
    # until it gives up. The check is left to end by itself, and the probe answers now.
    task = asyncio.ensure_future(check(state))
    done, _ = await asyncio.wait({task}, timeout=CHECK_SECONDS)
    if not done:
        _LEFT_RUNNING.add(task)
        task.add_done_callback(_forget)
        return f"no answer within {CHECK_SECONDS:g} s"
    try:
        return task.result()
    except Exception as exc:
        log.warning("readiness check %s failed: %s", check.__name__, exc)
        return f"failed: {type(exc).__name__}: {str(exc)[:200]}"


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A check failed: take this process out of service"}},
)
async def ready(request: Request) -> JSONResponse:
    """Database writable, schema current, outbox worker running (no token needed)."""
    state = relay_state(request)
    checks = {
        "database": await _bounded(_database, state),
        "migrations": await _bounded(_migrations, state),
        "outbox": await _bounded(_outbox, state),
    }
    good = all(value == OK for value in checks.values())
    body = Readiness(status="ready" if good else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if good else 503)
