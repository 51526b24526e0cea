"""Where stock effects go: reserve / adjust / release / commit, decided by the domain.

The relay calls a :class:`StockHook` after the order change is committed. :class:`StockRunner` waits
up to a budget (config ``stock_budget_seconds``, default 2 s) so a fast stock source has reserved
before Kuper gets its answer; a slow one finishes in the background and the answer does not wait.
Effects of one order are applied in order, also across runs: a run waits for the order's previous
run still in the background (a cancellation never overtakes a slow reservation). The real hook is
built by :mod:`.stock_wiring` from the configuration; :class:`NoStockSource` does nothing (and says
so once in the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from pharmacy_desk.domain import Order, StockEffect

log = logging.getLogger("pharmacy_desk.relay.stock")


class StockHook(Protocol):
    async def apply(self, store: str, order: Order, effect: StockEffect) -> None:
        """Apply one effect (``effect.kind``: reserve, adjust, release, commit) for ``order``."""


class NoStockSource:
    """The default: no stock source is configured, effects are only logged."""

    def __init__(self) -> None:
        self._warned = False

    async def apply(self, store: str, order: Order, effect: StockEffect) -> None:
        if not self._warned:
            self._warned = True
            log.warning("no stock source configured: stock effects (reserve, release...) are not applied")
        log.debug("stock effect %s for %s/%s ignored", effect.kind, store, order.number)


class StockRunner:
    """Runs a hook's effects with a time budget; what overruns continues as a tracked background task."""

    def __init__(self, hook: StockHook, budget_seconds: float) -> None:
        self.hook = hook
        self.budget = budget_seconds
        self._background: set[asyncio.Task[None]] = set()
        self._last: dict[tuple[str, str], asyncio.Task[None]] = {}  # (store, order key) → its latest run

    async def _apply_all(
        self, store: str, order: Order, effects: Sequence[StockEffect], before: asyncio.Task[None] | None
    ) -> None:
        if before is not None:
            await asyncio.wait({before})
        for effect in effects:
            try:
                await self.hook.apply(store, order, effect)
            except Exception:
                log.exception("stock effect %s for %s/%s failed", effect.kind, store, order.number)

    async def run(self, store: str, order: Order, effects: Sequence[StockEffect]) -> bool:
        """Apply ``effects``; True when they finished within the budget."""
        if not effects:
            return True
        key = (store, order.kuper_id)
        before = self._last.get(key)
        task = asyncio.create_task(self._apply_all(store, order, tuple(effects), before))
        self._last[key] = task
        self._background.add(task)  # tracked even if our caller is cancelled while waiting
        task.add_done_callback(self._background.discard)
        task.add_done_callback(lambda done: self._forget(key, done))
        done, _ = await asyncio.wait({task}, timeout=self.budget)
        if task in done:
            return True
        log.info("stock effects for %s/%s continue in the background", store, order.number)
        return False

    def _forget(self, key: tuple[str, str], task: asyncio.Task[None]) -> None:
        if self._last.get(key) is task:
            del self._last[key]

    async def aclose(self, timeout: float = 5.0) -> None:
        """Let background effects finish (up to ``timeout``), then cancel the rest."""
        pending = set(self._background)
        if not pending:
            return
        _, still = await asyncio.wait(pending, timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            await asyncio.gather(*still, return_exceptions=True)
