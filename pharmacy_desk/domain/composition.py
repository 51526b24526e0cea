"""An order's composition: lines, their totals, and the changes a pharmacist makes while assembling.

The money rule (docs/kuper-protocol.md §3 and the seeds' ``order.delivered`` example), in one place:

- a line's unit price is its ``discount_price`` when there is one, else its ``price``;
- a line's ``total`` (Kuper's position ``totalPrice``) is unit price × quantity;
- a line's ``full_total`` (Kuper's ``totalDiscountPrice`` counterpart before discount) is price × quantity;
- the order's ``total_price`` and ``discount_total_price`` are both the sum of the lines' ``total``:
  what the customer pays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.money import ZERO, Money
from pharmacy_desk.domain.refusals import Refusal, RefusalCode


class Line(BaseModel):
    """One position of an order: what was ordered and what will be given."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1)
    name: str = ""
    quantity: int = Field(ge=0)  # what will be (or was) given
    ordered_quantity: int = Field(ge=0)  # what Kuper's customer ordered; 0 for a substitute
    price: Money
    discount_price: Money | None = None
    weight: str | None = None
    marking_codes: tuple[str, ...] = ()  # DataMatrix codes exactly as scanned, GS as \x1d
    replaces: str | None = None  # the SKU this line substitutes
    change_reason: str | None = None  # why the quantity differs from what was ordered

    @property
    def unit_price(self) -> Decimal:
        return self.discount_price if self.discount_price is not None else self.price

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def full_total(self) -> Decimal:
        return self.price * self.quantity


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)

    total_price: Money
    discount_total_price: Money


def totals(lines: Iterable[Line]) -> Totals:
    amount = sum((line.total for line in lines), ZERO)
    return Totals(total_price=amount, discount_total_price=amount)


def pack_count(lines: Iterable[Line]) -> int:
    return sum(line.quantity for line in lines)


class FinalLine(BaseModel):
    """What the counter app says it gives for one SKU: the input of "ready" and "hand over".

    A substitute (``replaces`` set) brings its own name and price; an ordered SKU takes the order's.
    """

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=0, le=100_000)
    marking_codes: tuple[Annotated[str, Field(max_length=255)], ...] = Field(default=(), max_length=10_000)
    replaces: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=500)
    price: Money | None = None
    discount_price: Money | None = None
    reason: str | None = Field(default=None, max_length=500)


def final_lines_of(lines: Iterable[Line]) -> list[FinalLine]:
    """The composition an order has now, as the input form (for "ready as assembled")."""
    return [
        FinalLine(
            sku=line.sku,
            quantity=line.quantity,
            marking_codes=line.marking_codes,
            replaces=line.replaces,
            name=line.name,
            price=line.price,
            discount_price=line.discount_price,
            reason=line.change_reason,
        )
        for line in lines
    ]


def build_composition(
    ordered: Sequence[Line],
    final: Sequence[FinalLine],
    *,
    codes_elsewhere: frozenset[str] = frozenset(),
) -> tuple[Line, ...] | Refusal:
    """Check a final composition against what was ordered and compute its lines exactly.

    Allowed: fewer packs of an ordered SKU, a missing SKU (quantity 0 or left out), a substitute
    for an ordered SKU. Refused: more packs than ordered, an SKU that was not ordered and substitutes
    nothing, a duplicate SKU, marking codes that repeat or do not match the quantity, a marking code
    already given in another order (``codes_elsewhere``), and a composition with nothing in it.
    """
    by_sku = {line.sku: line for line in ordered}
    seen: set[str] = set()
    result: list[Line] = []
    codes: Counter[str] = Counter()
    replaced_qty: Counter[str] = Counter()
    for item in final:
        if item.sku in seen:
            return Refusal.of(RefusalCode.COMPOSITION_INVALID, detail=f"SKU {item.sku} указан дважды")
        seen.add(item.sku)
        if item.marking_codes and len(item.marking_codes) != item.quantity:
            return Refusal.of(
                RefusalCode.MARKING_MISMATCH,
                detail=f"{item.sku}: {item.quantity} уп., кодов маркировки {len(item.marking_codes)}",
            )
        codes.update(item.marking_codes)
        original = by_sku.get(item.sku)
        if item.replaces is not None:
            target = by_sku.get(item.replaces)
            if target is None:
                return Refusal.of(
                    RefusalCode.COMPOSITION_INVALID,
                    detail=f"замена для {item.replaces}: такого товара нет в заказе",
                )
            if original is not None:
                return Refusal.of(
                    RefusalCode.COMPOSITION_INVALID, detail=f"замена {item.sku} уже есть в заказе как позиция"
                )
            if item.price is None:
                return Refusal.of(RefusalCode.COMPOSITION_INVALID, detail=f"у замены {item.sku} нет цены")
            replaced_qty[item.replaces] += item.quantity
            if item.quantity > 0:
                result.append(
                    Line(
                        sku=item.sku,
                        name=item.name or item.sku,
                        quantity=item.quantity,
                        ordered_quantity=0,
                        price=item.price,
                        discount_price=item.discount_price,
                        marking_codes=item.marking_codes,
                        replaces=item.replaces,
                        change_reason=item.reason,
                    )
                )
            continue
        if original is None:
            return Refusal.of(RefusalCode.NOT_IN_ORDER, detail=item.sku)
        if item.quantity > original.ordered_quantity:
            return Refusal.of(
                RefusalCode.COMPOSITION_INVALID,
                detail=f"{original.name or item.sku}: заказано {original.ordered_quantity}, указано {item.quantity}",
            )
        result.append(
            original.model_copy(
                update={
                    "quantity": item.quantity,
                    "marking_codes": item.marking_codes,
                    "change_reason": item.reason if item.quantity != original.ordered_quantity else None,
                }
            )
        )
    # Ordered SKUs left out of the final composition are missing: kept with quantity 0 so Kuper sees it.
    for line in ordered:
        if line.sku not in seen and line.ordered_quantity > 0:
            result.append(line.model_copy(update={"quantity": 0, "marking_codes": (), "change_reason": "нет"}))
    for sku, qty in replaced_qty.items():
        target = by_sku[sku]
        given = next((r.quantity for r in result if r.sku == sku), 0)
        if qty + given > target.ordered_quantity:
            return Refusal.of(
                RefusalCode.COMPOSITION_INVALID,
                detail=f"{target.name or sku}: замена и оставшиеся упаковки больше заказанного",
            )
    repeated = sorted(code for code, n in codes.items() if n > 1)
    if repeated:
        return Refusal.of(RefusalCode.MARKING_DUPLICATE, detail=_short(repeated[0]))
    elsewhere = sorted(set(codes) & codes_elsewhere)
    if elsewhere:
        return Refusal.of(RefusalCode.MARKING_IN_OTHER_ORDER, detail=_short(elsewhere[0]))
    if pack_count(result) == 0:
        return Refusal.of(RefusalCode.COMPOSITION_EMPTY)
    return tuple(result)


def handed_over_composition(ready: Sequence[Line], handed: Sequence[FinalLine] | None) -> tuple[Line, ...] | Refusal:
    """The composition the customer takes: the ready one, less any packs the customer declined.

    Nothing can be added at the counter: only fewer packs of what was ready (with a subset of its codes).
    """
    if handed is None:
        return tuple(ready)
    by_sku = {line.sku: line for line in ready}
    given: dict[str, FinalLine] = {}
    for item in handed:
        line = by_sku.get(item.sku)
        if line is None or item.sku in given:
            return Refusal.of(RefusalCode.NOT_IN_ORDER, detail=item.sku)
        if item.quantity > line.quantity:
            return Refusal.of(
                RefusalCode.COMPOSITION_INVALID,
                detail=f"{line.name or item.sku}: готово {line.quantity}, выдаётся {item.quantity}",
            )
        if not set(item.marking_codes) <= set(line.marking_codes):
            return Refusal.of(RefusalCode.MARKING_MISMATCH, detail=f"{item.sku}: код не из этого заказа")
        if line.marking_codes and len(item.marking_codes) != item.quantity:
            return Refusal.of(
                RefusalCode.MARKING_MISMATCH,
                detail=f"{item.sku}: {item.quantity} уп., кодов маркировки {len(item.marking_codes)}",
            )
        given[item.sku] = item
    result = []
    for line in ready:
        taken = given.get(line.sku)
        if taken is None:
            result.append(line.model_copy(update={"quantity": 0, "marking_codes": (), "change_reason": "отказ"}))
        elif taken.quantity == line.quantity:
            result.append(line)
        else:
            codes = taken.marking_codes if line.marking_codes else ()
            result.append(
                line.model_copy(update={"quantity": taken.quantity, "marking_codes": codes, "change_reason": "отказ"})
            )
    if pack_count(result) == 0:
        return Refusal.of(RefusalCode.COMPOSITION_EMPTY)
    return tuple(result)


def _short(code: str) -> str:
    return code.split("\x1d", 1)[0][:31]
