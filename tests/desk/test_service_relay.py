"""DeskService against a real relay on loopback: snapshot, live events, actions, two PCs."""

from __future__ import annotations

from pathlib import Path

from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.desk.order_book import AlertEvent, BookChange
from pharmacy_desk.desk.relay_client import Accepted, Refused, RelayClient
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus
from pharmacy_desk.domain import AlertKind, Assembled, FinalLine, OrderState, Ready, StartAssembly, VerifyPickupCode
from pharmacy_desk.domain.keyboard_layout import us_to_ru
from tests.desk.desk_support import GS, NUROFEN_GTIN, NUROFEN_SKU, DeskFactory, RelayServer, marking_code
from tests.support import eventually


async def test_orders_before_and_after_start_reach_the_book(relay: RelayServer, desk_factory: DeskFactory) -> None:
    before = await relay.create_order()
    desk = await desk_factory()
    await eventually(lambda: before in desk.book)
    assert desk.connection.state is ConnectionState.CONNECTED

    changes: list[BookChange] = []
    alerts: list[AlertEvent] = []
    desk.book_changed.connect(changes.append)
    desk.alerts.connect(alerts.append)
    after = await relay.create_order("pickup")
    await eventually(lambda: after in desk.book and alerts)

    summary = desk.book.get(after)
    assert summary is not None and summary.state is OrderState.NEW
    assert [c.added[0].number for c in changes if c.added] == [after]
    assert alerts[0].kind is AlertKind.NEW_ORDER and alerts[0].number == after
    assert desk.bell.ringing == {before, after}
    assert desk.snapshots == 1


async def test_canceled_during_assembly_alert_lists_the_lines_to_return(
    relay: RelayServer, desk_factory: DeskFactory
) -> None:
    uuid = "retailer-slug:00000000-0000-0000-0000-000000000001"
    number = await relay.create_order(order_uuid=uuid)
    desk = await desk_factory()
    await eventually(lambda: number in desk.book)
    assert isinstance(await desk.start_assembly(number), Accepted)
    assert desk.bell.ringing == frozenset()

    alerts: list[AlertEvent] = []
    desk.alerts.connect(alerts.append)
    await relay.event("order_canceled", uuid)
    await eventually(lambda: any(a.kind is AlertKind.CANCELED_DURING_ASSEMBLY for a in alerts))
    alert = next(a for a in alerts if a.kind is AlertKind.CANCELED_DURING_ASSEMBLY)
    assert alert.number == number
    assert [(line.sku, line.quantity) for line in alert.to_return_to_shelf] == [("100234", 2)]
    await eventually(lambda: desk.book.get(number).state is OrderState.CANCELED)  # type: ignore[union-attr]


async def test_second_pc_cannot_take_an_order_the_first_assembles(
    relay: RelayServer, desk_factory: DeskFactory
) -> None:
    number = await relay.create_order()
    first = await desk_factory("Касса 1", operator="Иванова")
    second = await desk_factory("Касса 2")
    await eventually(lambda: number in first.book and number in second.book)

    assert isinstance(await first.start_assembly(number), Accepted)
    await eventually(lambda: second.book.get(number).state is OrderState.COLLECTING)  # type: ignore[union-attr]
    refused = await second.start_assembly(number)
    assert isinstance(refused, Refused)
    assert refused.code == "claimed_by_other"
    assert "Касса 1" in refused.message and "Иванова" in refused.message
    summary = second.book.get(number)
    assert summary is not None and summary.assembler is not None and summary.assembler.device_name == "Касса 1"


async def test_test_connection_tells_the_three_problems_apart(relay: RelayServer) -> None:
    token = await relay.device()
    other_store_token = await relay.device("Касса А7", store="apteka-7")
    cases = {
        "ok": RelayClient(relay.base_url, "apteka-12", token),
        "token_invalid": RelayClient(relay.base_url, "apteka-12", "not-a-token"),
        "other_store": RelayClient(relay.base_url, "apteka-12", other_store_token),
        "unreachable": RelayClient("http://127.0.0.1:9", "apteka-12", token, timeout=2),
        "token_missing": RelayClient(relay.base_url, "apteka-12", ""),
    }
    for expected, client in cases.items():
        async with client:
            check = await client.test_connection()
        assert (check.problem or "ok") == expected, (expected, check)
        assert check.message
    async with RelayClient(relay.base_url + "/nothing-here", "apteka-12", token) as lost:
        assert (await lost.test_connection()).problem == "not_a_relay"


async def test_connection_states_reach_the_status_bar(relay: RelayServer, desk_factory: DeskFactory) -> None:
    desk = await desk_factory(start=False)
    states: list[ConnectionStatus] = []
    desk.connection_changed.connect(states.append)
    await desk.start()
    await eventually(lambda: desk.connection.state is ConnectionState.CONNECTED)
    assert [s.state for s in states][:2] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    assert states[-1].message == "На связи"


async def test_assembling_at_the_counter_end_to_end(relay: RelayServer, desk_factory: DeskFactory) -> None:
    first_order = await relay.create_order()
    second_order = await relay.create_order()
    catalogue = {NUROFEN_GTIN: NUROFEN_SKU}
    first = await desk_factory("Касса 1", catalogue=catalogue)
    second = await desk_factory("Касса 2", catalogue=catalogue)
    await eventually(lambda: second_order in first.book and second_order in second.book)

    assert isinstance(await first.start_assembly(first_order), Accepted)
    session = await first.open_assembly(first_order)
    code_1, code_2 = marking_code("SERIALE2E0001"), marking_code("SERIALE2E0002")
    assert session.scan(us_to_ru(code_1.replace(GS, ""))).ok  # Russian layout, GS lost
    assert session.scan(code_2).ok
    done = await first.act(first_order, session.assembled_action())
    assert isinstance(done, Accepted) and done.order.state is OrderState.ASSEMBLED
    assert done.order.composition[0].marking_codes == (code_1, code_2)

    # Касса 2 learns the packs of Касса 1's order through the stream (and a detail fetch) ...
    await eventually(lambda: second.book.code_owner(code_1) == first_order)
    assert isinstance(await second.start_assembly(second_order), Accepted)
    other = await second.open_assembly(second_order)
    refused = other.scan(code_1)
    assert (refused.code, refused.other_order) == (FeedbackCode.IN_OTHER_ORDER, first_order)
    # ... and the relay refuses the same pack too, should a stale PC try
    stale_pc = Assembled(composition=(FinalLine(sku=NUROFEN_SKU, quantity=1, marking_codes=(code_1,)),))
    relay_says = await second.act(second_order, stale_pc)
    assert isinstance(relay_says, Refused) and relay_says.code == "marking_in_other_order"


async def test_a_pc_past_its_code_check_budget_gets_a_refusal_to_show(tmp_path: Path) -> None:
    relay = RelayServer(f"sqlite+aiosqlite:///{tmp_path / 'budget.sqlite3'}", pickup_attempts={"device_failures": 1})
    await relay.start()
    try:
        number = await relay.create_order("pickup")
        token = await relay.device()
        async with RelayClient(relay.base_url, "apteka-12", token) as client:
            version = (await client.get_order(number)).order.version
            started = await client.post_action(number, StartAssembly(), expected_version=version, idempotency_key="a")
            assert isinstance(started, Accepted)
            lines = tuple(FinalLine(sku=line.sku, quantity=line.ordered_quantity) for line in started.order.ordered)
            done = await client.post_action(
                number, Assembled(composition=lines), expected_version=started.order.version, idempotency_key="b"
            )
            assert isinstance(done, Accepted)
            ready = await client.post_action(number, Ready(), expected_version=done.order.version, idempotency_key="c")
            assert isinstance(ready, Accepted)
            wrong = await client.post_action(
                number, VerifyPickupCode(code="99999999"), expected_version=ready.order.version, idempotency_key="d"
            )
            assert isinstance(wrong, Refused) and wrong.code == "code_wrong"
            version = (await client.get_order(number)).order.version
            stopped = await client.post_action(
                number, VerifyPickupCode(code="1234"), expected_version=version, idempotency_key="e"
            )
        assert isinstance(stopped, Refused) and stopped.code == "too_many_attempts"
        assert "Касса 1" in stopped.message
    finally:
        await relay.stop()
