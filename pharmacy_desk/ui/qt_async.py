"""qasync, typed: the event loop on Qt's and the ``async_slot`` decorator (qasync ships no type hints).

``async_slot`` is ``qasync.asyncSlot``: the slot's coroutine runs as a task whose exception reaches
``sys.excepthook``; the task is returned (tests may await it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, cast

import qasync  # type: ignore[import-untyped]
from PySide6.QtCore import QCoreApplication

P = ParamSpec("P")

SlotFunction = Callable[P, Coroutine[Any, Any, None]]


def async_slot(*types: type) -> Callable[[SlotFunction[P]], Callable[P, asyncio.Task[None]]]:
    return cast(Callable[[SlotFunction[P]], Callable[P, asyncio.Task[None]]], qasync.asyncSlot(*types))


def event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """A qasync loop running on ``app``'s Qt event loop (``with loop: loop.run_until_complete(...)``)."""
    return cast(asyncio.AbstractEventLoop, qasync.QEventLoop(app))
