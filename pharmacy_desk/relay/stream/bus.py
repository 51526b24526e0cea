"""Wake-ups for the store streams of this process.

A writer calls :meth:`StoreBus.notify` after committing events for a store; each open stream of that
store wakes and reads the table. The table is the truth and streams also poll it (events written
by another relay process sharing a PostgreSQL database wake nobody here), so a lost wake-up only
delays an event by one poll interval.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StoreBus:
    def __init__(self) -> None:
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)

    def notify(self, store: str) -> None:
        for event in self._waiters.get(store, ()):
            event.set()

    @contextmanager
    def subscribe(self, store: str) -> Iterator[asyncio.Event]:
        """An event set on every :meth:`notify` of ``store``; clear it before reading the table."""
        event = asyncio.Event()
        self._waiters[store].add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(store)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[store]

    def subscribers(self, store: str) -> int:
        return len(self._waiters.get(store, ()))
