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


class OwnedTasks:
    """The coroutines one widget started: cancelled when it closes, so none draws on it afterwards.

    A register step or a relay call can outlive the window (the app quits, a test tears the window down
    mid-step); its continuation would then touch widgets Qt has already deleted. ``close()`` cancels what
    is still running and marks the owner closed: code resumed after that checks ``closed`` and draws nothing.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = spawn(coro)
        self._own(task)
        return task

    def adopt(self) -> None:
        """The running task (an ``async_slot``'s) belongs to the owner too."""
        task = asyncio.current_task()
        if task is not None:
            self._own(task)

    def _own(self, task: asyncio.Task[Any]) -> None:
        if self.closed:
            task.cancel()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def running(self) -> int:
        return sum(not task.done() for task in self._tasks)

    def close(self) -> None:
        self.closed = True
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
