"""Painting pick lists with the labels' painting code: :class:`~.render.Canvas` (mm → pixels, text fitted
to its box), :func:`~.render.paper_layout` and :func:`~.render.pdf_writer`.

- :func:`paint_pick_list` paints the pages of :func:`~.pick_list.paginate` on any paged device;
- :func:`export_pick_list_pdf` writes them through ``QPdfWriter``;
- :func:`print_pick_list` / :func:`pick_list_preview_handler` put them on a ``QPrinter`` (and the print
  preview through it), like :func:`~.printer.print_labels`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from os import PathLike

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPagedPaintDevice, QPageLayout, QPainter, QPen
from PySide6.QtPrintSupport import QPrinter

from pharmacy_desk.domain.pick_list import PickSection
from pharmacy_desk.printing.layout import Box
from pharmacy_desk.printing.pick_list import PickListFormat, PickPage, PickRow
from pharmacy_desk.printing.printer import prepare_paper
from pharmacy_desk.printing.render import BLACK, WHITE, Canvas, paper_layout, pdf_writer

__all__ = [
    "export_pick_list_pdf",
    "paint_pick_list",
    "pick_list_layout",
    "pick_list_preview_handler",
    "print_pick_list",
]

_Align = Qt.AlignmentFlag
_ALIGN = {
    "left": _Align.AlignLeft | _Align.AlignVCenter,
    "right": _Align.AlignRight | _Align.AlignVCenter,
    "center": _Align.AlignCenter,
}


def pick_list_layout(pages: Sequence[PickPage], fmt: PickListFormat) -> QPageLayout:
    """The paper of ``pages``: A4, or the roll's width and the list's length."""
    return paper_layout(fmt.page_w, pages[0].height, fmt.title)


def _pen(canvas: Canvas, width_mm: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(BLACK)
    pen.setWidthF(width_mm * canvas.scale)
    pen.setStyle(style)
    return pen


def _paint_row(canvas: Canvas, y: float, row: PickRow, fmt: PickListFormat) -> None:
    painter = canvas.painter
    color = BLACK
    if row.band:
        painter.fillRect(canvas.box(Box(0, y, fmt.width, row.height)), BLACK)
        color = WHITE
    if row.rule:
        style = Qt.PenStyle.DashLine if row.rule == "dashed" else Qt.PenStyle.SolidLine
        painter.setPen(_pen(canvas, 0.25, style))
        middle = canvas.box(Box(0, y + row.height / 2, fmt.width, 0))
        painter.drawLine(QLineF(middle.left(), middle.top(), middle.right(), middle.top()))
    if row.box is not None:
        box = canvas.box(Box(row.box.x, y + row.box.y, row.box.w, row.box.h))
        painter.setPen(_pen(canvas, 0.3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box)
        if row.crossed:
            painter.drawLine(QLineF(box.topLeft(), box.bottomRight()))
            painter.drawLine(QLineF(box.topRight(), box.bottomLeft()))
    for text in row.texts:
        rect = canvas.box(Box(text.x, y, text.w, row.height))
        canvas.text(rect, text.text, text.size, bold=text.bold, align=_ALIGN[text.align], color=color)


def paint_pick_list(device: QPagedPaintDevice, pages: Sequence[PickPage], fmt: PickListFormat) -> int:
    """Paint ``pages`` on ``device`` (its page layout already set, origin at the paper's corner)."""
    if not pages:
        raise ValueError("no pick list to print")
    scale = device.logicalDpiX() / 25.4
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot start painting on the printer or PDF file")
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        for index, page in enumerate(pages):
            if index:
                device.newPage()
            painter.fillRect(QRectF(0, 0, fmt.page_w * scale, page.height * scale), WHITE)
            canvas = Canvas(painter, QPointF(fmt.pad_x * scale, 0), scale)
            for y, row in page.rows:
                _paint_row(canvas, y, row, fmt)
    finally:
        painter.end()
    return len(pages)


def _title(sections: Sequence[PickSection]) -> str:
    return "Сборочный лист: " + ", ".join(section.number for section in sections)


def export_pick_list_pdf(
    sections: Sequence[PickSection], pages: Sequence[PickPage], fmt: PickListFormat, path: str | PathLike[str]
) -> int:
    """Write the pick list's ``pages`` to a PDF at ``path``; its pages."""
    writer = pdf_writer(path, pick_list_layout(pages, fmt), _title(sections))
    return paint_pick_list(writer, pages, fmt)


def print_pick_list(pages: Sequence[PickPage], fmt: PickListFormat, printer: QPrinter) -> int:
    """Print the pick list's ``pages`` on ``printer``; its pages."""
    prepare_paper(printer, pick_list_layout(pages, fmt))
    return paint_pick_list(printer, pages, fmt)


def pick_list_preview_handler(pages: Sequence[PickPage], fmt: PickListFormat) -> Callable[[QPrinter], None]:
    """A slot for ``QPrintPreviewDialog.paintRequested``."""
    frozen = tuple(pages)

    def paint(printer: QPrinter) -> None:
        print_pick_list(frozen, fmt, printer)

    return paint
