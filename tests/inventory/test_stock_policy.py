"""What the relay does at order.created once the stock answered."""

from __future__ import annotations

from datetime import date

import pytest

from pharmacy_desk.domain.states import CancelReason
from pharmacy_desk.inventory import (
    Action,
    Coverage,
    Operation,
    OutOfStockPolicy,
    ReservationResult,
    ReservationState,
    StockUnavailable,
    UnavailableKind,
    decide_on_failure,
    decide_on_reservation,
)
from pharmacy_desk.inventory.models import BatchQuantity, LineReservation

NAMES = {"100234": "Нурофен таб. п/о 200мг №20", "100777": "Аспирин Кардио 100мг №28"}


def reserved(*lines: tuple[str, int, int], state: ReservationState = ReservationState.RESERVED) -> ReservationResult:
    return ReservationResult(
        store="apteka-12",
        order_key="o-1",
        state=state,
        lines=tuple(
            LineReservation(
                sku=sku,
                requested=asked,
                batches=(BatchQuantity(sku=sku, series="S1", expiry=date(2027, 6, 30), quantity=got),) if got else (),
            )
            for sku, asked, got in lines
        ),
    )


@pytest.mark.parametrize("policy", list(OutOfStockPolicy))
def test_everything_reserved_proceeds(policy: OutOfStockPolicy) -> None:
    decision = decide_on_reservation(reserved(("100234", 2, 2), ("100777", 1, 1)), policy)
    assert (decision.coverage, decision.action, decision.cancel_reason) == (Coverage.FULL, Action.PROCEED, None)


@pytest.mark.parametrize("policy", list(OutOfStockPolicy))
def test_a_partial_reservation_is_always_the_pharmacists_call(policy: OutOfStockPolicy) -> None:
    decision = decide_on_reservation(reserved(("100234", 2, 1), ("100777", 1, 1)), policy, names=NAMES)
    assert (decision.coverage, decision.action) == (Coverage.PARTIAL, Action.FLAG)
    assert [(s.sku, s.quantity) for s in decision.shortfalls] == [("100234", 1)]
    assert "Нурофен таб. п/о 200мг №20 — есть 1 из 2 уп." in decision.message_ru


def test_nothing_reserved_cancels_out_of_stock_when_the_store_says_so() -> None:
    decision = decide_on_reservation(reserved(("100234", 2, 0)), OutOfStockPolicy.AUTO_CANCEL)
    assert (decision.coverage, decision.action) == (Coverage.NONE, Action.CANCEL)
    assert decision.cancel_reason is CancelReason.OUT_OF_STOCK
    assert "отменён" in decision.message_ru


def test_nothing_reserved_is_flagged_otherwise() -> None:
    decision = decide_on_reservation(reserved(("100234", 2, 0)), OutOfStockPolicy.FLAG, names=NAMES)
    assert (decision.coverage, decision.action, decision.cancel_reason) == (Coverage.NONE, Action.FLAG, None)
    assert "Нурофен" in decision.message_ru


def test_an_order_without_packs_is_flagged_not_cancelled() -> None:
    decision = decide_on_reservation(reserved(("100234", 0, 0)), OutOfStockPolicy.AUTO_CANCEL)
    assert decision.action is Action.FLAG


@pytest.mark.parametrize("state", [ReservationState.RELEASED, ReservationState.COMMITTED])
def test_a_closed_reservation_needs_nothing(state: ReservationState) -> None:
    decision = decide_on_reservation(reserved(state=state), OutOfStockPolicy.AUTO_CANCEL)
    assert (decision.coverage, decision.action) == (Coverage.CLOSED, Action.IGNORE)


def test_a_failed_source_never_cancels_blind() -> None:
    error = StockUnavailable(
        UnavailableKind.TIMEOUT, Operation.RESERVE, source="1С", detail="нет ответа за 5 с", maybe_applied=True
    )
    decision = decide_on_failure(error)
    assert (decision.coverage, decision.action) == (Coverage.UNKNOWN, Action.FLAG)
    assert decision.message_ru.startswith("Резервирование товара: ошибка — 1С не ответила вовремя")
    assert "Проверьте наличие на полке" in decision.message_ru


@pytest.mark.parametrize(
    ("setting", "policy"),
    [
        ("auto_cancel_out_of_stock", OutOfStockPolicy.AUTO_CANCEL),
        ("flag", OutOfStockPolicy.FLAG),
        ("cancel", OutOfStockPolicy.AUTO_CANCEL),  # the relay configuration's names
        ("ask_staff", OutOfStockPolicy.FLAG),
    ],
)
def test_policy_names(setting: str, policy: OutOfStockPolicy) -> None:
    assert OutOfStockPolicy.parse(setting) is policy


def test_an_unknown_policy_name_is_an_error() -> None:
    with pytest.raises(ValueError):
        OutOfStockPolicy.parse("maybe")
