"""Substitutes by МНН: what the pharmacist may offer instead of a line the shelf cannot fill.

A pharmacist substitutes by МНН (international non-proprietary name), dosage form and dose. For a
line short by ``missing`` packs of a product of ``pack_size`` units, a candidate product qualifies when:

- its ``inn``, ``form`` and ``dose`` equal the original's (compared without case and extra spaces;
  each must be known on both sides, and so must both pack sizes);
- it may be sold remotely: its ``dispensing`` is ``otc`` — *said* by the source, since a substitute is
  the pharmacy's own suggestion (an unknown rule is never offered);
- it has a shelf price, and ``packs × shelf_price`` is not above what the customer pays for the missing
  packs (``missing × the line's unit price``): a substitute never costs the customer more;
- enough of it is sellable (not expired, not short-dated by the store's minimum, not reserved) for
  the packs it takes: ``packs = ceil(missing × pack_size / its pack_size)`` (any pack size that gives
  at least the ordered number of units).

Offers are ranked cheapest first (the total), then fewer extra units, then the SKU. Whether any is
offered depends on the order's ``replacementPolicy`` (:func:`replacement_rule`): one that forbids
replacement offers none; ``call`` (and a missing or unknown value) means the customer is called
first, so the screen shows the phone before the offers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pharmacy_desk.domain.fefo import Batch, is_sellable
from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.product import Dispensing, ProductAttributes


class Replacement(StrEnum):
    """What the order's ``replacementPolicy`` lets the pharmacist do with a missing line."""

    ALLOWED = "allowed"  # substitute without asking
    CALL_FIRST = "call_first"  # call the customer and substitute only with their consent
    FORBIDDEN = "forbidden"  # never substitute: the line is given short


POLICY_CALL = "call"
POLICIES_ALLOWED = frozenset({"replace", "replace_without_call", "auto"})
POLICIES_FORBIDDEN = frozenset({"no_replace", "do_not_replace", "not_replace", "remove", "cancel", "none"})
"""``replacementPolicy`` values (ASSUMED, docs/kuper-protocol.md §2): ``call`` is the simulator's."""


def replacement_rule(policy: str | None) -> Replacement:
    """How an order's ``replacementPolicy`` is read; a missing or unknown value: call first."""
    value = (policy or "").strip().lower()
    if value in POLICIES_FORBIDDEN:
        return Replacement.FORBIDDEN
    if value in POLICIES_ALLOWED:
        return Replacement.ALLOWED
    return Replacement.CALL_FIRST


FORBIDDEN_BY_POLICY_RU = "покупатель просил не заменять товары: замена не предлагается"


def same_text(a: str | None, b: str | None) -> bool:
    """Equal ignoring case and runs of spaces (both known)."""
    if a is None or b is None:
        return False
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def same_inn_form_dose(attributes: ProductAttributes, inn: str | None, form: str | None, dose: str | None) -> bool:
    """The product has this МНН, form and dose (each known; :func:`same_text`)."""
    return same_text(attributes.inn, inn) and same_text(attributes.form, form) and same_text(attributes.dose, dose)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A product the stock has with the same МНН / form / dose, and its batches (free packs)."""

    sku: str
    name: str
    attributes: ProductAttributes
    batches: tuple[Batch, ...] = ()
    gtins: tuple[str, ...] = ()
    marked: bool = False


@dataclass(frozen=True, slots=True)
class Offer:
    """Give ``packs`` packs of ``candidate`` instead of the missing ones, at ``unit_price`` each."""

    candidate: Candidate
    packs: int
    units: int  # units (tablets, doses…) the packs hold
    unit_price: Decimal  # the shelf price of one pack
    sellable: int  # packs of it that may be given out today

    @property
    def sku(self) -> str:
        return self.candidate.sku

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.packs

    def label_ru(self) -> str:
        """One line for the pharmacist: name, packs × price = total, what the shelf has."""
        return (
            f"{self.candidate.name}: {self.packs} уп. × {rubles(self.unit_price)} = {rubles(self.total)}"
            f" ({self.units} шт.; в наличии {self.sellable} уп.)"
        )


@dataclass(frozen=True, slots=True)
class SubstituteChoice:
    """The offers for one short line (cheapest first) and what the policy says."""

    rule: Replacement
    offers: tuple[Offer, ...] = ()
    phone: str | None = None  # the customer's phone, to call first (``call_first``)
    why_none_ru: str | None = None  # when nothing is offered: why (Russian)


def sellable_packs(batches: Iterable[Batch], today: dt.date, min_shelf_life_days: int) -> int:
    return sum(b.quantity for b in batches if b.quantity > 0 and is_sellable(b.expiry, today, min_shelf_life_days))


def offer_for(
    original: ProductAttributes,
    missing: int,
    unit_price: Decimal,
    candidate: Candidate,
    *,
    today: dt.date,
    min_shelf_life_days: int,
) -> Offer | None:
    """The offer ``candidate`` makes for ``missing`` packs of ``original``, or None when it may not."""
    attrs = candidate.attributes
    if missing <= 0 or original.pack_size is None or attrs.pack_size is None:
        return None
    if not same_inn_form_dose(attrs, original.inn, original.form, original.dose):
        return None
    if attrs.dispensing is not Dispensing.OTC or attrs.shelf_price is None:
        return None
    units = missing * original.pack_size
    packs = -(-units // attrs.pack_size)
    if attrs.shelf_price * packs > unit_price * missing:
        return None
    sellable = sellable_packs(candidate.batches, today, min_shelf_life_days)
    if sellable < packs:
        return None
    return Offer(candidate, packs, packs * attrs.pack_size, attrs.shelf_price, sellable)


def choose_substitutes(
    original_sku: str,
    original: ProductAttributes,
    missing: int,
    unit_price: Decimal,
    candidates: Iterable[Candidate],
    *,
    policy: str | None,
    phone: str | None = None,
    today: dt.date,
    min_shelf_life_days: int = 0,
    exclude: Iterable[str] = (),
) -> SubstituteChoice:
    """The substitutes to offer for a line of ``original_sku`` short by ``missing`` packs.

    ``unit_price`` is what the customer pays for one pack of the original; ``exclude`` are SKUs that
    cannot be offered (the order's own lines).
    """
    rule = replacement_rule(policy)
    if rule is Replacement.FORBIDDEN:
        return SubstituteChoice(rule, why_none_ru=FORBIDDEN_BY_POLICY_RU)
    call = phone if rule is Replacement.CALL_FIRST else None
    if missing <= 0:
        return SubstituteChoice(rule, phone=call, why_none_ru="позиция собрана полностью")
    if None in (original.inn, original.form, original.dose, original.pack_size):
        return SubstituteChoice(rule, phone=call, why_none_ru="у товара не указаны МНН, форма, дозировка или фасовка")
    skip = {original_sku, *exclude}
    offers = [
        offer
        for candidate in candidates
        if candidate.sku not in skip
        and (
            offer := offer_for(
                original, missing, unit_price, candidate, today=today, min_shelf_life_days=min_shelf_life_days
            )
        )
        is not None
    ]
    offers.sort(key=lambda o: (o.total, o.units, o.sku))
    why = None if offers else "нет товаров с тем же МНН, формой и дозировкой в наличии не дороже заказанного"
    return SubstituteChoice(rule, tuple(offers), phone=call, why_none_ru=why)
