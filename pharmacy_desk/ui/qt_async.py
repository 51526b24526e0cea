"""qasync, typed and completed: the event loop on Qt's and the ``async_slot`` decorator.

- ``async_slot`` is ``qasync.asyncSlot`` (qasync ships no type hints): the slot's coroutine runs as a
  task whose exception reaches ``sys.excepthook``; the task is returned (tests may await it).
- :func:`event_loop` is a ``qasync.QEventLoop`` that also installs asyncio's async-generator hooks while
  it runs, as ``BaseEventLoop.run_forever`` does and qasync's own ``run_forever`` does not. Without
  them an abandoned async generator (an SSE iterator whose task was cancelled) is closed synchronously
  when it is collected, and httpx's stream under it fails with "async generator ignored GeneratorExit";
  with them it is closed by a task on the loop, and ``shutdown_asyncgens()`` finds the rest.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, cast

import qasync  # type: ignore[import-untyped]
from PySide6.QtCore import QCoreApplication

P = ParamSpec("P")

SlotFunction = Callable[P, Coroutine[Any, Any, None]]


def async_slot(*types: type) -> Callable[[SlotFunction[P]], Callable[P, asyncio.Task[None]]]:
    return cast(Callable[[SlotFunction[P]], Callable[P, asyncio.Task[None]]], qasync.asyncSlot(*types))


class _QtLoop(qasync.QEventLoop):  # type: ignore[misc]
    _saved_asyncgen_hooks: Any = None

    def _before_run_forever(self) -> None:
        super()._before_run_forever()
        self._saved_asyncgen_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=self._asyncgen_firstiter_hook, finalizer=self._asyncgen_finalizer_hook)

    def _after_run_forever(self) -> None:
        if self._saved_asyncgen_hooks is not None:
            sys.set_asyncgen_hooks(*self._saved_asyncgen_hooks)
            self._saved_asyncgen_hooks = None
        super()._after_run_forever()


def event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """A qasync loop running on ``app``'s Qt event loop (``loop.run_until_complete(...)``, then ``close()``)."""
    return cast(asyncio.AbstractEventLoop, _QtLoop(app))
