"""Fire-and-forget coroutines from Qt code: a reference is kept, and a failure reaches ``sys.excepthook``.

(``qasync.asyncSlot`` does the same for slots; this is for coroutines started from plain methods.)
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    task = asyncio.ensure_future(coro)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        sys.excepthook(type(error), error, error.__traceback__)


async def cancel_pending() -> None:
    """Cancel what is still running (shutting down) and wait for it to end."""
    pending = [task for task in _running if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
