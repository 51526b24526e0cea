"""Money parsing/formatting and the composition total rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from pharmacy_desk.kuper import Money, StrictMoney, composition_total, format_money, parse_money, position_total
from pharmacy_desk.kuper.totals import position_problems, total_problems


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("189.99", Decimal("189.99")),
        (" 189.99 ", Decimal("189.99")),
        (189.99, Decimal("189.99")),
        (0.1, Decimal("0.1")),
        (190, Decimal("190")),
        (Decimal("1.005"), Decimal("1.005")),
        ("1e2", Decimal("100")),
    ],
)
def test_parse_money(raw: Any, expected: Decimal) -> None:
    parsed = parse_money(raw)
    assert parsed == expected and type(parsed) is Decimal
    assert parsed.as_tuple() == expected.as_tuple() or raw == "1e2"


@pytest.mark.parametrize("raw", ["", "abc", "12,50", "NaN", "Infinity", True, None, [1], float("inf")])
def test_parse_money_refuses(raw: Any) -> None:
    with pytest.raises(ValueError, match=r"invalid money value|not a finite amount"):
        parse_money(raw)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("189.99"), "189.99"),
        (Decimal("190"), "190.00"),
        (Decimal("95.5"), "95.50"),
        (Decimal("0"), "0.00"),
        (Decimal("1E+2"), "100.00"),
        (Decimal("1.005"), "1.005"),
        (Decimal("1.500"), "1.50"),
    ],
)
def test_format_money(amount: Decimal, text: str) -> None:
    assert format_money(amount) == text


class Tolerant(BaseModel):
    amount: Money


class Strict(BaseModel):
    amount: StrictMoney


def test_money_types_in_models() -> None:
    assert Tolerant(amount=189.99).model_dump() == {"amount": Decimal("189.99")}
    assert Tolerant(amount=189.99).model_dump(mode="json") == {"amount": "189.99"}
    assert Tolerant.model_validate_json('{"amount": 189.99}').amount == Decimal("189.99")
    assert Tolerant(amount="-5").amount == Decimal("-5")
    assert Strict(amount="95.5").model_dump_json() == '{"amount":"95.50"}'
    for bad in ("-0.01", "0.001", "x"):
        with pytest.raises(ValidationError):
            Strict(amount=bad)


def test_total_rule() -> None:
    assert position_total(Decimal("189.99"), 2) == Decimal("379.98")
    assert position_total(Decimal("189.99"), 0) == Decimal("0.00")
    assert composition_total([Decimal("189.99"), Decimal("95.50")]) == Decimal("285.49")
    assert composition_total([]) == Decimal("0.00")
    assert position_problems(Decimal("199.99"), Decimal("189.99"), 2, Decimal("379.98")) == []
    assert position_problems(Decimal("199.99"), Decimal("189.99"), 2, Decimal("399.98")) != []
    assert total_problems([Decimal("1.00"), Decimal("2.00")], Decimal("3.00"), Decimal("3.00")) == []
    assert len(total_problems([Decimal("1.00")], Decimal("2.00"), Decimal("3.00"))) == 2
