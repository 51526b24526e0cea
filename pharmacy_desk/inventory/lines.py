"""What a caller asks for: lines with a SKU and a quantity, normalised into packs per SKU.

The domain's :class:`~pharmacy_desk.domain.composition.Line` (what a ``StockEffect`` carries) fits
:class:`LineLike`; :class:`Want` is the light form for callers without an order line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from pharmacy_desk.inventory.errors import InvalidRequest

MAX_KEY_LENGTH = 200


class LineLike(Protocol):
    @property
    def sku(self) -> str: ...

    @property
    def quantity(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Want:
    sku: str
    quantity: int


def packs_by_sku(lines: Iterable[LineLike]) -> dict[str, int]:
    """Packs wanted per SKU, in first-seen order; repeated SKUs add up, zero quantities are kept."""
    wanted: dict[str, int] = {}
    for line in lines:
        sku = line.sku.strip() if isinstance(line.sku, str) else ""
        if not sku or len(sku) > MAX_KEY_LENGTH:
            raise InvalidRequest(f"bad SKU: {line.sku!r}")
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 0:
            raise InvalidRequest(f"bad quantity for SKU {sku}: {line.quantity!r}")
        wanted[sku] = wanted.get(sku, 0) + line.quantity
    return wanted


def check_key(name: str, value: str) -> str:
    """A store or order key: non-empty, at most 200 characters, no surrounding spaces."""
    if not isinstance(value, str) or not value.strip() or value != value.strip() or len(value) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"bad {name}: {value!r}")
    return value
