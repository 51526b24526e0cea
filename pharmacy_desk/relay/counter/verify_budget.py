"""Attempt budgets for ``verify_pickup_code``: per counter PC and per store, on top of the order's lock-out.

The order's own lock-out (``rules.pickup.max_attempts``) stops guessing one order's code; it does not
stop a PC trying a few codes on each of many orders. So the relay also counts refused
``verify_pickup_code`` actions (answered 422: wrong code, locked order, no code) in a sliding window
(``pickup_attempts.window_seconds``):

- a device with ``device_failures`` refusals in the window is answered **429** with ``Retry-After``
  (seconds until its oldest counted refusal leaves the window) for every further check, right or wrong;
- a store with ``store_failures`` refusals in the window (all its PCs together) likewise;
- when one device reaches ``alert_after`` refusals in the window, the store gets an alert naming the
  PC (and again when it is stopped), so the staff can look at who is typing codes.

The count is read from the ``actions`` log inside the action's transaction, after the store lock: it
is the same for every relay process and survives a restart. A 429 is not stored (no decision was
made: the PC may ask again with the same idempotency key once the window allows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.relay.config import PickupAttemptBudget
from pharmacy_desk.relay.storage.schema import actions
from pharmacy_desk.relay.timeutil import as_utc

VERIFY_KIND = "verify_pickup_code"


@dataclass(frozen=True)
class Spent:
    """A budget used up: 429 for ``retry_after`` seconds; ``who`` says whose budget (device / store)."""

    who: str
    retry_after: int


_FAILURES = (
    select(actions.c.device_id, actions.c.created_at)
    .where(
        actions.c.store == bindparam("store"),
        actions.c.kind == VERIFY_KIND,
        actions.c.status_code == 422,
        actions.c.created_at >= bindparam("since"),
    )
    .order_by(actions.c.created_at)
)


@dataclass(frozen=True)
class Failures:
    """Refused checks of the store within the window: (device id, when), oldest first."""

    rows: tuple[tuple[str, datetime], ...]
    window: timedelta

    def of(self, device_id: str) -> list[datetime]:
        return [at for device, at in self.rows if device == device_id]

    def spent(self, budget: PickupAttemptBudget, device_id: str, now: datetime) -> Spent | None:
        mine = self.of(device_id)
        if len(mine) >= budget.device_failures:
            return Spent("device", self._wait(mine, budget.device_failures, now))
        store = [at for _, at in self.rows]
        if len(store) >= budget.store_failures:
            return Spent("store", self._wait(store, budget.store_failures, now))
        return None

    def _wait(self, times: list[datetime], limit: int, now: datetime) -> int:
        # Below the limit again once the (len - limit + 1)-th oldest refusal has left the window.
        free_at = times[len(times) - limit] + self.window
        return max(1, math.ceil((free_at - now).total_seconds()))


async def recent_failures(conn: AsyncConnection, store: str, budget: PickupAttemptBudget, now: datetime) -> Failures:
    window = timedelta(seconds=budget.window_seconds)
    rows = await conn.execute(_FAILURES, {"store": store, "since": now - window})
    return Failures(rows=tuple((row.device_id, as_utc(row.created_at)) for row in rows), window=window)


def burst_message(device_name: str, count: int, budget: PickupAttemptBudget, *, stopped: bool) -> str:
    """The store alert (Russian) about a PC's wrong codes."""
    minutes = max(1, round(budget.window_seconds / 60))
    text = f"Касса «{device_name}»: {count} неверных кодов выдачи за {minutes} мин."
    if stopped:
        return text + " Проверка кодов с этой кассы приостановлена: проверьте, кто вводит коды."
    return text + " Проверьте, кто вводит коды."
