"""A plain-Python callback list: the services announce things, the UI (or a test) listens.

``Hook[T]`` is the asyncio side's stand-in for a Qt ``Signal``: :mod:`.qt_bridge` connects each hook of
:class:`~pharmacy_desk.desk.service.DeskService` to a real signal. A listener that raises is logged and
the others still run: one broken widget must not stop the order stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger("pharmacy_desk.desk")


class Hook(Generic[T]):
    """Listeners called in connection order with one payload of type ``T``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[T], object]] = []

    def connect(self, listener: Callable[[T], object]) -> Callable[[], None]:
        """Add ``listener``; returns a function that disconnects it."""
        self._listeners.append(listener)
        return lambda: self.disconnect(listener)

    def disconnect(self, listener: Callable[[T], object]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, payload: T) -> None:
        for listener in list(self._listeners):
            try:
                listener(payload)
            except Exception:
                log.exception("listener of %s failed", self.name)

    def __len__(self) -> int:
        return len(self._listeners)
