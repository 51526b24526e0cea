"""The Qt adapter: each service hook arrives as a signal (no relay needed: the hooks are emitted directly)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytestqt.qtbot import QtBot

from pharmacy_desk.desk.order_book import AlertEvent, BookChange
from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus
from pharmacy_desk.domain import AlertKind
from tests.desk.book_support import summary


def test_hooks_become_signals(qtbot: QtBot, tmp_path: Path) -> None:
    service = DeskService(DeskSettings(relay_url="http://127.0.0.1:9", store="apteka-12", data_dir=tmp_path), "t")
    bridge = DeskBridge(service)

    with qtbot.waitSignal(bridge.bookChanged) as book, qtbot.waitSignal(bridge.ringingChanged) as ringing:
        service.book.apply_summary(summary("A12-000001"))
    assert isinstance(book.args[0], BookChange) and book.args[0].added[0].number == "A12-000001"
    assert ringing.args == [frozenset({"A12-000001"})]

    alert = AlertEvent(AlertKind.COURIER_ARRIVED, "courier_arrived", "Курьер прибыл", number="A12-000001")
    with qtbot.waitSignal(bridge.alertRaised) as raised:
        service.alerts.emit(alert)
    assert raised.args == [alert]

    status = ConnectionStatus(ConnectionState.OFFLINE, "Нет связи")
    with qtbot.waitSignal(bridge.connectionChanged) as connection, qtbot.waitSignal(bridge.queueChanged) as queue:
        service.connection_changed.emit(status)
        service.queue_changed.emit(3)
    assert connection.args == [status] and queue.args == [3]

    bridge.detach()
    with qtbot.assertNotEmitted(bridge.queueChanged):
        service.queue_changed.emit(4)
    assert len(service.queue_changed) == 0
    asyncio.run(service.client.aclose())


def test_destroying_the_bridge_disconnects_it(qtbot: QtBot, tmp_path: Path) -> None:
    service = DeskService(DeskSettings(relay_url="http://127.0.0.1:9", store="apteka-12", data_dir=tmp_path), "t")
    before = len(service.book_changed)
    bridge = DeskBridge(service)
    assert len(service.book_changed) == before + 1
    with qtbot.waitSignal(bridge.destroyed):
        bridge.deleteLater()
    assert len(service.book_changed) == before
    service.book.apply_summary(summary("A12-000002"))  # nothing to deliver to: no error
    asyncio.run(service.client.aclose())
