"""Which lines of a marketplace order may be sold at all, and at what price at most.

Remote sale (delivery, or reserve-for-pickup through a marketplace) is allowed for OTC drugs only
(ПП РФ № 697; 61-ФЗ ст. 55): a line whose product's ``dispensing`` is anything but ``otc`` is
*forbidden* (:data:`FLAG_FORBIDDEN`) and is never assembled silently. The online price must not
exceed the pharmacy's shelf price: a line whose unit price is above the product's ``shelf_price`` is
flagged (:data:`FLAG_PRICE_ABOVE_SHELF`) and the composition is capped at the shelf price
(:func:`cap_prices`, applied by the lifecycle to what "assembled" and "ready" send). The relay keeps
both on the order (``Order.forbidden_skus``, ``Order.price_caps``), so the lifecycle refuses packs of
a forbidden line (:func:`forbidden_refusal`) whoever sends them.

A product whose attributes do not say (``dispensing`` or ``shelf_price`` unknown) passes: the rule
can only be applied where the stock source gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.money import Money, rubles
from pharmacy_desk.domain.product import Dispensing, ProductAttributes
from pharmacy_desk.domain.refusals import Refusal, RefusalCode

FLAG_FORBIDDEN = "remote_sale_forbidden"
FLAG_PRICE_ABOVE_SHELF = "price_above_shelf"

RULE_RU: dict[Dispensing, str] = {
    Dispensing.RX: "рецептурный препарат: дистанционная продажа запрещена (ПП РФ № 697)",
    Dispensing.NARCOTIC: "наркотическое средство: дистанционная продажа запрещена (61-ФЗ ст. 55)",
    Dispensing.PSYCHOTROPIC: "психотропное вещество: дистанционная продажа запрещена (61-ФЗ ст. 55)",
    Dispensing.ALCOHOL: "спиртосодержащий препарат (более 25 % этанола): дистанционная продажа запрещена",
    Dispensing.NO_REMOTE: "аптека не продаёт этот товар дистанционно",
}
"""Why a line may not be sold remotely, by the product's dispensing rule (Russian, for the pharmacist)."""

FORBIDDEN_REASON = "дистанционная продажа запрещена"
"""The reason a forbidden line is left out of the composition with."""


class ForbiddenLinesPolicy(StrEnum):
    """A store's choice for an order with a forbidden line (``stores[].forbidden_lines``)."""

    ASK_STAFF = "ask_staff"  # flag and alert; the pharmacist leaves the line out or cancels the order
    CANCEL_ORDER = "cancel_order"  # flag and alert, then the relay cancels the order


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ForbiddenLine(_Frozen):
    sku: str
    name: str
    dispensing: Dispensing
    rule_ru: str


class PriceAboveShelf(_Frozen):
    sku: str
    name: str
    price: Money  # what Kuper charges for one pack
    shelf_price: Money


class RemoteSaleCheck(_Frozen):
    forbidden: tuple[ForbiddenLine, ...] = ()
    above_shelf: tuple[PriceAboveShelf, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.forbidden and not self.above_shelf

    @property
    def flags(self) -> tuple[str, ...]:
        return (
            *((FLAG_FORBIDDEN,) if self.forbidden else ()),
            *((FLAG_PRICE_ABOVE_SHELF,) if self.above_shelf else ()),
        )

    @property
    def forbidden_skus(self) -> dict[str, str]:
        """SKU → the rule it breaks (what the order keeps, see :func:`forbidden_refusal`)."""
        return {item.sku: item.rule_ru for item in self.forbidden}

    @property
    def price_caps(self) -> dict[str, Decimal]:
        """SKU → the highest unit price the composition may charge."""
        return {item.sku: item.shelf_price for item in self.above_shelf}

    def alert_ru(self, number: str) -> str:
        """One alert for the store naming each line and its rule (empty when clean)."""
        parts = [f"«{f.name or f.sku}» — {f.rule_ru}" for f in self.forbidden]
        if self.forbidden:
            parts[-1] += ". Не собирайте эту позицию: исключите её или отмените заказ"
        parts += [
            f"«{p.name or p.sku}»: цена в Купере {rubles(p.price)} выше цены в аптеке {rubles(p.shelf_price)} — "
            "при выдаче будет взята цена аптеки"
            for p in self.above_shelf
        ]
        return f"Заказ {number}: " + "; ".join(parts) + "." if parts else ""


def forbidden_rule(attributes: ProductAttributes) -> str | None:
    """Why a product may not be sold remotely (Russian), or None when it may (or the source does not say)."""
    dispensing = attributes.dispensing
    if dispensing is None or dispensing is Dispensing.OTC:
        return None
    return RULE_RU[dispensing]


def check_remote_sale(lines: Iterable[Line], attributes: Mapping[str, ProductAttributes]) -> RemoteSaleCheck:
    """The forbidden lines and the lines priced above the shelf, among ``lines`` with packs ordered."""
    forbidden: list[ForbiddenLine] = []
    above: list[PriceAboveShelf] = []
    for line in lines:
        attrs = attributes.get(line.sku)
        if attrs is None or (line.ordered_quantity == 0 and line.quantity == 0):
            continue
        rule = forbidden_rule(attrs)
        if rule is not None and attrs.dispensing is not None:
            forbidden.append(ForbiddenLine(sku=line.sku, name=line.name, dispensing=attrs.dispensing, rule_ru=rule))
        shelf = attrs.shelf_price
        if shelf is not None and line.unit_price > shelf:
            above.append(PriceAboveShelf(sku=line.sku, name=line.name, price=line.unit_price, shelf_price=shelf))
    return RemoteSaleCheck(forbidden=tuple(forbidden), above_shelf=tuple(above))


def cap_prices(lines: tuple[Line, ...], caps: Mapping[str, Decimal]) -> tuple[Line, ...]:
    """``lines`` with no unit price above its SKU's cap (the cap becomes the line's discounted price)."""
    if not caps:
        return lines
    return tuple(
        line.model_copy(update={"discount_price": caps[line.sku]})
        if line.sku in caps and line.unit_price > caps[line.sku]
        else line
        for line in lines
    )


def forbidden_refusal(lines: Iterable[Line], forbidden: Mapping[str, str]) -> Refusal | None:
    """A composition giving packs of a forbidden SKU is refused (the pharmacist leaves the line out)."""
    for line in lines:
        if line.quantity > 0 and line.sku in forbidden:
            return Refusal.of(
                RefusalCode.REMOTE_SALE_FORBIDDEN, detail=f"{line.name or line.sku}: {forbidden[line.sku]}"
            )
    return None
