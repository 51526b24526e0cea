"""Bag labels from the counter app: preview and print through Qt's print system, PDF export, auto-print.

Every output paints with :mod:`pharmacy_desk.printing` (``print_labels`` / ``preview_handler`` /
``export_pdf``: one painting function), in the paper the settings choose (58 mm, 80 mm, A4). A label
that reached a printer is recorded on the order with the ``LabelPrinted`` action (the pickup code's
audit keeps who printed it and when); a PDF is an export, not a print, and is not recorded.

- :meth:`LabelPrinting.preview`: ``QPrintPreviewDialog`` over ``preview_handler``; printing from it
  (its printer button) records the print;
- :meth:`LabelPrinting.print_order`: straight to the printer (the one chosen in the settings, else the
  system's default) or to any ``QPrinter`` given (a PDF printer in tests: the same code path);
- :meth:`LabelPrinting.auto_print`: when this PC makes an order ready and the setting says so;
- :class:`LabelSettingsDialog`: paper, printer, auto-print, the store's name on the label.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.desk.service import ActOutcome, DeskService
from pharmacy_desk.desk.settings import LabelSettings
from pharmacy_desk.domain import LabelPrinted, Order
from pharmacy_desk.printing import (
    FORMATS,
    PICK_FORMATS,
    BagLabel,
    LabelFormat,
    labels_for_order,
    paint_label,
    preview_handler,
)
from pharmacy_desk.printing import export_pdf as write_pdf
from pharmacy_desk.printing import print_labels as paint_on_printer
from pharmacy_desk.ui.async_dialog import run_dialog

SaveLabels = Callable[[LabelSettings], None]


class LabelPrinting(QObject):
    """The counter's label printer: what the settings say, for any order snapshot."""

    printed = Signal(str, object)  # order number, the LabelPrinted outcome (ActOutcome)
    message = Signal(str, bool)  # text for the status bar, True when it is a problem

    def __init__(self, service: DeskService, parent: QObject | None = None, *, save: SaveLabels | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.settings: LabelSettings = service.settings.labels
        self._save = save
        self.preview_dialog: QPrintPreviewDialog | None = None

    def set_saver(self, save: SaveLabels | None) -> None:
        self._save = save

    def apply(self, settings: LabelSettings) -> None:
        """New label settings, kept for this run and saved when a saver is set."""
        self.settings = settings
        if self._save is not None:
            self._save(settings)

    @property
    def format(self) -> LabelFormat:
        return FORMATS[self.settings.format]

    def store_name(self) -> str:
        return self.settings.store_name or self.service.settings.store

    def labels(self, order: Order, bags: int = 1) -> list[BagLabel]:
        return labels_for_order(order, self.store_name(), bags=bags, shelf_cells=self.settings.shelf_cells)

    def printer(self) -> QPrinter:
        """The printer of the settings (else the system's default), in high resolution."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.settings.printer:
            printer.setPrinterName(self.settings.printer)
        return printer

    # --- outputs ----------------------------------------------------------------------------------

    async def preview(self, order: Order, parent: QWidget | None = None, *, bags: int = 1) -> bool:
        """The print preview; True (and recorded) when the labels were printed from it."""
        printer = self.printer()
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setObjectName("labelPreview")
        dialog.setWindowTitle(self.tr("Bag label %1 — %2").replace("%1", order.number).replace("%2", self.format.title))
        dialog.paintRequested.connect(preview_handler(self.labels(order, bags), self.format))
        self.preview_dialog = dialog
        try:
            accepted = await run_dialog(dialog)
        finally:
            self.preview_dialog = None
            dialog.deleteLater()
        if accepted != QDialog.DialogCode.Accepted.value:
            return False
        await self.record(order)
        return True

    async def print_order(self, order: Order, printer: QPrinter | None = None, *, bags: int = 1) -> bool:
        """Print straight away (no dialog); True and recorded when the pages went to the printer."""
        target = printer or self.printer()
        if target.outputFormat() == QPrinter.OutputFormat.NativeFormat and not target.isValid():
            self.message.emit(
                self.tr("No printer found: the label of %1 was not printed (Ctrl+P: preview, PDF)").replace(
                    "%1", order.number
                ),
                True,
            )
            return False
        try:
            paint_on_printer(self.labels(order, bags), self.format, target)
        except (OSError, ValueError) as exc:
            self.message.emit(self.tr("The label was not printed: %1").replace("%1", str(exc)), True)
            return False
        await self.record(order)
        return True

    def export_pdf(self, order: Order, path: str | PathLike[str], *, bags: int = 1) -> int:
        """The labels as a PDF file (the printing code path on ``QPdfWriter``); its pages."""
        return write_pdf(self.labels(order, bags), self.format, path)

    def image(self, order: Order, *, dpi: int = 203) -> QImage:
        """The first label as the printer would draw it, at ``dpi`` (203: a thermal head)."""
        fmt = self.format
        width, height = round(fmt.cell_w / 25.4 * dpi), round(fmt.cell_h / 25.4 * dpi)
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        try:
            paint_label(painter, QRectF(0, 0, width, height), self.labels(order)[0], fmt)
        finally:
            painter.end()
        return image

    def has_printer(self) -> bool:
        """A printer is configured: named in the settings, or the system has a default one."""
        return bool(self.settings.printer) or not QPrinterInfo.defaultPrinter().isNull()

    async def auto_print(self, order: Order) -> bool:
        """Print when this PC just made ``order`` ready, the setting is on and a printer is configured
        (no printer: nothing is said; Ctrl+P still previews and prints to PDF)."""
        if not self.settings.auto_print or not self.has_printer():
            return False
        return await self.print_order(order)

    async def record(self, order: Order) -> ActOutcome:
        outcome = await self.service.act(order.number, LabelPrinted())
        if isinstance(outcome, Accepted):
            self.message.emit(self.tr("Label of %1 printed").replace("%1", order.number), False)
        else:
            text = getattr(outcome, "message", str(outcome))
            self.message.emit(
                self.tr("Label of %1 printed, not recorded: %2").replace("%1", order.number).replace("%2", text), True
            )
        self.printed.emit(order.number, outcome)
        return outcome


class LabelSettingsDialog(QDialog):
    """Paper format, printer, auto-print and the store's name on the label."""

    def __init__(self, settings: LabelSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelSettings")
        self.setWindowTitle(self.tr("Bag labels"))
        self.format = QComboBox(self)
        for key, fmt in FORMATS.items():
            self.format.addItem(fmt.title, key)
        self.format.setCurrentIndex(max(0, self.format.findData(settings.format)))
        self.pick_list_format = QComboBox(self)
        self.pick_list_format.setObjectName("pickListFormat")
        for key, pick_format in PICK_FORMATS.items():
            self.pick_list_format.addItem(pick_format.title, key)
        self.pick_list_format.setCurrentIndex(max(0, self.pick_list_format.findData(settings.pick_list_format)))
        self.printer = QComboBox(self)
        self.printer.addItem(self.tr("System default printer"), "")
        for name in QPrinterInfo.availablePrinterNames():
            self.printer.addItem(name, name)
        if settings.printer and self.printer.findData(settings.printer) < 0:
            self.printer.addItem(settings.printer, settings.printer)
        self.printer.setCurrentIndex(max(0, self.printer.findData(settings.printer)))
        self.auto_print = QCheckBox(self.tr("Print the label when an order is made ready on this PC"), self)
        self.auto_print.setChecked(settings.auto_print)
        self.shelf_cells = QSpinBox(self)
        self.shelf_cells.setRange(0, 999)
        self.shelf_cells.setValue(settings.shelf_cells)
        self.shelf_cells.setSpecialValueText(self.tr("no numbered cells"))
        self.shelf_cells.setToolTip(self.tr("The label prints the bag's cell in large digits (never the pickup code)"))
        self.store_name = QLineEdit(settings.store_name, self)
        self.store_name.setMaxLength(100)
        self.store_name.setPlaceholderText(self.tr("as on the sign, e.g. Аптека №12"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Paper"), self.format)
        form.addRow(self.tr("Pick list paper"), self.pick_list_format)
        form.addRow(self.tr("Printer"), self.printer)
        form.addRow(self.tr("Pharmacy name"), self.store_name)
        form.addRow(self.tr("Shelf cells"), self.shelf_cells)
        form.addRow("", self.auto_print)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def result_settings(self) -> LabelSettings:
        return LabelSettings(
            format=self.format.currentData(),  # one of FORMATS keys
            auto_print=self.auto_print.isChecked(),
            printer=str(self.printer.currentData() or ""),
            store_name=self.store_name.text().strip(),
            shelf_cells=self.shelf_cells.value(),
            pick_list_format=self.pick_list_format.currentData(),  # one of PICK_FORMATS keys
        )
