"""Offline queue end to end: relay down → actions queued → relay up → replayed in order, a conflict reported."""

from __future__ import annotations

import asyncio

from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.conflicts import explain
from pharmacy_desk.desk.offline_queue import QueueConflict
from pharmacy_desk.desk.relay_client import Accepted, Unreachable
from pharmacy_desk.desk.service import Queued
from pharmacy_desk.desk.stream import ConnectionState
from pharmacy_desk.domain import Assembled, FinalLine, OrderState, StartAssembly, VerifyPickupCode
from tests.desk.desk_support import DeskFactory, RelayServer, marking_code
from tests.support import eventually

CODES = (marking_code("SERIALAAAAAA1"), marking_code("SERIALAAAAAA2"))


async def test_queued_while_offline_replayed_in_order_with_a_conflict(
    relay: RelayServer, desk_factory: DeskFactory
) -> None:
    gate = asyncio.Event()
    gate.set()

    async def gated_sleep(delay: float) -> None:
        await gate.wait()
        await asyncio.sleep(delay)

    a = await relay.create_order()
    b = await relay.create_order()
    c = await relay.create_order("pickup")
    desk = await desk_factory("Касса 1", sleep=gated_sleep, replay_interval=60)
    other = await desk_factory("Касса 2")
    await eventually(lambda: {a, b, c} <= set(n.number for n in desk.book.orders()))
    conflicts: list[QueueConflict] = []
    desk.queue_conflict.connect(conflicts.append)
    waiting: list[int] = []
    desk.queue_changed.connect(waiting.append)

    gate.clear()
    await relay.stop()
    await eventually(lambda: desk.connection.state is not ConnectionState.CONNECTED)

    assembled = Assembled(composition=(FinalLine(sku="100234", quantity=2, marking_codes=CODES),))
    assert isinstance(await desk.act(a, StartAssembly()), Queued)
    assert isinstance(await desk.act(b, StartAssembly()), Queued)
    assert isinstance(await desk.act(a, assembled), Queued)  # behind a's start, same seen version
    assert isinstance(await desk.act(b, assembled), Queued)
    assert isinstance(await desk.act(c, StartAssembly()), Queued)
    not_later = await desk.act(c, VerifyPickupCode(code="1234"))
    assert isinstance(not_later, Unreachable) and "требует" in not_later.message
    assert waiting[-1] == 5
    assert [item.number for item in await desk.queued()] == [a, b, a, b, c]

    await relay.start()  # same port and database; the desk still waits behind the gate
    await other.refresh()
    assert isinstance(await other.start_assembly(b), Accepted)  # Касса 2 took b meanwhile

    gate.set()
    await eventually(lambda: waiting[-1] == 0 and conflicts, timeout=10)

    # a: start then assembled, in order, the second against the version the first produced
    await eventually(lambda: desk.book.get(a).state is OrderState.ASSEMBLED)  # type: ignore[union-attr]
    assert desk.book.detail(a).composition[0].marking_codes == CODES  # type: ignore[union-attr]
    # b: conflict, reported with the relay's message; b's later action stopped with it
    [conflict] = conflicts
    assert conflict.number == b and conflict.action.action.kind == "start_assembly"
    assert conflict.code == "stale_version" and "изменился" in conflict.message
    assert [item.action.kind for item in conflict.blocked] == ["assembled"]
    assert conflict.current_order is not None and conflict.current_order.assembler.device_name == "Касса 2"  # type: ignore[union-attr]
    said = explain(conflict)  # what the pharmacist reads: who, what, what now
    assert "собирает Касса 2" in said and "«начать сборку»" in said and "верните на полку" in said
    # c continued regardless
    await eventually(lambda: desk.book.get(c).state is OrderState.COLLECTING)  # type: ignore[union-attr]
    assert [(i.number, i.status) for i in await desk.queued()] == [(b, "conflict"), (b, "conflict")]
    # a new action on b waits for the staff to look at the conflict
    blocked = await desk.act(b, StartAssembly(take_over=True))
    assert getattr(blocked, "code", None) == "queue_conflict"
    assert await desk.discard_queued(b) == 2
    assert waiting[-1] == 0


async def test_on_the_relay_s_first_answer_the_stream_reconnects_without_waiting_out_its_back_off(
    relay: RelayServer, desk_factory
) -> None:
    number = await relay.create_order()
    desk = await desk_factory("Касса 1", backoff=Backoff(initial=60.0, factor=1.0, cap=60.0, jitter=0.0))
    await eventually(lambda: number in desk.book)
    await relay.stop()
    await eventually(lambda: desk.connection.state is not ConnectionState.CONNECTED)
    assert desk.connection.retry_in == 60.0  # left alone, the stream would wait a minute
    await relay.start()
    assert isinstance(await desk.act(number, StartAssembly()), Accepted)  # the relay answers an action
    await eventually(lambda: desk.connection.state is ConnectionState.CONNECTED, timeout=5)
