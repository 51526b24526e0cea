"""Helpers for the UI tests: a recording sound player, keystrokes as a scanner or a person types them,
awaiting Qt signals on the qasync loop, counter PCs (service + window) on a live relay.

The relay and its webhooks come from :mod:`tests.desk.desk_support`; waiting and the in-memory keyring
from :mod:`tests.support`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, SignalInstance
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings, SoundSettings
from pharmacy_desk.desk.stream import ConnectionState
from pharmacy_desk.domain import Order
from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.fiscal.settings import FiscalKind, FiscalSettings
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.serving import serve
from pharmacy_desk.ui.key_buttons import KeyButton
from pharmacy_desk.ui.main_window import MainWindow
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from pharmacy_desk.ui.sounds import Sound
from pharmacy_desk.ui.tasks import cancel_pending
from tests.desk.desk_support import STORE, RelayServer
from tests.support import eventually

GS = "\x1d"
CRYPTO = "VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
NUROFEN_SKU = "100234"
NUROFEN_GTIN = "04607143560598"
ASPIRIN_SKU = "200100"
ASPIRIN_EAN = "4600000000008"
OTHER_GTIN = "04600000000015"  # a product the store knows, in no test order
OTHER_SKU = "999001"
CATALOGUE = {NUROFEN_GTIN: NUROFEN_SKU, ASPIRIN_EAN: ASPIRIN_SKU, OTHER_GTIN: OTHER_SKU}

TODAY = dt.date.today()
BATCHES: dict[str, list[Batch]] = {
    NUROFEN_SKU: [
        # one pack left of the first series: 2 packs are planned from two series, so the first scanned pack's
        # series is a question (either is possible) and the second one's is not (only N-1111's pack is left)
        Batch("N-1111", TODAY + dt.timedelta(days=200), 1, gtin=NUROFEN_GTIN, location="A3"),
        Batch("N-2222", TODAY + dt.timedelta(days=400), 5, gtin=NUROFEN_GTIN, location="A4"),
    ],
    ASPIRIN_SKU: [Batch("AS-77", TODAY + dt.timedelta(days=300), 9, location="B1")],
}


def pack(serial: str, *, gtin: str = NUROFEN_GTIN, expiry: str | None = None, gs: str = GS) -> str:
    """A marking code as a scanner reads it: 01 GTIN 21 serial [17 expiry] GS 91 key GS 92 crypto."""
    assert len(serial) == 13
    expiry_part = f"{gs}17{expiry}" if expiry else ""
    return f"01{gtin}21{serial}{expiry_part}{gs}91EE06{gs}92{CRYPTO}"


@dataclass
class RecordingPlayer:
    played: list[Sound] = field(default_factory=list)

    def play(self, sound: Sound) -> None:
        self.played.append(sound)

    def close(self) -> None:
        return None

    def count(self, sound: Sound) -> int:
        return self.played.count(sound)


@dataclass
class Desk:
    service: DeskService
    bridge: DeskBridge
    window: MainWindow
    player: RecordingPlayer

    @property
    def number_rows(self) -> list[str]:
        return self.window.model.numbers()


async def signal_once(signal: SignalInstance, timeout: float = 8.0) -> tuple[Any, ...]:
    """The arguments of the next emission of ``signal`` (``qtbot.waitSignal`` for async tests)."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def fire(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(fire)
    try:
        async with asyncio.timeout(timeout):
            return await future
    finally:
        signal.disconnect(fire)


def _target(window: QWidget | None = None) -> QObject:
    widget = QApplication.focusWidget()
    if widget is None and window is not None:
        widget = window.focusWidget() or window
    assert widget is not None, "no widget to type into"
    return widget


_BURST_STEP = 0.004  # seconds between a scanner's keystrokes, as stamped on its events


class _Stamp:
    """Event times (ms) as a wedge scanner's keyboard driver stamps them: a burst stays a burst even
    when the test process is descheduled between two events (the filter reads these times first)."""

    def __init__(self) -> None:
        self.at = time.monotonic()

    def ms(self) -> int:
        return int(self.at * 1000)


def _send(
    target: QObject, kind: QEvent.Type, key: int, text: str, mods: Qt.KeyboardModifier, stamp: _Stamp | None = None
) -> None:
    event = QKeyEvent(kind, key, mods, text)
    if stamp is not None:
        event.setTimestamp(stamp.ms())
    QApplication.sendEvent(target, event)


def _key_of(char: str) -> int:
    if char.isascii() and char.isalnum():
        return ord(char.upper())
    return Qt.Key.Key_unknown.value


async def type_keys(text: str, *, window: QWidget | None = None, gap: float = 0.0, end: str | None = "enter") -> None:
    """Key presses and releases for ``text`` into the focused widget, ``gap`` seconds apart.

    ``gap=0``: a scanner's burst. Capitals come with Shift, GS with Ctrl (as wedge scanners send them).
    ``end``: ``"enter"``, ``"tab"`` or None.
    """
    target = _target(window)
    no_mods = Qt.KeyboardModifier.NoModifier
    stamp = _Stamp()
    for char in text:
        if char == GS:
            _send(
                target, QEvent.Type.KeyPress, Qt.Key.Key_Control.value, "", Qt.KeyboardModifier.ControlModifier, stamp
            )
            mods = Qt.KeyboardModifier.ControlModifier
            _send(target, QEvent.Type.KeyPress, Qt.Key.Key_BracketRight.value, GS, mods, stamp)
            _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_BracketRight.value, GS, mods, stamp)
            _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_Control.value, "", no_mods, stamp)
        elif char.isupper():
            shift = Qt.KeyboardModifier.ShiftModifier
            _send(target, QEvent.Type.KeyPress, Qt.Key.Key_Shift.value, "", shift, stamp)
            _send(target, QEvent.Type.KeyPress, _key_of(char), char, shift, stamp)
            _send(target, QEvent.Type.KeyRelease, _key_of(char), char, shift, stamp)
            _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_Shift.value, "", no_mods, stamp)
        else:
            _send(target, QEvent.Type.KeyPress, _key_of(char), char, no_mods, stamp)
            _send(target, QEvent.Type.KeyRelease, _key_of(char), char, no_mods, stamp)
        if gap:
            await asyncio.sleep(gap)
            stamp = _Stamp()
        else:
            stamp.at += _BURST_STEP
    if end is not None:
        key = Qt.Key.Key_Return if end == "enter" else Qt.Key.Key_Tab
        text_of_key = "\r" if end == "enter" else "\t"
        _send(target, QEvent.Type.KeyPress, key.value, text_of_key, no_mods, stamp)
        _send(target, QEvent.Type.KeyRelease, key.value, text_of_key, no_mods, stamp)


async def activate(window: QWidget) -> None:
    window.show()
    window.activateWindow()
    await eventually(lambda: QApplication.activeWindow() is window)


async def press(window: QWidget, key: Qt.Key) -> None:
    """A function key through Qt's shortcut machinery (the window is activated first)."""
    await activate(window)
    target = QApplication.focusWidget() or window
    QTest.keyClick(target, key)


async def _batches_for(order: Order) -> Mapping[str, Sequence[Batch]]:
    return {line.sku: BATCHES[line.sku] for line in order.ordered if line.sku in BATCHES}


def outside(window: QWidget) -> list[str]:
    """Visible children of ``window`` that do not lie wholly inside it."""
    bounds = QRect(0, 0, window.width(), window.height())
    found = []
    for child in window.findChildren(QWidget):
        if child.isWindow() or not child.isVisibleTo(window) or child.width() <= 0 or child.height() <= 0:
            continue
        rect = QRect(child.mapTo(window, QPoint(0, 0)), child.size())
        if not bounds.contains(rect):
            found.append(f"{type(child).__name__}#{child.objectName()} at {rect.getRect()}")
    return found


def cut_keys(window: QWidget) -> list[str]:
    return [b.key for b in window.findChildren(KeyButton) if b.isVisibleTo(window) and b.key_elided]


async def settle() -> None:
    """Let Qt lay the widgets out (the qasync loop processes Qt's events while it sleeps)."""
    for _ in range(3):
        await asyncio.sleep(0.03)


def check_fits(window: QWidget, size: tuple[int, int]) -> None:
    """``window`` keeps ``size``, no visible child lies outside it, no key button has its key cut."""
    assert (window.width(), window.height()) == size, "the window was forced to another size"
    assert outside(window) == []
    assert cut_keys(window) == []


FAST_BACKOFF = Backoff(initial=0.05, factor=2.0, cap=0.3, jitter=0.5)


class Live:
    """A relay on 127.0.0.1 and counter PCs (service + window) on it; ``async with`` stops everything."""

    def __init__(self, tmp_path: Path, scanner: ScannerFilter) -> None:
        self.tmp_path = tmp_path
        self.scanner = scanner
        self.relay = RelayServer(f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}")
        self.desks: list[Desk] = []
        self.register = AtolSimulator()  # the counter PCs' simulated cash register (ATOL Web Server + ЛМ ЧЗ)
        self.register_url = ""
        self._register_server: Any = None

    async def __aenter__(self) -> Live:
        await self.relay.start()
        self._register_server = serve(self.register.app)
        self.register_url = await self._register_server.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for desk in reversed(self.desks):
            desk.window.close()
            await desk.service.stop()
            desk.window.deleteLater()
            desk.bridge.deleteLater()
        await cancel_pending()
        await self.relay.stop()
        if self._register_server is not None:
            await self._register_server.__aexit__(None, None, None)

    async def open_desk(
        self,
        name: str = "Касса 1",
        *,
        operator: str | None = None,
        data_dir: Path | None = None,
        token: str | None = None,
        **kwargs: Any,
    ) -> Desk:
        """A counter PC; ``data_dir`` and ``token`` of an earlier one: that PC started again."""
        token = token or await self.relay.device(name)
        settings = DeskSettings(
            relay_url=self.relay.base_url,
            store=STORE,
            device_name=name,
            data_dir=data_dir or self.tmp_path / f"desk-{len(self.desks)}",
            request_timeout_seconds=3,
            stream_idle_timeout_seconds=3,
            sound=SoundSettings(new_order_repeat_seconds=30),
            fiscal=FiscalSettings(
                kind=FiscalKind.ATOL, url=self.register_url, permit_url=self.register_url, receipt_timeout_seconds=5
            ),
        )
        kwargs.setdefault("backoff", FAST_BACKOFF)
        kwargs.setdefault("replay_interval", 0.5)
        kwargs.setdefault("catalogue", CATALOGUE)
        kwargs.setdefault("marked_skus", (NUROFEN_SKU,))
        service = DeskService(settings, token, operator=operator, **kwargs)
        await service.start()
        player = RecordingPlayer()
        bridge = DeskBridge(service)
        window = MainWindow(service, bridge, player, self.scanner, batches_for=_batches_for)
        window.show()
        desk = Desk(service, bridge, window, player)
        self.desks.append(desk)
        await eventually(lambda: service.connection.state is ConnectionState.CONNECTED)
        return desk
