"""The pick list (сборочный лист) from the counter app: the relay makes it, the labels' printing code prints it.

:class:`PickListPrinting` asks the relay (``GET /stores/{store}/pick-list``, :meth:`DeskService.pick_list`)
for the orders' sections, lays them out in the paper of the label settings (``pick_list_format``: 80 mm
roll or A4) and shows the print preview (``QPrintPreviewDialog`` over ``pick_list_preview_handler``,
printing from it goes to the label printer) or writes a PDF (``export_pick_list_pdf``): the same
``printing`` package, printer and settings as the bag labels (:mod:`.label_printing`). A pick list is
not recorded on the order: it says nothing the order does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

from PySide6.QtCore import QObject, Signal
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from pharmacy_desk.api.pick_list import PickList
from pharmacy_desk.desk.relay_client import RelayError
from pharmacy_desk.printing import PICK_FORMATS, PickListFormat, PickPage, export_pick_list_pdf, pick_list_pages
from pharmacy_desk.printing import pick_list_preview_handler as preview_handler
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.label_printing import LabelPrinting


class PickListPrinting(QObject):
    """Pick lists for the orders on the screen, in the labels' printer and settings."""

    message = Signal(str, bool)  # text for the status bar, True when it is a problem

    def __init__(self, labels: LabelPrinting, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.labels = labels
        self.preview_dialog: QPrintPreviewDialog | None = None
        self.last: PickList | None = None  # the pick list fetched last (what the preview shows)

    @property
    def format(self) -> PickListFormat:
        return PICK_FORMATS[self.labels.settings.pick_list_format]

    def pages(self, pick_list: PickList) -> list[PickPage]:
        return pick_list_pages(
            pick_list.sections, self.format, store_name=self.labels.store_name(), made_at=pick_list.made_at
        )

    async def fetch(self, numbers: Sequence[str]) -> PickList | None:
        """The relay's pick list of ``numbers``; None (and a message) when there is none to print."""
        if not numbers:
            self.message.emit(self.tr("Select an order first"), True)
            return None
        try:
            pick_list = await self.labels.service.pick_list(list(numbers))
        except RelayError as exc:
            self.message.emit(self.tr("No pick list: %1").replace("%1", exc.message), True)
            return None
        self.last = pick_list
        return pick_list

    async def preview(self, numbers: Sequence[str], parent: QWidget | None = None) -> bool:
        """Ctrl+L: the print preview of the orders' pick list; True when it was printed from it."""
        pick_list = await self.fetch(numbers)
        if pick_list is None:
            return False
        printer = self.labels.printer()  # kept alive while the dialog paints on it
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setObjectName("pickListPreview")
        title = self.tr("Pick list %1 — %2").replace("%1", ", ".join(s.number for s in pick_list.sections))
        dialog.setWindowTitle(title.replace("%2", self.format.title))
        dialog.paintRequested.connect(preview_handler(self.pages(pick_list), self.format))
        self.preview_dialog = dialog
        try:
            accepted = await run_dialog(dialog)
        finally:
            self.preview_dialog = None
            dialog.deleteLater()
        printed = accepted == QDialog.DialogCode.Accepted.value
        if printed:
            self.message.emit(self.tr("Pick list printed"), False)
        return printed

    def export_pdf(self, pick_list: PickList, path: str | PathLike[str]) -> int:
        """The pick list as a PDF file (the printing code path on ``QPdfWriter``); its pages."""
        return export_pick_list_pdf(pick_list.sections, self.pages(pick_list), self.format, path)
