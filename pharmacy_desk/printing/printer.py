"""Printing and print preview through ``QPrinter`` (QtPrintSupport, shipped in PySide6-Essentials).

The pages are painted by :func:`~pharmacy_desk.printing.render.paint_pages`, the code path of
:func:`~pharmacy_desk.printing.render.export_pdf`. A print preview in the UI::

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, fmt)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.paintRequested.connect(preview_handler(labels, fmt))
    dialog.exec()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrinter

from pharmacy_desk.printing.label import BagLabel
from pharmacy_desk.printing.layout import LabelFormat
from pharmacy_desk.printing.render import page_layout, paint_pages

__all__ = ["prepare_paper", "prepare_printer", "preview_handler", "print_labels"]

log = logging.getLogger(__name__)


def prepare_printer(printer: QPrinter, fmt: LabelFormat) -> bool:
    """Set the paper of ``fmt`` and paint from the paper's corner; False when the driver refused the size.

    A refused size is logged and printing goes on with the printer's paper: the labels keep their
    size in mm, so a too small paper cuts them.
    """
    return prepare_paper(printer, page_layout(fmt))


def prepare_paper(printer: QPrinter, layout: QPageLayout) -> bool:
    """Set the page ``layout`` on ``printer`` (full page); False (logged) when the driver refused it."""
    printer.setFullPage(True)
    accepted = printer.setPageLayout(layout)
    if not accepted:
        log.warning("printer %r refused the page layout %s", printer.printerName(), layout.pageSize().name())
    return accepted


def print_labels(labels: Sequence[BagLabel], fmt: LabelFormat, printer: QPrinter) -> int:
    """Print ``labels`` on ``printer`` in ``fmt``; return the number of pages."""
    prepare_printer(printer, fmt)
    return paint_pages(printer, labels, fmt)


def preview_handler(labels: Sequence[BagLabel], fmt: LabelFormat) -> Callable[[QPrinter], None]:
    """A slot for ``QPrintPreviewDialog.paintRequested`` / ``QPrintPreviewWidget.paintRequested``."""
    frozen = tuple(labels)

    def paint(printer: QPrinter) -> None:
        print_labels(frozen, fmt, printer)

    return paint
