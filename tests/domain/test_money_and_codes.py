"""Money parsing and pickup code generation."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desk.domain.money import MoneyError, money_str, rubles, to_money
from pharmacy_desk.domain.pickup_codes import CodeSpaceExhausted, generate_pickup_code


@pytest.mark.parametrize(
    ("raw", "expected"), [("189.99", "189.99"), ("189.9", "189.90"), (199, "199.00"), (Decimal("0.005"), "0.01")]
)
def test_money_parses_to_kopecks(raw: object, expected: str) -> None:
    assert money_str(to_money(raw)) == expected


@pytest.mark.parametrize("raw", [189.99, True, "abc", "-1", "NaN", "Infinity", None, [1]])
def test_money_refuses_floats_and_junk(raw: object) -> None:
    with pytest.raises(MoneyError):
        to_money(raw)


def test_rubles_for_the_screen() -> None:
    assert rubles(Decimal("1234.5")) == "1\u00a0234,50\u00a0₽"


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_money_string_round_trips(amount: Decimal) -> None:
    assert to_money(money_str(to_money(amount))) == to_money(amount)


def test_codes_are_digits_of_the_asked_length() -> None:
    for length in (4, 6):
        code = generate_pickup_code(set(), length=length)
        assert code.isdigit() and len(code) == length


def test_a_crowded_store_still_gets_a_free_code() -> None:
    class Stuck(random.SystemRandom):
        def randrange(self, *args: object, **kwargs: object) -> int:
            return 42  # always the same, taken code: forces the fallback

    taken = {f"{n:04d}" for n in range(10_000)} - {"9876"}
    assert generate_pickup_code(taken, rng=Stuck()) == "9876"
    with pytest.raises(CodeSpaceExhausted):
        generate_pickup_code(taken | {"9876"})
