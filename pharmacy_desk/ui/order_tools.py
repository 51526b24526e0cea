"""The main window's order tools: the hand-over screen, the order's detail, bag labels.

:class:`OrderTools` adds them to a :class:`~pharmacy_desk.ui.main_window.MainWindow` (one line there) and
keeps their wiring here:

- the hand-over screen (:mod:`.handover_view`) is a page of the window's screens; F11 opens it (with the
  selected or open order when it is past assembly); a bag label scanned anywhere opens an order that
  is ready in it (an order still being assembled opens in the assembly screen, as before);
- the order's detail (:mod:`.order_detail_view`): Ctrl+I;
- bag labels (:mod:`.label_printing`): Ctrl+P preview and print, Ctrl+Shift+P PDF, the label settings;
  printed on "ready" by this PC when the settings say so;
- the pick list (:mod:`.pick_list_printing`): Ctrl+L preview and print, Ctrl+Shift+L PDF — of the order
  on the screen, or of every order selected in the queue (one section each);

all in the "Order" menu. The order they act on is the one on the screen: the hand-over's, the
assembly's, else the one selected in the queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenuBar, QStackedWidget

from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.queue_rules import HANDOVER_STATES
from pharmacy_desk.desk.relay_client import Accepted, RelayError
from pharmacy_desk.desk.scanner import ScannedCode, read_code
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.domain import Order
from pharmacy_desk.domain.bag_label import BagLabel
from pharmacy_desk.ui.assembly_view import AssemblyView
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.extend_pickup import ExtendPickupDialog, extend_pickup
from pharmacy_desk.ui.handover_view import HandoverView
from pharmacy_desk.ui.label_printing import LabelPrinting, LabelSettingsDialog, SaveLabels
from pharmacy_desk.ui.order_detail_view import OrderDetailDialog
from pharmacy_desk.ui.pick_list_printing import PickListPrinting
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.queue_view import QueueView
from pharmacy_desk.ui.sounds import SoundPlayer
from pharmacy_desk.ui.status_bar import StatusBar
from pharmacy_desk.ui.tasks import spawn


class ToolsHost(Protocol):
    """What the order tools need of the main window (a protocol, so this module never imports it)."""

    service: DeskService
    player: SoundPlayer
    bridge: DeskBridge
    stack: QStackedWidget
    assembly: AssemblyView
    queue: QueueView
    status: StatusBar

    @property
    def closing(self) -> SignalInstance: ...

    def show_queue(self) -> None: ...

    def menuBar(self) -> QMenuBar: ...


class OrderTools(QObject):
    def __init__(self, window: ToolsHost, *, save_labels: SaveLabels | None = None) -> None:
        super().__init__(window.stack)
        self.window = window
        self.top = window.stack.window()  # the main window as a widget: dialogs' parent
        service = window.service
        self.handover = HandoverView(service, window.player, window.stack)
        window.stack.addWidget(self.handover)
        self.labels = LabelPrinting(service, self, save=save_labels)
        self.pick_lists = PickListPrinting(self.labels, self)
        self.detail_dialog: OrderDetailDialog | None = None

        self.handover.backRequested.connect(window.show_queue)
        window.bridge.bookChanged.connect(self.handover.on_book_changed)
        window.assembly.actionFinished.connect(self._assembly_action)
        self.labels.message.connect(self._message)
        self.pick_lists.message.connect(self._message)
        window.closing.connect(self._close_dialogs)
        window.closing.connect(self.handover.shutdown)  # its register steps end with the window

        menu = window.menuBar().addMenu(self.tr("&Order"))
        self.actions: dict[str, QAction] = {}
        for name, text, key, slot in (
            ("handover", self.tr("Hand-over"), "F11", self.show_handover),
            ("detail", self.tr("Order details and history…"), "Ctrl+I", self.show_detail),
            ("label", self.tr("Bag label: preview and print…"), "Ctrl+P", self.preview_label),
            ("pdf", self.tr("Bag label to PDF…"), "Ctrl+Shift+P", self.label_pdf),
            ("pick_list", self.tr("Pick list: preview and print…"), "Ctrl+L", self.preview_pick_list),
            ("pick_list_pdf", self.tr("Pick list to PDF…"), "Ctrl+Shift+L", self.pick_list_pdf),
            ("settings", self.tr("Label settings…"), None, self.label_settings),
            ("extend", self.tr("Extend pickup until…"), None, self.extend_pickup),
        ):
            action = menu.addAction(text)
            if key is not None:
                action.setShortcut(QKeySequence(key))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.actions[name] = action

    # --- which order ------------------------------------------------------------------------------

    @property
    def showing_handover(self) -> bool:
        return self.window.stack.currentWidget() is self.handover

    def current_number(self) -> str | None:
        """The order on the screen: the hand-over's, the assembly's, else the queue's selection."""
        current = self.window.stack.currentWidget()
        if current is self.handover:
            return self.handover.number
        if current is self.window.assembly and self.window.assembly.number is not None:
            return self.window.assembly.number
        return self.window.queue.selected_number()

    def current_numbers(self) -> list[str]:
        """The orders of a pick list: the one on the hand-over or assembly screen, else the queue's selection."""
        current = self.window.stack.currentWidget()
        if current is self.handover or current is self.window.assembly:
            number = self.current_number()
            return [number] if number is not None else []
        return self.window.queue.selected_numbers()

    def handle_scan(self, code: ScannedCode) -> bool:
        """Scans for the hand-over: all while its screen is shown, and bag labels of ready orders."""
        if self.showing_handover:
            self.handover.handle_scan(code)
            return True
        parsed = read_code(code)
        if not isinstance(parsed, BagLabel) or parsed.store_key != self.window.service.settings.store:
            return False
        summary = self.window.service.book.get(parsed.number)
        if summary is None or summary.state not in HANDOVER_STATES:
            return False
        spawn(self.open_handover(parsed.number))
        return True

    # --- the hand-over ----------------------------------------------------------------------------

    @async_slot()
    async def show_handover(self) -> None:
        number = self.current_number()
        summary = self.window.service.book.get(number) if number is not None else None
        if summary is not None and summary.state in HANDOVER_STATES and number != self.handover.number:
            await self.open_handover(summary.number)
            return
        self._show_page()

    async def open_handover(self, number: str) -> bool:
        self._show_page()
        return await self.handover.open(number)

    def _show_page(self) -> None:
        self.window.stack.setCurrentWidget(self.handover)
        self.handover.focus_input()

    # --- the order's detail -----------------------------------------------------------------------

    @async_slot()
    async def show_detail(self) -> None:
        number = self.current_number()
        if number is None:
            self._message(self.tr("Select an order first"), True)
            return
        await self.open_detail(number)

    async def open_detail(self, number: str) -> None:
        """The detail of ``number``: the open one raised if it shows that order; one of another order (or
        one still closing) gives way, so the screen never shows the previous order's products."""
        current = self.detail_dialog
        if current is not None and not current.closed:
            if current.number == number:
                current.raise_()
                return
            current.reject()  # its own open_detail ends and forgets it; this one opens the new order
        dialog = OrderDetailDialog(
            self.window.service, self.window.bridge, number, self.top, print_label=self._preview_from_detail
        )
        self.detail_dialog = dialog
        dialog.start_loading()
        try:
            await run_dialog(dialog)
        finally:
            if self.detail_dialog is dialog:  # not the newer dialog that replaced it meanwhile
                self.detail_dialog = None
            if shiboken6.isValid(dialog):
                dialog.deleteLater()

    # --- «Продлить хранение до …» ------------------------------------------------------------------

    @async_slot()
    async def extend_pickup(self) -> None:
        number = self.current_number()
        if number is None:
            self._message(self.tr("Select an order first"), True)
            return
        dialog = ExtendPickupDialog(number, self.top)
        accepted = await run_dialog(dialog)
        until = dialog.chosen()
        dialog.deleteLater()
        if accepted:
            done, message = await extend_pickup(self.window.service, number, until)
            self._message(message, not done)

    # --- labels -----------------------------------------------------------------------------------

    @async_slot()
    async def preview_label(self) -> None:
        order = await self._order(self.current_number())
        if order is not None:
            await self.labels.preview(order, self.top)

    @async_slot()
    async def label_pdf(self) -> None:
        order = await self._order(self.current_number())
        if order is None:
            return
        path = await self._pdf_path(self.tr("Save the bag label as PDF"), f"label-{order.number}.pdf")
        if path is None:
            return
        try:
            self.labels.export_pdf(order, path)
        except (OSError, ValueError) as exc:
            self._message(self.tr("The PDF was not written: %1").replace("%1", str(exc)), True)
            return
        self._message(self.tr("Label saved: %1").replace("%1", str(path)), False)

    async def _pdf_path(self, title: str, name: str) -> Path | None:
        """Where to save a PDF (the file dialog, ``name`` proposed); None when the user cancels."""
        dialog = QFileDialog(self.top, title)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.setNameFilter(self.tr("PDF files (*.pdf)"))
        dialog.selectFile(name)
        accepted = await run_dialog(dialog)
        files = dialog.selectedFiles()
        dialog.deleteLater()
        return Path(files[0]) if accepted and files else None

    @async_slot()
    async def label_settings(self) -> None:
        dialog = LabelSettingsDialog(self.labels.settings, self.top)
        accepted = await run_dialog(dialog)
        settings = dialog.result_settings()
        dialog.deleteLater()
        if accepted:
            self.labels.apply(settings)

    # --- the pick list ----------------------------------------------------------------------------

    @async_slot()
    async def preview_pick_list(self) -> None:
        await self.pick_lists.preview(self.current_numbers(), self.top)

    @async_slot()
    async def pick_list_pdf(self) -> None:
        pick_list = await self.pick_lists.fetch(self.current_numbers())
        if pick_list is None:
            return
        first = pick_list.sections[0].number
        name = f"pick-list-{first}.pdf" if len(pick_list.sections) == 1 else f"pick-list-{first}-etc.pdf"
        path = await self._pdf_path(self.tr("Save the pick list as PDF"), name)
        if path is None:
            return
        try:
            self.pick_lists.export_pdf(pick_list, path)
        except (OSError, ValueError) as exc:
            self._message(self.tr("The PDF was not written: %1").replace("%1", str(exc)), True)
            return
        self._message(self.tr("Pick list saved: %1").replace("%1", str(path)), False)

    async def _preview_from_detail(self, order: Order) -> bool:
        return await self.labels.preview(order, self.detail_dialog or self.top)

    async def _order(self, number: str | None) -> Order | None:
        if number is None:
            self._message(self.tr("Select an order first"), True)
            return None
        try:
            return await self.window.service.order_detail(number)
        except RelayError as exc:
            self._message(exc.message, True)
            return None

    def _assembly_action(self, kind: str, outcome: object) -> None:
        if kind == "ready" and isinstance(outcome, Accepted):
            spawn(self.labels.auto_print(outcome.order))

    def _close_dialogs(self) -> None:
        """The window is closing: the detail dialog goes with it (its awaiting task ends normally)."""
        if self.detail_dialog is not None and self.detail_dialog.isVisible():
            self.detail_dialog.reject()

    def _message(self, text: str, problem: bool) -> None:
        self.window.status.showMessage(text, 15_000 if problem else 8_000)
