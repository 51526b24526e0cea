"""The 1C adapter when 1C is slow, down, refuses, or answers garbage: a clear error, nothing lost."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from pharmacy_desk.inventory import Operation, ReservationState, StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.embedded import StockRow
from pharmacy_desk.inventory.onec import OneCStock
from pharmacy_desk.inventory.onec.stub import Fault, OneCStub
from tests.inventory.inventory_support import line, onec_settings, shelf_life
from tests.support import free_port

TIMEOUT = 0.3  # the adapter's deadline in these tests
SLOW = 0.8  # how long a slow 1C takes


@dataclass
class OneC:
    stub: OneCStub
    url: str
    store: str
    source: OneCStock

    def fault(self, operation: str, fault: Fault | None) -> None:
        self.stub.fault(self.store, operation, fault)

    def reserved(self, sku: str) -> dict[str, int]:
        return {k[1]: b.reserved for k, b in self.stub.one_c.batches[self.store].items() if k[0] == sku}


@pytest.fixture
async def onec(onec_stub: tuple[OneCStub, str], sample_rows: list[StockRow], store: str) -> AsyncIterator[OneC]:
    stub, url = onec_stub
    stub.load(store, sample_rows)
    source = OneCStock(onec_settings(url, timeout_seconds=TIMEOUT), shelf_life(store))
    yield OneC(stub, url, store, source)
    await source.aclose()


async def test_a_slow_1c_times_out_and_the_retry_finds_the_reservation_it_made(onec: OneC) -> None:
    onec.fault("reserve", Fault(delay=SLOW, times=1))

    with pytest.raises(StockUnavailable) as caught:
        await onec.source.reserve(onec.store, "order-1", [line("100234", 7)])

    error = caught.value
    assert (error.kind, error.operation, error.maybe_applied) == (UnavailableKind.TIMEOUT, Operation.RESERVE, True)
    assert error.message_ru == (
        "Резервирование товара: ошибка — 1С не ответила вовремя (нет ответа за 0,3 с). "
        "Операция могла пройти: она будет повторена, проверьте остатки."
    )
    # 1C did reserve; the repeat (idempotent) returns that reservation instead of reserving again.
    again = await onec.source.reserve(onec.store, "order-1", [line("100234", 7)])
    assert again.replayed and again.reserved == 7
    assert onec.reserved("100234") == {"NF2409A": 0, "NF2501B": 0, "NF2503C": 5, "NF2506D": 2}


async def test_a_slow_release_is_repeated_safely(onec: OneC) -> None:
    await onec.source.reserve(onec.store, "order-1", [line("100234", 3)])
    onec.fault("release", Fault(delay=SLOW, times=1))

    with pytest.raises(StockUnavailable) as caught:
        await onec.source.release(onec.store, "order-1")
    assert caught.value.kind is UnavailableKind.TIMEOUT and caught.value.maybe_applied

    again = await onec.source.release(onec.store, "order-1")
    assert again.state is ReservationState.RELEASED and again.replayed
    assert sum(onec.reserved("100234").values()) == 0


async def test_a_slow_stock_read_is_a_timeout_that_changed_nothing(onec: OneC) -> None:
    onec.fault("stock", Fault(delay=SLOW, times=1))

    with pytest.raises(StockUnavailable) as caught:
        await onec.source.stock(onec.store, ["100234"])

    assert (caught.value.kind, caught.value.maybe_applied) == (UnavailableKind.TIMEOUT, False)
    assert caught.value.message_ru.startswith("Проверка остатков: ошибка — 1С не ответила вовремя")


async def test_1c_down_is_connection_refused(store: str) -> None:
    source = OneCStock(onec_settings(f"http://127.0.0.1:{free_port()}", timeout_seconds=TIMEOUT), shelf_life(store))
    try:
        with pytest.raises(StockUnavailable) as caught:
            await source.reserve(store, "order-1", [line("100234", 1)])
    finally:
        await source.aclose()

    error = caught.value
    assert (error.kind, error.maybe_applied) == (UnavailableKind.DOWN, False)
    assert error.message_ru.startswith("Резервирование товара: ошибка — 1С недоступна (нет соединения с")
    assert error.message_ru.endswith("Остатки не изменены.")


GARBAGE = [
    pytest.param(
        Fault(body="<html><body>Ошибка сервера 1С</body></html>".encode(), content_type="text/html"), id="html"
    ),
    pytest.param(Fault(body=b'{"store": "x", "order_key": "order-1", "state": "reserved", "lines": "all"'), id="cut"),
    pytest.param(Fault(body=b"[1, 2, 3]"), id="list"),
    pytest.param(Fault(body=b'{"store": "x", "order_key": "order-1", "state": "maybe"}'), id="unknown-state"),
]


@pytest.mark.parametrize("fault", GARBAGE)
async def test_garbage_is_a_clear_error_and_nothing_is_lost(onec: OneC, fault: Fault) -> None:
    fault.times = 1
    onec.fault("reserve", fault)

    with pytest.raises(StockUnavailable) as caught:
        await onec.source.reserve(onec.store, "order-1", [line("100234", 2)])

    assert (caught.value.kind, caught.value.maybe_applied) == (UnavailableKind.BAD_ANSWER, True)
    assert "1С ответила непонятно" in caught.value.message_ru
    again = await onec.source.reserve(onec.store, "order-1", [line("100234", 2)])
    assert again.replayed and again.reserved == 2
    assert sum(onec.reserved("100234").values()) == 2


def reservation_body(store: str, key: str, series: str, expiry: str, quantity: int) -> bytes:
    batches = [{"series": series, "expiry": expiry, "quantity": quantity}]
    body = {
        "store": store,
        "order_key": key,
        "state": "reserved",
        "lines": [{"sku": "100234", "requested": 2, "batches": batches}],
    }
    return json.dumps(body).encode()


async def test_an_answer_about_another_order_is_not_believed(onec: OneC) -> None:
    onec.fault("reserve", Fault(body=reservation_body(onec.store, "order-2", "NF2503C", "2027-06-30", 2), times=1))

    with pytest.raises(StockUnavailable, match="ответ о другом заказе"):
        await onec.source.reserve(onec.store, "order-1", [line("100234", 2)])


async def test_a_reservation_breaking_the_shelf_life_rule_is_not_believed(onec: OneC) -> None:
    onec.fault("reserve", Fault(body=reservation_body(onec.store, "order-1", "NF2501B", "2026-12-10", 2), apply=False))

    with pytest.raises(StockUnavailable, match="с малым сроком годности") as caught:
        await onec.source.reserve(onec.store, "order-1", [line("100234", 2)])
    assert caught.value.maybe_applied


async def test_more_packs_than_asked_is_not_believed(onec: OneC) -> None:
    onec.fault("reserve", Fault(body=reservation_body(onec.store, "order-1", "NF2503C", "2027-06-30", 3), apply=False))

    with pytest.raises(StockUnavailable, match=re.escape("зарезервировано 3 уп. при заказанных 2")):
        await onec.source.reserve(onec.store, "order-1", [line("100234", 2)])


async def test_a_sale_1c_recorded_differently_is_not_believed(onec: OneC) -> None:
    body: dict[str, object] = {
        "store": onec.store,
        "order_key": "order-1",
        "state": "committed",
        "sold": [],
        "document": None,
    }
    onec.fault("commit", Fault(body=json.dumps(body).encode(), apply=False))

    with pytest.raises(StockUnavailable, match=re.escape("продано 1 уп., 1С записала 0")):
        await onec.source.commit(onec.store, "order-1", [line("100234", 1)])


async def test_a_1c_error_is_shown_with_its_message(onec: OneC) -> None:
    error = {"error": {"code": "lock_timeout", "message": "Конфликт блокировок при выполнении транзакции"}}
    onec.fault("commit", Fault(status=500, body=json.dumps(error, ensure_ascii=False).encode(), apply=False))

    with pytest.raises(StockUnavailable) as caught:
        await onec.source.commit(onec.store, "order-1", [line("100234", 1)])

    assert (caught.value.kind, caught.value.maybe_applied) == (UnavailableKind.REFUSED, True)
    assert "1С вернула ошибку (HTTP 500: Конфликт блокировок при выполнении транзакции)" in caught.value.message_ru


async def test_an_unknown_store_is_refused_by_1c(onec: OneC) -> None:
    with pytest.raises(StockUnavailable) as caught:
        await onec.source.reserve("apteka-99", "order-1", [line("100234", 1)])

    assert (caught.value.kind, caught.value.maybe_applied) == (UnavailableKind.REFUSED, False)
    assert "HTTP 404: Аптека «apteka-99» не сопоставлена складу 1С" in caught.value.message_ru


async def test_a_wrong_password_is_an_auth_error(onec: OneC) -> None:
    source = OneCStock(onec_settings(onec.url, password="wrong", timeout_seconds=TIMEOUT), shelf_life(onec.store))
    try:
        with pytest.raises(StockUnavailable) as caught:
            await source.stock(onec.store, ["100234"])
    finally:
        await source.aclose()
    assert caught.value.kind is UnavailableKind.AUTH
    assert "1С отклонила логин или пароль" in caught.value.message_ru


async def test_the_adapter_sends_what_the_contract_says(onec: OneC) -> None:
    before = len(onec.stub.calls)
    marked = line("100777", 1).model_copy(update={"marking_codes": ("0104601503122075215ABCDEFGHIJK\x1d91EE06",)})
    await onec.source.reserve(onec.store, "order-1", [line("100234", 2), line("100234", 1), marked])
    await onec.source.commit(onec.store, "order-1", [line("100234", 3), marked])

    (op1, reserve), (op2, commit) = onec.stub.calls[before:]
    assert (op1, op2) == ("reserve", "commit")
    assert reserve == {
        "store": onec.store,
        "order_key": "order-1",
        "lines": [{"sku": "100234", "quantity": 3}, {"sku": "100777", "quantity": 1}],
        "min_expiry": "2026-12-23",
        "today": "2026-11-23",
    }
    assert commit["lines"] == [
        {"sku": "100234", "quantity": 3, "marking_codes": []},
        {"sku": "100777", "quantity": 1, "marking_codes": ["0104601503122075215ABCDEFGHIJK\x1d91EE06"]},
    ]


async def test_a_sale_names_the_1c_document(onec: OneC) -> None:
    await onec.source.reserve(onec.store, "order-1", [line("100234", 1)])
    sale = await onec.source.commit(onec.store, "order-1", [line("100234", 1)])
    assert sale.document is not None and sale.document.startswith("ЧекККМ 0000-")
