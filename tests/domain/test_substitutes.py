"""Substitutes by МНН, form and dose: pack arithmetic, the price cap, the policy, forbidden and short-dated stock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.domain.product import Dispensing, ProductAttributes
from pharmacy_desk.domain.substitutes import (
    Candidate,
    Replacement,
    SubstituteChoice,
    choose_substitutes,
    replacement_rule,
)

TODAY = dt.date(2026, 11, 23)
LATER = dt.date(2028, 1, 31)


def ibuprofen(pack_size: int, price: str | None, dispensing: Dispensing | None = Dispensing.OTC) -> ProductAttributes:
    return ProductAttributes(
        inn="Ибупрофен",
        form="таблетки п/о",
        dose="200 мг",
        pack_size=pack_size,
        shelf_price=Decimal(price) if price is not None else None,
        dispensing=dispensing,
    )


ORIGINAL = ibuprofen(10, "129.00")


def candidate(sku: str, attrs: ProductAttributes, *batches: Batch) -> Candidate:
    return Candidate(sku, f"товар {sku}", attrs, batches or (Batch("S1", LATER, 20),))


def choose(
    *candidates: Candidate, missing: int = 1, price: str = "129.00", policy: str | None = "call", **kw: Any
) -> SubstituteChoice:
    return choose_substitutes(
        "100236",
        ORIGINAL,
        missing,
        Decimal(price),
        candidates,
        policy=policy,
        phone="+79990001122",
        today=TODAY,
        **kw,
    )


def test_same_inn_form_dose_cheapest_first_never_above_the_original() -> None:
    big = candidate("102120", ibuprofen(50, "119.00"))  # 1 pack of 50 ≥ 10 tablets, 119 ≤ 129
    twenty = candidate("200020", ibuprofen(20, "99.00"))  # 1 pack, cheaper
    nurofen20 = candidate("100234", ibuprofen(20, "199.99"))  # more than the customer pays
    other_dose = candidate("100415", ibuprofen(20, "89.50").model_copy(update={"dose": "400 мг"}))
    other_form = candidate("300001", ibuprofen(20, "50.00").model_copy(update={"form": "капсулы"}))
    rx = candidate("300002", ibuprofen(20, "50.00", Dispensing.RX))
    unknown_rule = candidate("300003", ibuprofen(20, "50.00", None))
    no_price = candidate("300004", ibuprofen(20, None))
    choice = choose(big, twenty, nurofen20, other_dose, other_form, rx, unknown_rule, no_price)
    assert choice.rule is Replacement.CALL_FIRST and choice.phone == "+79990001122"
    assert [(o.sku, o.packs, o.units, o.total) for o in choice.offers] == [
        ("200020", 1, 20, Decimal("99.00")),
        ("102120", 1, 50, Decimal("119.00")),
    ]
    assert "119,00" in choice.offers[1].label_ru() and "в наличии 20 уп." in choice.offers[1].label_ru()


def test_case_and_spaces_do_not_matter() -> None:
    attrs = ibuprofen(10, "60.00").model_copy(update={"inn": "ибупрофен ", "form": "Таблетки  п/о"})
    assert [o.sku for o in choose(candidate("1", attrs)).offers] == ["1"]


def test_pack_arithmetic_takes_enough_packs_and_caps_their_sum() -> None:
    five = candidate("5", ibuprofen(5, "60.00"))  # 3 missing × 10 = 30 tablets = 6 packs × 60 = 360 ≤ 387
    assert [(o.packs, o.total) for o in choose(five, missing=3).offers] == [(6, Decimal("360.00"))]
    seven = candidate("7", ibuprofen(7, "60.00"))  # 30 tablets: 5 packs of 7 (35) × 60 = 300
    assert [(o.packs, o.units) for o in choose(seven, missing=3).offers] == [(5, 35)]
    dear = candidate("5", ibuprofen(5, "65.00"))  # 6 × 65 = 390 > 387
    assert choose(dear, missing=3).offers == ()


def test_expired_short_dated_and_reserved_stock_does_not_count() -> None:
    batches = (
        Batch("OLD", dt.date(2026, 11, 1), 9),  # expired
        Batch("SOON", dt.date(2026, 12, 10), 9),  # 17 days < 30
        Batch("OK", LATER, 1),
    )
    few = candidate("5", ibuprofen(5, "10.00"), *batches)  # needs 2 packs, 1 sellable
    assert choose(few, min_shelf_life_days=30).offers == ()
    assert [o.sellable for o in choose(few).offers] == [10]  # without a minimum, SOON is sellable


def test_the_policy_decides() -> None:
    big = candidate("102120", ibuprofen(50, "119.00"))
    forbidden = choose(big, policy="no_replace")
    assert (forbidden.rule, forbidden.offers, forbidden.phone) == (Replacement.FORBIDDEN, (), None)
    assert forbidden.why_none_ru is not None and "не заменять" in forbidden.why_none_ru
    allowed = choose(big, policy="replace")
    assert (allowed.rule, allowed.phone, len(allowed.offers)) == (Replacement.ALLOWED, None, 1)
    assert replacement_rule(None) is Replacement.CALL_FIRST  # nothing said: ask the customer
    assert replacement_rule(" CALL ") is Replacement.CALL_FIRST
    assert replacement_rule("remove") is Replacement.FORBIDDEN


def test_nothing_to_offer_says_why() -> None:
    assert choose(candidate("102120", ibuprofen(50, "119.00")), missing=0).offers == ()
    unknown = choose_substitutes("x", ProductAttributes(), 1, Decimal("10"), [], policy="call", today=TODAY)
    assert unknown.offers == () and "МНН" in (unknown.why_none_ru or "")
    itself = choose(candidate("100236", ibuprofen(10, "1.00")), exclude=["102120"])
    assert itself.offers == () and itself.why_none_ru


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@given(
    missing=st.integers(1, 12),
    original_pack=st.integers(1, 60),
    price=money,
    offers=st.lists(st.tuples(st.integers(1, 100), money, st.integers(0, 40)), max_size=8),
)
def test_every_offer_is_enough_affordable_and_ranked(
    missing: int, original_pack: int, price: Decimal, offers: list[tuple[int, Decimal, int]]
) -> None:
    original = ibuprofen(original_pack, str(price))
    candidates = [
        Candidate(str(i), "x", ibuprofen(size, str(shelf)), (Batch("S", LATER, quantity),))
        for i, (size, shelf, quantity) in enumerate(offers)
    ]
    choice = choose_substitutes("o", original, missing, price, candidates, policy="replace", today=TODAY)
    totals = [o.total for o in choice.offers]
    assert totals == sorted(totals)
    for offer in choice.offers:
        size = offer.candidate.attributes.pack_size
        assert size is not None
        assert offer.units == offer.packs * size >= missing * original_pack  # the quantity, at least
        assert (offer.packs - 1) * size < missing * original_pack  # no pack more than needed
        assert offer.total <= price * missing  # never above what the customer pays
        assert offer.packs <= offer.sellable
    qualifying = {
        str(i)
        for i, (size, shelf, quantity) in enumerate(offers)
        if -(-missing * original_pack // size) * shelf <= price * missing
        and quantity >= -(-missing * original_pack // size)
    }
    assert {o.sku for o in choice.offers} == qualifying
