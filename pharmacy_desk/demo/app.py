"""``pharmacy-desk --demo``: the real counter app against an embedded relay and a simulated Kuper.

:func:`run_demo` starts the Qt application like :func:`pharmacy_desk.ui.app.run` does (large font,
Russian, the scanner filter, the qasync loop, the error hooks, clean quit on SIGTERM / SIGINT), then the
:class:`~.environment.DemoEnvironment` (relay, fake Kuper, order generator, sample stock), then the
counter app connected to it (:func:`open_demo_desk`: the same :class:`~pharmacy_desk.desk.service.DeskService`
and :class:`~pharmacy_desk.ui.main_window.MainWindow` as in a pharmacy, plus the virtual scanner dock).
Nothing is read from or written to the user's settings or keyring: the device token lives in memory.

Closing the window stops the desk, then the environment (the temporary directory goes with it).
``exit_after`` closes the window by itself after that many seconds (a test hook for headless runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from pharmacy_desk.demo.environment import DemoEnvironment, DemoSettings
from pharmacy_desk.demo.virtual_scanner import VirtualScanner
from pharmacy_desk.desk.alert_book import AlertGroup
from pharmacy_desk.desk.order_book import BookChange
from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings, LabelSettings
from pharmacy_desk.fiscal.settings import FiscalKind, FiscalSettings
from pharmacy_desk.ui.app import AppRun, run_app
from pharmacy_desk.ui.main_window import MainWindow
from pharmacy_desk.ui.order_tools import OrderTools
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from pharmacy_desk.ui.sounds import SoundPlayer, make_player
from pharmacy_desk.ui.tasks import cancel_pending, spawn

log = logging.getLogger("pharmacy_desk.demo")

DEMO_BANNER = "demo"
DOCK_WIDTH = 300
_NOISY_LOGGERS = ("pharmacy_desk.relay.http", "httpx", "uvicorn.error", "alembic")


@dataclass
class DemoDesk:
    env: DemoEnvironment
    service: DeskService
    bridge: DeskBridge
    window: MainWindow
    tools: OrderTools
    scanner: VirtualScanner
    player: SoundPlayer


def demo_settings(env: DemoEnvironment) -> DeskSettings:
    assert env.workdir is not None
    return DeskSettings(
        relay_url=env.relay_url,
        store=env.store,
        device_name=env.settings.device_name,
        data_dir=env.workdir / "desk",
        request_timeout_seconds=10,
        stream_idle_timeout_seconds=30,
        labels=LabelSettings(store_name=env.settings.store_name),
        fiscal=FiscalSettings(kind=FiscalKind.ATOL, url=env.register_url, permit_url=env.register_url),
    )


@contextlib.asynccontextmanager
async def open_demo_desk(
    env: DemoEnvironment,
    scanner_filter: ScannerFilter,
    *,
    player: SoundPlayer | None = None,
    operator: str | None = None,
    use_tray: bool = True,
) -> AsyncIterator[DemoDesk]:
    """The counter app on the demo's relay, with the virtual scanner docked on the right."""
    settings = demo_settings(env)
    service = DeskService(
        settings,
        env.token,
        operator=operator,
        catalogue=env.catalogue.gtins(),
        marked_skus=sorted(env.catalogue.marked_skus()),
    )
    player = player or make_player(settings.sound)
    await service.start()
    bridge = DeskBridge(service)
    window = MainWindow(service, bridge, player, scanner_filter, batches_for=env.batches_for, use_tray=use_tray)
    tools = window.tools

    def code_field() -> QWidget | None:
        return tools.handover.code if tools.showing_handover else None

    dock = VirtualScanner(
        env.catalogue,
        lambda number: service.order_detail(number),
        window,
        customer_code=env.customer_code,
        code_field=code_field,
    )
    window.setWindowTitle(window.windowTitle() + " — " + dock.demo_title())
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)  # a share of the screen, not extra width
    window.orderOpened.connect(dock.show_order)
    tools.handover.orderShown.connect(dock.show_order)
    window.queue.table.selectionModel().currentRowChanged.connect(
        lambda *_: _list_selected(window, dock) if window.stack.currentWidget() is window.queue else None
    )
    bridge.bookChanged.connect(lambda change: _follow(change, dock))
    window.banners.put(DEMO_BANNER, AlertGroup.INFO, dock.demo_banner())
    desk = DemoDesk(env, service, bridge, window, tools, dock, player)
    try:
        yield desk
    finally:
        window.close()
        await service.stop()
        player.close()
        await cancel_pending()
        window.deleteLater()
        bridge.deleteLater()


def _list_selected(window: MainWindow, dock: VirtualScanner) -> None:
    number = window.queue.selected_number()
    if number is not None and (dock.order is None or dock.order.number != number):
        dock.show_order(number)


def _follow(change: object, dock: VirtualScanner) -> None:
    """The listed order moved on (assembled, code issued...): list it again."""
    assert isinstance(change, BookChange)
    order = dock.order
    if order is None:
        return
    for summary in (*change.added, *change.changed):
        if summary.number == order.number and summary.version > order.version:
            spawn(dock.list_order(order.number))


async def run_demo_desk(
    env: DemoEnvironment,
    scanner_filter: ScannerFilter,
    *,
    closed: asyncio.Event,
    exit_after: float | None = None,
    operator: str | None = None,
) -> int:
    async with open_demo_desk(env, scanner_filter, operator=operator) as desk:
        desk.window.closing.connect(closed.set)
        desk.window.showMaximized()
        if exit_after is not None:
            QTimer.singleShot(round(exit_after * 1000), desk.window.close)
        print(
            f"pharmacy-desk demo: relay {env.relay_url}, store {env.store}, fake Kuper {env.kuper_url}, "
            f"register {env.register_url}; "
            "close the window to stop",
            flush=True,
        )
        await closed.wait()
    return 0


def run_demo(
    argv: Sequence[str],
    *,
    settings: DemoSettings | None = None,
    exit_after: float | None = None,
    lang: str | None = None,
    operator: str | None = None,
) -> int:
    """``pharmacy-desk --demo``: the demo environment and the counter app, through the app's own runner."""
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    async def program(run: AppRun) -> int:
        async with DemoEnvironment(settings) as env:
            run.running = True
            return await run_demo_desk(env, run.scanner, closed=run.closed, exit_after=exit_after, operator=operator)

    return run_app(argv, program, lang=lang, what="the demo")
