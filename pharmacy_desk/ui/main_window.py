"""The main window: the alert area, the queue and assembly screens, the status bar; it routes the desk's signals.

Wiring (all signals of :class:`~pharmacy_desk.desk.qt_bridge.DeskBridge`):

- ``bookChanged`` → the queue model (rows), the assembly screen's header, the alert area (alerts whose
  cause is gone go by themselves);
- ``ringingChanged`` → the bell (:class:`~.alerts.Alerts`) and the bold rows;
- ``alertRaised`` → the alert area, the courier call, and "put back on the shelf" when an order this PC
  is assembling is canceled, or the relay canceled a pickup order nobody collected (``no_show``);
- ``notificationChanged`` → the alert area (notifications Kuper refused);
- ``connectionChanged`` (connected) → the store's pickup hold for the queue's «Не забрали» tab, where
  F8 cancels the selected order (:meth:`MainWindow.cancel_no_show`);
- ``connectionChanged`` / ``queueChanged`` / ``queueConflict`` → the status bar.

Screen: laid out for 1366×768 first. The window opens maximized, or at the size the user left it
(``window.json`` in the desk's data directory); the alert area has a fixed height, so nothing under it
moves when alerts come and go.

Scans (:class:`~.scanner_filter.ScannerFilter`): a bag label opens its order from anywhere; any other
code goes to the open assembly screen. F2 acknowledges the ringing orders.

The hand-over screen, the order's detail and bag labels are :class:`~.order_tools.OrderTools` (``tools``):
it routes the scans meant for the hand-over (and bag labels of ready orders) before the ones above.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from pharmacy_desk.desk.alert_book import AlertGroup
from pharmacy_desk.desk.assembly import AssemblySession
from pharmacy_desk.desk.conflicts import explain
from pharmacy_desk.desk.offline_queue import QueueConflict
from pharmacy_desk.desk.order_book import AlertEvent, BookChange
from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.relay_client import Accepted, RelayError
from pharmacy_desk.desk.scanner import ScannedCode, read_code
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus
from pharmacy_desk.domain import AlertKind, Order
from pharmacy_desk.domain.bag_label import BagLabel
from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.domain.scans import ScanError
from pharmacy_desk.ui.alerts import AlertArea, Alerts, BannerKind, app_icon
from pharmacy_desk.ui.assembly_view import AssemblyView
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.diagnostics_dialog import add_help_menu
from pharmacy_desk.ui.order_tools import OrderTools
from pharmacy_desk.ui.outcome import Tone, shown
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.queue_model import TICK_MS, OrderQueueModel
from pharmacy_desk.ui.queue_view import QueueView
from pharmacy_desk.ui.register_menu import RegisterControls
from pharmacy_desk.ui.return_to_shelf import ReturnToShelfDialog, ShelfItem, items_from_alert, items_from_session
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from pharmacy_desk.ui.sounds import Sound, SoundPlayer
from pharmacy_desk.ui.status_bar import StatusBar
from pharmacy_desk.ui.store_pause import PauseControls, PauseIndicator
from pharmacy_desk.ui.tasks import spawn

BatchesFor = Callable[[Order], Awaitable[Mapping[str, Sequence[Batch]]]]
GEOMETRY_FILE = "window.json"

log = logging.getLogger("pharmacy_desk.ui")


class MainWindow(QMainWindow):
    closing = Signal()
    orderOpened = Signal(str)
    returnToShelfShown = Signal(object)

    def __init__(
        self,
        service: DeskService,
        bridge: DeskBridge,
        player: SoundPlayer,
        scanner: ScannerFilter,
        *,
        batches_for: BatchesFor | None = None,
        use_tray: bool = True,
        model_tick_ms: int | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.bridge = bridge
        self.player = player
        self.scanner = scanner
        self.batches_for = batches_for
        self._sessions: dict[str, AssemblySession] = {}
        self._returned: set[str] = set()  # no-show orders whose return-to-shelf list was shown
        self.return_dialog: ReturnToShelfDialog | None = None
        QApplication.setApplicationDisplayName(self.tr("Pharmacy desk"))  # the system adds it to the title
        title = self.tr("Kuper orders")
        if service.settings.device_name:
            title += f" — {service.settings.device_name}"
        self.setWindowTitle(title)
        self.setWindowIcon(app_icon())

        self.model = OrderQueueModel(service.book, self, tick_ms=TICK_MS if model_tick_ms is None else model_tick_ms)
        self.queue = QueueView(self.model, self)
        self.assembly = AssemblyView(service, player, self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.queue)
        self.stack.addWidget(self.assembly)
        self.banners = AlertArea(self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.banners)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.alerts = Alerts(self, self.banners, player, service.settings.sound, use_tray=use_tray)

        bridge.bookChanged.connect(self.model.apply)
        bridge.bookChanged.connect(self._book_changed)
        bridge.ringingChanged.connect(self.alerts.on_ringing)
        bridge.ringingChanged.connect(self.model.set_ringing)
        bridge.alertRaised.connect(self.alerts.on_alert)
        bridge.alertRaised.connect(self._alert)
        bridge.bookChanged.connect(self.banners.follow)
        bridge.notificationChanged.connect(self.alerts.on_notification)
        bridge.connectionChanged.connect(self.status.set_connection)
        bridge.queueChanged.connect(self.status.set_queued)
        bridge.queueConflict.connect(self._queue_conflict)
        self.status.conflictClicked.connect(self._resolve_conflict)
        self.alerts.acknowledgeRequested.connect(self.acknowledge_ringing)
        self.alerts.openOrder.connect(self.open_order)
        self.banners.openOrder.connect(self.open_order)
        self.queue.openRequested.connect(self.open_order)
        self.queue.startRequested.connect(self.start_and_open)
        self.queue.cancelNoShowRequested.connect(self.cancel_no_show)
        bridge.connectionChanged.connect(self._connected)
        self.assembly.backRequested.connect(self.show_queue)
        scanner.scanned.connect(self.on_scan)
        self._forget_key_handler = scanner.add_key_handler(self.assembly.key_handler)

        acknowledge = QShortcut(QKeySequence(Qt.Key.Key_F2), self)
        acknowledge.setContext(Qt.ShortcutContext.ApplicationShortcut)
        acknowledge.activated.connect(self.acknowledge_ringing)

        self._reconfigure: Callable[[], Awaitable[bool]] | None = None
        menu = self.menuBar().addMenu(self.tr("&Pharmacy"))  # «Аптека»: «Касса» is the register's menu
        self.connection_action = menu.addAction(self.tr("Connection settings…"))
        self.connection_action.triggered.connect(self._connection_settings)
        self.connection_action.setVisible(False)
        self.pharmacy_menu = menu
        self.tools = OrderTools(self)
        self.pause_indicator = PauseIndicator(self.status)
        self.status.addPermanentWidget(self.pause_indicator)
        self.pause_controls = PauseControls(self, service, menu)  # Аптека → «Приостановить приём заказов»
        menu.addSeparator()
        quit_action = menu.addAction(self.tr("Quit"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        bridge.pauseChanged.connect(self.pause_indicator.show_pause)
        bridge.pauseChanged.connect(self.pause_controls.show_pause)
        self.pause_controls.refused.connect(self._refuse)
        if service.pause.info is not None:
            self.pause_indicator.show_pause(service.pause.info)
        self.register_controls: RegisterControls | None = None  # the «Касса» menu and the register in the status bar
        if self.tools.handover.register is not None:
            self.register_controls = RegisterControls(
                self,
                self.tools.handover.register,
                operator=service.operator or service.settings.device_name or "Кассир",
            )
        self.diagnostics_action = add_help_menu(self, service)  # Help → About / Diagnostics…

        self.status.set_connection(service.connection)
        self.model.set_ringing(service.bell.ringing)
        self.alerts.on_ringing(service.bell.ringing)
        self.resize(1280, 720)

    # --- the window's size ------------------------------------------------------------------------

    @property
    def geometry_path(self) -> Path:
        return self.service.settings.data_path / GEOMETRY_FILE

    def show_as_left(self) -> None:
        """Show at the size the user left the window, else maximized (the store PC's whole screen)."""
        try:
            saved = json.loads(self.geometry_path.read_text(encoding="utf-8"))
            restored = self.restoreGeometry(QByteArray(base64.b64decode(saved["geometry"])))
        except (OSError, ValueError, KeyError, TypeError):
            restored = False
        if restored:
            self.show()
        else:
            self.showMaximized()

    def save_geometry(self) -> None:
        data = {"geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii")}
        try:
            self.geometry_path.parent.mkdir(parents=True, exist_ok=True)
            self.geometry_path.write_text(json.dumps(data), encoding="utf-8")
        except OSError as exc:
            log.warning("could not remember the window's size: %s", exc)

    def set_reconfigure(self, reconfigure: Callable[[], Awaitable[bool]]) -> None:
        """Enable "Connection settings…": ``reconfigure()`` runs the connection dialog, True when saved."""
        self._reconfigure = reconfigure
        self.connection_action.setVisible(True)

    @async_slot()
    async def _connection_settings(self) -> None:
        if self._reconfigure is None or not await self._reconfigure():
            return
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Connection settings"),
            self.tr("Saved. Restart the program to connect with the new settings."),
            QMessageBox.StandardButton.Ok,
            self,
        )
        await run_dialog(box)
        box.deleteLater()

    # --- screens ----------------------------------------------------------------------------------

    def show_queue(self) -> None:
        self.stack.setCurrentWidget(self.queue)
        number = self.assembly.number
        if number is not None:
            self.queue.select(number)
        self.queue.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def assembling(self) -> bool:
        return self.stack.currentWidget() is self.assembly and self.assembly.session is not None

    @async_slot(str)
    async def open_order(self, number: str) -> None:
        await self._open(number)

    @async_slot(str)
    async def start_and_open(self, number: str) -> None:
        if await self._open(number):
            await self.assembly.do_start()

    async def _open(self, number: str) -> bool:
        if number in self.service.bell.ringing:
            self.service.acknowledge(number)  # opening a ringing order is seeing it
        self.queue.select(number)
        session = self._sessions.get(number)
        if session is None:
            try:
                batches = None
                if self.batches_for is not None:
                    batches = await self.batches_for(await self.service.order_detail(number))
                session = await self.service.open_assembly(number, batches=batches)
            except RelayError as exc:
                self.status.showMessage(exc.message, 15_000)
                self.player.play(Sound.ERROR)
                return False
            self._sessions[number] = session
        if self.assembly.session is not session:
            self.assembly.show_session(session, self.service.book.get(number))
        self.stack.setCurrentWidget(self.assembly)
        self.alerts.courier_banner_done(number)
        self.orderOpened.emit(number)
        return True

    # --- scans ------------------------------------------------------------------------------------

    def on_scan(self, code: object) -> None:
        assert isinstance(code, ScannedCode)
        active = QApplication.activeWindow()
        if isinstance(active, MainWindow) and active is not self:
            return  # another main window (another store's desk in the same process) has the scanner
        if self.tools.handle_scan(code):
            return
        parsed = read_code(code)
        if isinstance(parsed, BagLabel):
            if parsed.store_key != self.service.settings.store:
                self._refuse(self.tr("This bag belongs to another store (%1)").replace("%1", parsed.store_key))
            elif parsed.number not in self.service.book:
                self._refuse(self.tr("Order %1 is not in the queue").replace("%1", parsed.number))
            elif parsed.number != self.assembly.number or not self.assembling:
                self.open_order(parsed.number)
            return
        if self.assembling:
            self.assembly.handle_scan(code)
            return
        if isinstance(parsed, ScanError):
            self._refuse(parsed.message)
        else:
            self._refuse(self.tr("Open an order to scan its packs (Enter on the order)"))

    def _refuse(self, message: str) -> None:
        self.status.showMessage(message, 10_000)
        self.player.play(Sound.ERROR)

    # --- the desk's signals -----------------------------------------------------------------------

    def acknowledge_ringing(self) -> None:
        for number in self.alerts.ringing:
            self.service.acknowledge(number)

    def _book_changed(self, change: object) -> None:
        assert isinstance(change, BookChange)
        number = self.assembly.number
        if number is None:
            return
        for summary in (*change.added, *change.changed):
            if summary.number == number:
                self.assembly.set_summary(summary)

    def _alert(self, alert: object) -> None:
        assert isinstance(alert, AlertEvent)
        number = alert.number
        if alert.kind is AlertKind.NO_SHOW and number is not None:  # the relay canceled it: put it back
            self._return_to_shelf(number, alert.message, items_from_alert(alert.lines))
            return
        if alert.kind is not AlertKind.CANCELED_DURING_ASSEMBLY or number is None:
            return
        session = self._sessions.pop(number, None)
        self.service.forget_assembly(number)  # nothing to restore: the order is gone
        if session is None:  # another PC was assembling it: tell, do not interrupt
            text = alert.message if number in alert.message else f"{number}: {alert.message}"
            self.banners.put(f"canceled:{number}", AlertGroup.CANCELED, text, number=number)
            return
        items = items_from_session(session.lines()) if session.picked else items_from_alert(alert.to_return_to_shelf)
        if self.assembly.session is session:
            self.assembly.clear()
            self.show_queue()
        self.player.play(Sound.ERROR)
        QApplication.alert(self, 0)
        dialog = ReturnToShelfDialog(number, alert.message, items, self)
        self.return_dialog = dialog
        self.returnToShelfShown.emit(dialog)
        spawn(self._show_return(dialog))

    def _return_to_shelf(self, number: str, message: str, items: list[ShelfItem]) -> None:
        if number in self._returned:  # once per order
            return
        self._returned.add(number)
        self.player.play(Sound.ERROR)
        dialog = ReturnToShelfDialog(number, message, items, self)
        self.return_dialog = dialog
        self.returnToShelfShown.emit(dialog)
        spawn(self._show_return(dialog))

    @async_slot(object)
    async def _connected(self, status: object) -> None:
        """Connected: read the store's pickup hold for the «Не забрали» tab."""
        if isinstance(status, ConnectionStatus) and status.state is ConnectionState.CONNECTED:
            await self.service.refresh_store_info()
            self.model.set_pickup_policy(self.service.pickup_policy)

    @async_slot(str)
    async def cancel_no_show(self, number: str) -> None:
        """F8 on a «Не забрали» order: cancel it with the store's slug, then the return-to-shelf list."""
        try:
            done = await self.service.cancel_no_show(number)
        except RelayError as exc:
            self.banners.show_banner(f"no_show:{number}", f"{number}: {exc.message}", BannerKind.WARN)
            return
        if done is None:
            return
        found, outcome = done
        result = shown(outcome, found.description_ru())
        if result.tone is not Tone.OK:
            self.banners.show_banner(f"no_show:{number}", f"{number}: {result.message}", BannerKind.WARN)
            return
        order = outcome.order if isinstance(outcome, Accepted) else None
        lines = order.composition if order is not None else ()
        self._return_to_shelf(number, found.description_ru(), items_from_alert(lines))

    async def _show_return(self, dialog: ReturnToShelfDialog) -> None:
        await run_dialog(dialog)
        if self.return_dialog is dialog:
            self.return_dialog = None
        dialog.deleteLater()

    def _queue_conflict(self, conflict: object) -> None:
        assert isinstance(conflict, QueueConflict)
        self.status.set_conflict(conflict)
        self.banners.put(
            f"conflict:{conflict.number}",
            AlertGroup.CONFLICT,
            explain(conflict),  # who changed the order, what changed, what to do now
            number=conflict.number,
            action=self.tr("Resolve…"),
            on_action=lambda: self._resolve_conflict(conflict),
        )
        self.player.play(Sound.ERROR)

    @async_slot(object)
    async def _resolve_conflict(self, conflict: object) -> None:
        assert isinstance(conflict, QueueConflict)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Action not sent"),
            self.tr("%1\n\nDrop the order's unsent actions and continue from its current state?").replace(
                "%1", explain(conflict)
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        answer = await run_dialog(box)
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Yes:
            await self.service.discard_queued(conflict.number)
            self.status.set_conflict(None)
            self.banners.remove(f"conflict:{conflict.number}")

    # --- closing ----------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.isVisible():
            self.save_geometry()
        self._forget_key_handler()
        if self.register_controls is not None:
            self.register_controls.monitor.cancel()
        self.alerts.close()
        self.closing.emit()
        super().closeEvent(event)
