"""A request pacer for Kuper's API: at most ``rate`` requests per second, a pause after a 429.

One :class:`RequestPacer` is shared by everything in a process that calls Kuper's content API (the
stock and price feed, the store status), so the whole relay stays under Kuper's limit. Requests are
spaced ``1 / rate`` seconds apart (no burst): in any window of one second at most ``rate`` start.
:meth:`RequestPacer.pause` (a ``Retry-After``) holds every caller until the pause is over.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RequestPacer:
    """Spaces requests ``1 / rate`` s apart; ``pause(seconds)`` holds everyone that long."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next = 0.0
        self._paused_until = 0.0
        self.waited = 0.0  # seconds callers spent waiting (for the benchmark and the status)

    @property
    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when none)."""
        return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` from now (a longer pause already set is kept)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    async def acquire(self) -> None:
        """Wait for this caller's slot."""
        async with self._lock:
            while True:
                now = self._clock()
                ready = max(self._next, self._paused_until)
                if ready <= now:
                    break
                self.waited += ready - now
                await self._sleep(ready - now)
            self._next = self._clock() + self._interval
