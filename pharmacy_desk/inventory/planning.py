"""Pure decisions over batches: what to reserve, what to give back, what a sale took, what to suggest.

Shared by the embedded stock, the 1C adapter (suggestions) and the reference 1C stub (reservations),
so every source picks the same batches for the same stock:

- **reserve / suggest**: :func:`pharmacy_desk.domain.fefo.plan_fefo`, earliest sellable expiry first,
  "sellable" meaning an expiry on or after ``min_expiry`` (see :mod:`.shelf_life`);
- **give back** (the composition shrank): the latest-expiring reserved packs first, so the order keeps
  the packs that must go first;
- **a sale**: the order's reserved packs first (earliest expiry first); packs beyond them come from
  sellable stock (FEFO), then from the rest, latest expiry first; what the stock does not have is
  ``unmatched``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from pharmacy_desk.domain.fefo import Batch, plan_fefo, refusal_reason
from pharmacy_desk.inventory.models import BatchQuantity, SuggestedPick

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Slot(Generic[K]):
    """A batch as the planner sees it: the caller's key for it, and its packs free or held."""

    key: K
    sku: str
    series: str
    expiry: date
    quantity: int  # free packs (take / suggest) or packs held by the order (give back / sale)
    gtin: str | None = None
    location: str | None = None

    def packs(self, quantity: int) -> BatchQuantity:
        return BatchQuantity(
            sku=self.sku,
            series=self.series,
            expiry=self.expiry,
            quantity=quantity,
            gtin=self.gtin,
            location=self.location,
        )


Take = tuple[Slot[K], int]


def fefo_key(slot: Slot[K]) -> tuple[date, str, str, str]:
    """The order :func:`plan_fefo` picks in; equal stock always gives the same plan."""
    return (slot.expiry, slot.series, slot.location or "", slot.gtin or "")


def take_fefo(slots: Iterable[Slot[K]], quantity: int, min_expiry: date) -> tuple[list[Take[K]], int]:
    """Packs to take from ``slots`` (earliest sellable expiry first) and the shortfall."""
    by_batch: dict[int, Slot[K]] = {}
    batches: list[Batch] = []
    for slot in slots:
        if slot.quantity <= 0:
            continue
        batch = Batch(
            series=slot.series, expiry=slot.expiry, quantity=slot.quantity, gtin=slot.gtin, location=slot.location
        )
        by_batch[id(batch)] = slot
        batches.append(batch)
    # plan_fefo's rule: sellable iff (expiry - today) >= 1 day and >= the minimum; with
    # today = min_expiry - 1 day and a minimum of 0 that is exactly "expiry >= min_expiry".
    plan = plan_fefo(batches, quantity, today=min_expiry - timedelta(days=1), min_shelf_life_days=0)
    return [(by_batch[id(pick.batch)], pick.quantity) for pick in plan.picks], plan.shortfall


def give_back(held: Iterable[Slot[K]], quantity: int) -> list[Take[K]]:
    """Which held packs to free when an order needs ``quantity`` fewer: latest expiry first."""
    result: list[Take[K]] = []
    left = quantity
    for slot in sorted(held, key=fefo_key, reverse=True):
        if left <= 0:
            break
        n = min(left, slot.quantity)
        if n > 0:
            result.append((slot, n))
            left -= n
    return result


def keep_earliest(held: Iterable[Slot[K]], quantity: int) -> list[Take[K]]:
    """The first ``quantity`` held packs in FEFO order (what a sale takes from the reservation)."""
    result: list[Take[K]] = []
    left = quantity
    for slot in sorted(held, key=fefo_key):
        if left <= 0:
            break
        n = min(left, slot.quantity)
        if n > 0:
            result.append((slot, n))
            left -= n
    return result


def take_for_sale(
    held: Sequence[Slot[K]], free: Sequence[Slot[K]], quantity: int, today: date
) -> tuple[list[Take[K]], list[Take[K]], int]:
    """A sale of ``quantity`` packs: (taken from the reservation, taken from free stock, unmatched)."""
    from_held = keep_earliest(held, quantity)
    rest = quantity - sum(n for _, n in from_held)
    sellable, rest = take_fefo(free, rest, today + timedelta(days=1))
    used = {id(slot): n for slot, n in sellable}
    leftovers = [s for s in free if s.quantity - used.get(id(s), 0) > 0]
    others: list[Take[K]] = []
    for slot in sorted(leftovers, key=fefo_key, reverse=True):
        if rest <= 0:
            break
        n = min(rest, slot.quantity - used.get(id(slot), 0))
        others.append((slot, n))
        rest -= n
    return from_held, sellable + others, rest


def suggest(
    held: Sequence[Slot[K]],
    free: Sequence[Slot[K]],
    quantity: int,
    min_expiry: date,
    today: date,
    min_days: int,
) -> list[SuggestedPick]:
    """Which batches to take for ``quantity`` packs: the order's reserved ones first, then FEFO."""
    picks: list[SuggestedPick] = []
    for slot, n in keep_earliest(held, quantity):
        warning = refusal_reason(slot.expiry, today, min_days)
        picks.append(SuggestedPick(batch=slot.packs(n), reserved=True, warning=warning))
    rest = quantity - sum(p.batch.quantity for p in picks)
    if rest > 0:
        extra, _ = take_fefo(free, rest, min_expiry)
        picks.extend(SuggestedPick(batch=slot.packs(n), reserved=False) for slot, n in extra)
    return picks


def as_packs(takes: Iterable[Take[K]]) -> tuple[BatchQuantity, ...]:
    return tuple(slot.packs(n) for slot, n in takes if n > 0)


def merge_packs(packs: Iterable[BatchQuantity]) -> tuple[BatchQuantity, ...]:
    """Packs of the same batch added up, in FEFO order."""
    total: dict[tuple[str, str, str | None, date, str | None], BatchQuantity] = {}
    for p in packs:
        key = (p.sku, p.series, p.location, p.expiry, p.gtin)
        seen = total.get(key)
        total[key] = p if seen is None else seen.model_copy(update={"quantity": seen.quantity + p.quantity})
    return tuple(sorted(total.values(), key=_packs_order))


def _packs_order(p: BatchQuantity) -> tuple[str, date, str, str, str]:
    return (p.sku, p.expiry, p.series, p.location or "", p.gtin or "")
