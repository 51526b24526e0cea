"""Each store's minimum remaining shelf life, turned into the one date a source needs.

The sellable rule lives in :mod:`pharmacy_desk.domain.fefo`: a pack may be sold today iff at least
one whole day and at least the store's minimum number of days remain. Equivalently its expiry date is
on or after :meth:`ShelfLife.earliest_expiry` = today + max(1, minimum). That date is what the 1C
service receives (``min_expiry``), so 1C and the embedded stock apply exactly the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from types import MappingProxyType

from pharmacy_desk.inventory.errors import InvalidRequest


class ShelfLife:
    """Minimum remaining shelf life per store (days), with a default, and the clock that says today."""

    def __init__(
        self,
        default_days: int = 0,
        per_store: Mapping[str, int] | None = None,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        days = dict(per_store or {})
        for store, value in {"": default_days, **days}.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidRequest(f"minimum shelf life for store {store!r} must be an int >= 0, got {value!r}")
        self.default_days = default_days
        self.per_store: Mapping[str, int] = MappingProxyType(days)
        self._today = today

    def today(self) -> date:
        return self._today()

    def min_days(self, store: str) -> int:
        return self.per_store.get(store, self.default_days)

    def earliest_expiry(self, store: str) -> date:
        """The earliest expiry date a pack may have to be reserved or suggested for this store today."""
        return earliest_expiry(self.today(), self.min_days(store))


def earliest_expiry(today: date, min_days: int) -> date:
    return today + timedelta(days=max(1, min_days))
