"""FEFO picking: which stock batches to take a quantity from ("first expired, first out").

The sellable rule (one place, used by the planner and by the staff messages):

- ``remaining = (expiry - today).days``: whole days left after today;
- a batch is sellable iff ``remaining >= 1`` and ``remaining >= min_shelf_life_days``.

So a batch expiring today is never sellable (the customer gets it later today or
tomorrow, after the courier), an expired one neither, whatever the minimum; a
minimum of 30 days means the expiry date must be at least 30 days after today.

:func:`plan_fefo` takes the earliest-expiring sellable batches first; among
batches with the same expiry the order is by series, then location, then GTIN,
then the larger quantity first (fewer picks), so the same stock in any order
always gives the same plan. It never
suggests an unsellable or empty batch; what it cannot cover is the
``shortfall``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Batch",
    "FefoPlan",
    "Pick",
    "is_sellable",
    "plan_fefo",
    "refusal_reason",
    "remaining_days",
]


@dataclass(frozen=True, slots=True)
class Batch:
    """A stock batch (series) of one product with its expiry date."""

    series: str
    expiry: dt.date
    quantity: int
    gtin: str | None = None
    location: str | None = None
    """Where it lies, e.g. the shelf."""

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"batch quantity must be >= 0, got {self.quantity}")


@dataclass(frozen=True, slots=True)
class Pick:
    """Take ``quantity`` units from ``batch``."""

    batch: Batch
    quantity: int


@dataclass(frozen=True, slots=True)
class FefoPlan:
    """The batches to pick from, in picking order, and what is missing."""

    picks: tuple[Pick, ...]
    shortfall: int

    @property
    def picked(self) -> int:
        """Total units the plan picks."""
        return sum(pick.quantity for pick in self.picks)

    @property
    def complete(self) -> bool:
        """True when the whole requested quantity is covered."""
        return self.shortfall == 0


def _check_min_days(min_shelf_life_days: int) -> None:
    if min_shelf_life_days < 0:
        raise ValueError(f"min_shelf_life_days must be >= 0, got {min_shelf_life_days}")


def remaining_days(expiry: dt.date, today: dt.date) -> int:
    """Whole days left after today: 0 when it expires today, negative when expired."""
    return (expiry - today).days


def is_sellable(expiry: dt.date, today: dt.date, min_shelf_life_days: int) -> bool:
    """True when a pack expiring on ``expiry`` may be sold today (see the module docstring)."""
    return refusal_reason(expiry, today, min_shelf_life_days) is None


def refusal_reason(expiry: dt.date, today: dt.date, min_shelf_life_days: int) -> str | None:
    """Why a pack expiring on ``expiry`` may not be sold today, in Russian; None when it may."""
    _check_min_days(min_shelf_life_days)
    remaining = remaining_days(expiry, today)
    if remaining < 0:
        return f"Срок годности истёк {expiry:%d.%m.%Y}"
    if remaining == 0:
        return f"Срок годности истекает сегодня, {expiry:%d.%m.%Y}"
    if remaining < min_shelf_life_days:
        return f"Осталось {remaining} дн. — меньше минимального срока {min_shelf_life_days} дн."
    return None


def _fefo_key(batch: Batch) -> tuple[dt.date, str, str, str, int]:
    return (batch.expiry, batch.series, batch.location or "", batch.gtin or "", -batch.quantity)


def plan_fefo(
    batches: Iterable[Batch],
    quantity: int,
    *,
    today: dt.date,
    min_shelf_life_days: int,
) -> FefoPlan:
    """Plan picking ``quantity`` units from ``batches``, earliest sellable expiry first.

    Raises ValueError for a negative quantity or minimum; a zero quantity gives an
    empty plan.
    """
    if quantity < 0:
        raise ValueError(f"quantity must be >= 0, got {quantity}")
    _check_min_days(min_shelf_life_days)
    candidates = sorted(
        (batch for batch in batches if batch.quantity > 0 and is_sellable(batch.expiry, today, min_shelf_life_days)),
        key=_fefo_key,
    )
    picks: list[Pick] = []
    needed = quantity
    for batch in candidates:
        if needed == 0:
            break
        take = min(needed, batch.quantity)
        picks.append(Pick(batch=batch, quantity=take))
        needed -= take
    return FefoPlan(picks=tuple(picks), shortfall=needed)
