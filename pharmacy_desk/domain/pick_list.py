"""The pick list (сборочный лист): which packs to take for an order, in the order to walk the shelves.

One :class:`PickSection` per order: its numbers (ours and Kuper's), flow, deadline and lines. The
rule (:func:`pick_section`, :func:`line_order`):

- a line is every composition line with packs to give (quantity > 0);
- room-temperature lines first, sorted by shelf cell (the location of the first batch to take,
  compared "naturally": ``А1-2`` before ``А1-10``), lines with no known cell after those with one;
- then the cool lines (+8…+15 °C), then the cold ones (+2…+8 °C), each sorted by cell the same way:
  what must stay cold leaves the fridge last;
- a line that may not be sold remotely (its product's ``dispensing`` is not ``otc``, or the order
  carries it in ``forbidden_skus``) comes at the very end, marked «не собирать» with its rule, and
  gets no batch to take;
- each other line lists the batches to take (series, expiry, quantity, cell) as the stock source
  suggests them (the order's reserved packs first, then FEFO); packs nobody could suggest are its
  ``shortfall``. Without a stock source (or when it failed) the lines have no batch and the section
  says why (``note``): the list still prints what the order knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import IntEnum

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.cold_chain import LABEL_RU
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.product import ProductAttributes, Storage
from pharmacy_desk.domain.remote_sale import forbidden_rule
from pharmacy_desk.domain.states import Flow

__all__ = [
    "STORAGE_MARK_RU",
    "PickBatch",
    "PickGroup",
    "PickLine",
    "PickSection",
    "cell_key",
    "line_order",
    "pick_section",
]

STORAGE_MARK_RU: dict[Storage, str] = LABEL_RU
"""The mark a cold or cool line carries on the pick list: the bag label's words (:mod:`.cold_chain`)."""


class PickGroup(IntEnum):
    """Where a line goes on the list: room first, cool, cold, then the lines not to pick."""

    ROOM = 0
    COOL = 1
    COLD = 2
    FORBIDDEN = 3


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PickBatch(_Frozen):
    """Packs of one batch to take: series, expiry, where it lies."""

    series: str
    expiry: date
    quantity: int = Field(ge=1)
    location: str | None = None
    warning: str | None = None  # Russian: why this (reserved) batch may no longer be given out


class PickLine(_Frozen):
    sku: str
    name: str
    quantity: int  # packs to give
    storage: Storage | None = None
    forbidden: str | None = None  # Russian: the rule it breaks; the line is not to be picked
    batches: tuple[PickBatch, ...] = ()
    shortfall: int = Field(default=0, ge=0)  # packs no batch was suggested for (the shelf may not have them)

    @property
    def group(self) -> PickGroup:
        if self.forbidden is not None:
            return PickGroup.FORBIDDEN
        if self.storage is Storage.COLD:
            return PickGroup.COLD
        if self.storage is Storage.COOL:
            return PickGroup.COOL
        return PickGroup.ROOM

    @property
    def cell(self) -> str | None:
        """The shelf cell to go to: the first batch's location."""
        return next((b.location for b in self.batches if b.location), None)

    @property
    def storage_mark(self) -> str | None:
        return STORAGE_MARK_RU.get(self.storage) if self.storage is not None else None


class PickSection(_Frozen):
    """One order on the pick list."""

    number: str
    kuper_id: str
    original_order_id: str | None = None
    flow: Flow
    due_from: datetime | None = None
    due_to: datetime | None = None
    lines: tuple[PickLine, ...] = ()
    batches_known: bool = True  # False: no stock source answered, the lines carry no series
    note: str | None = None  # Russian: why the series are missing, or another remark for the pharmacist

    @property
    def packs(self) -> int:
        return sum(line.quantity for line in self.lines if line.forbidden is None)


_DIGITS = re.compile(r"(\d+)")


def cell_key(cell: str | None) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    """Sort key of a shelf cell: digits compared as numbers (``А1-2`` < ``А1-10``); no cell sorts last."""
    if not cell:
        return (1, ())
    parts = tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part.casefold()) for part in _DIGITS.split(cell) if part
    )
    return (0, parts)


def line_order(line: PickLine) -> tuple[object, ...]:
    """The sort key of a line on the list (see the module's rule)."""
    return (line.group, cell_key(line.cell), line.name.casefold(), line.sku)


def pick_section(
    order: Order,
    attributes: Mapping[str, ProductAttributes],
    batches: Mapping[str, Sequence[PickBatch]] | None,
    *,
    note: str | None = None,
) -> PickSection:
    """The order's section of the pick list.

    ``attributes``: what the stock source says of each SKU (missing: nothing known); ``batches``: the
    batches to take per SKU, or None when no stock source answered (then the lines carry no series
    and ``note`` says why).
    """
    lines = []
    for line in order.composition:
        if line.quantity <= 0:
            continue
        attrs = attributes.get(line.sku)
        forbidden = order.forbidden_skus.get(line.sku) or (forbidden_rule(attrs) if attrs is not None else None)
        taken = () if forbidden is not None or batches is None else tuple(batches.get(line.sku, ()))
        known = forbidden is None and batches is not None
        lines.append(
            PickLine(
                sku=line.sku,
                name=line.name or line.sku,
                quantity=line.quantity,
                storage=attrs.storage if attrs is not None else None,
                forbidden=forbidden,
                batches=taken,
                shortfall=max(0, line.quantity - sum(b.quantity for b in taken)) if known else 0,
            )
        )
    return PickSection(
        number=order.number,
        kuper_id=order.kuper_id,
        original_order_id=order.original_order_id,
        flow=order.flow,
        due_from=order.due_from,
        due_to=order.due_to,
        lines=tuple(sorted(lines, key=line_order)),
        batches_known=batches is not None,
        note=note,
    )
