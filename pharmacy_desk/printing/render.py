"""Painting labels: :func:`paint_label` is the one function every output uses.

- :func:`export_pdf` paints through ``QPdfWriter``;
- :func:`pharmacy_desk.printing.printer.print_labels` paints the same pages on a ``QPrinter``
  (and the print preview through it);
- an on-screen preview may call :func:`paint_label` on a widget or a ``QImage``.

Coordinates: the painter works in device pixels (no transform); sizes in mm come from
:mod:`.layout` and are turned into pixels with the cell's size, so barcodes can snap to whole
pixels (see :mod:`.barcodes`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from PySide6.QtCore import QLineF, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from pharmacy_desk.printing.barcodes import draw_code128, draw_qr
from pharmacy_desk.printing.fonts import label_font
from pharmacy_desk.printing.label import BagLabel
from pharmacy_desk.printing.layout import LINE, Box, LabelFormat, label_geometry

__all__ = ["PDF_DPI", "Canvas", "export_pdf", "page_layout", "paint_label", "paint_pages", "paper_layout", "pdf_writer"]

log = logging.getLogger(__name__)

PDF_DPI = 1200
BLACK = QColor(0, 0, 0)
WHITE = QColor(255, 255, 255)
MIN_FIT = 0.85  # text may shrink to 85 % of its size to fit (still ≥ 2.5 mm), then it is elided

_Align = Qt.AlignmentFlag
_LEFT = _Align.AlignLeft | _Align.AlignVCenter
_RIGHT = _Align.AlignRight | _Align.AlignVCenter
_CENTER = _Align.AlignCenter


class Canvas:
    """mm → device pixels from an origin, and text drawn to fit its box (labels and pick lists)."""

    def __init__(self, painter: QPainter, origin: QPointF, scale: float) -> None:
        self.painter = painter
        self.origin = origin
        self.scale = scale  # px per mm

    @classmethod
    def for_cell(cls, painter: QPainter, rect: QRectF, fmt: LabelFormat) -> Canvas:
        """The canvas of one label cell painted into ``rect``."""
        return cls(painter, rect.topLeft(), min(rect.width() / fmt.cell_w, rect.height() / fmt.cell_h))

    def box(self, box: Box) -> QRectF:
        s = self.scale
        return QRectF(self.origin.x() + box.x * s, self.origin.y() + box.y * s, box.w * s, box.h * s)

    def text(
        self,
        box: QRectF,
        text: str,
        size_mm: float,
        *,
        bold: bool = False,
        align: Qt.AlignmentFlag = _LEFT,
        color: QColor = BLACK,
        min_fit: float = MIN_FIT,
    ) -> None:
        """Draw one line of ``text`` in ``box``: shrunk (to ``min_fit`` of its size) and then elided to fit.

        ``min_fit=0`` shrinks as far as needed and never elides: for what must be read whole.
        """
        px = size_mm * self.scale
        font = label_font(round(px), bold=bold)
        width = QFontMetricsF(font).horizontalAdvance(text)
        if width > box.width():
            font = label_font(math.floor(max(px * min_fit, px * box.width() / width)), bold=bold)
            while not min_fit and font.pixelSize() > 1 and QFontMetricsF(font).horizontalAdvance(text) > box.width():
                font = label_font(font.pixelSize() - 1, bold=bold)  # advances are not exactly linear
            if QFontMetricsF(font).horizontalAdvance(text) > box.width():
                text = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, box.width())
        self.painter.setFont(font)
        self.painter.setPen(color)
        self.painter.drawText(box, int(align), text)


def paint_label(painter: QPainter, rect: QRectF, label: BagLabel, fmt: LabelFormat) -> None:
    """Paint ``label`` into ``rect`` (device pixels): one cell of ``fmt``, its padding included."""
    canvas = Canvas.for_cell(painter, rect, fmt)
    geo = label_geometry(fmt, len(label.details), storage=bool(label.storage_text))
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.fillRect(rect, WHITE)
        canvas.text(canvas.box(geo.store), label.store_name, fmt.body)
        canvas.text(canvas.box(geo.number), label.number, fmt.heading, bold=True, align=_CENTER, min_fit=0)
        draw_code128(painter, canvas.box(geo.barcode), label.number)
        _banner(canvas, canvas.box(geo.banner), label, fmt)
        if geo.storage is not None:
            _storage(canvas, canvas.box(geo.storage), label, fmt)
        draw_qr(painter, canvas.box(geo.qr), label.qr_payload)
        _figure(canvas, canvas.box(geo.figure), label, fmt)
        for box, line in zip(geo.details, label.details, strict=True):
            canvas.text(canvas.box(box), line, fmt.body)
    finally:
        painter.restore()


def _banner(canvas: Canvas, box: QRectF, label: BagLabel, fmt: LabelFormat) -> None:
    """The flow in white on black across the label, the bag number at its right."""
    canvas.painter.fillRect(box, BLACK)
    inner = box.adjusted(1.5 * canvas.scale, 0, -1.5 * canvas.scale, 0)
    if label.bag_text:  # at most 40 % of the banner: the flow comes first
        bag_font = label_font(round(fmt.banner * canvas.scale), bold=True)
        natural = QFontMetricsF(bag_font).horizontalAdvance(label.bag_text)
        bag_w = min(natural, inner.width() * 0.4)
        bag_box = QRectF(inner.right() - bag_w, inner.top(), bag_w, inner.height())
        canvas.text(bag_box, label.bag_text, fmt.banner, bold=True, align=_RIGHT, color=WHITE, min_fit=0)
        inner = inner.adjusted(0, 0, -(bag_w + 2 * canvas.scale), 0)
    canvas.text(inner, label.flow_text.upper(), fmt.banner, bold=True, color=WHITE, min_fit=0)


def _storage(canvas: Canvas, box: QRectF, label: BagLabel, fmt: LabelFormat) -> None:
    """The cold-chain condition, bold black in a thick frame: it must not be taken for the flow banner."""
    pen = QPen(BLACK)
    pen.setWidthF(0.8 * canvas.scale)
    canvas.painter.save()
    canvas.painter.setPen(pen)
    half = pen.widthF() / 2
    canvas.painter.drawRect(box.adjusted(half, half, -half, -half))
    canvas.painter.restore()
    inner = box.adjusted(1.2 * canvas.scale, 0, -1.2 * canvas.scale, 0)
    canvas.text(inner, label.storage_text, fmt.banner * 1.1, bold=True, align=_CENTER, min_fit=0)


def _figure(canvas: Canvas, box: QRectF, label: BagLabel, fmt: LabelFormat) -> None:
    """Right of the QR: the shelf cell in large digits, else the number's tail (pickup) or the due time
    (delivery). Never the pickup code (see :mod:`pharmacy_desk.printing.label`)."""
    note = ""
    if label.shelf_cell is not None:
        caption, figure = "ЯЧЕЙКА", label.shelf_cell
        note = f"срок {label.due_short}" if not label.is_pickup else ""
    elif label.is_pickup:
        caption, figure = "ЗАКАЗ", label.number_tail
    else:
        caption, figure = "СРОК", label.due_short
    line = fmt.body * LINE * canvas.scale
    canvas.text(QRectF(box.left(), box.top(), box.width(), line), caption, fmt.body, bold=True)
    rest = QRectF(box.left(), box.top() + line, box.width(), box.height() - line * (2 if note else 1))
    size = min(fmt.figure, rest.height() / canvas.scale * 0.8)
    canvas.text(rest, figure, size, bold=True, min_fit=0)
    if note:
        canvas.text(QRectF(box.left(), rest.bottom(), box.width(), line), note, fmt.body)


def _cut_lines(painter: QPainter, fmt: LabelFormat, scale: float) -> None:
    """Dashed lines between the cells of a sheet, to cut the labels apart."""
    pen = QPen(QColor(150, 150, 150))
    pen.setWidthF(0.2 * scale)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.save()
    painter.setPen(pen)
    for col in range(1, fmt.columns):
        x = col * fmt.cell_w * scale
        painter.drawLine(QLineF(x, 0, x, fmt.page_h * scale))
    for row in range(1, fmt.rows):
        y = row * fmt.cell_h * scale
        painter.drawLine(QLineF(0, y, fmt.page_w * scale, y))
    painter.restore()


def paper_layout(width: float, height: float, title: str) -> QPageLayout:
    """A portrait page of ``width`` × ``height`` mm (A4 by its id), margins zero: the content pads itself."""
    if width == 210 and height == 297:
        size = QPageSize(QPageSize.PageSizeId.A4)
    else:
        size = QPageSize(QSizeF(width, height), QPageSize.Unit.Millimeter, title, QPageSize.SizeMatchPolicy.ExactMatch)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def page_layout(fmt: LabelFormat) -> QPageLayout:
    """The page of ``fmt``, margins zero: the labels' padding is the margin."""
    return paper_layout(fmt.page_w, fmt.page_h, fmt.title)


def paint_pages(device: QPagedPaintDevice, labels: Sequence[BagLabel], fmt: LabelFormat) -> int:
    """Paint ``labels`` on ``device`` (page layout already set, origin at the paper's corner); return pages."""
    if not labels:
        raise ValueError("no labels to print")
    scale = device.logicalDpiX() / 25.4  # device pixels per mm
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot start painting on the printer or PDF file")
    pages = 0
    try:
        for index, label in enumerate(labels):
            if index % fmt.per_page == 0:
                if index:
                    device.newPage()
                pages += 1
            cell = fmt.cell(index)
            paint_label(painter, QRectF(cell.x * scale, cell.y * scale, cell.w * scale, cell.h * scale), label, fmt)
            last_on_page = index + 1 == len(labels) or (index + 1) % fmt.per_page == 0
            if fmt.cut_lines and last_on_page:
                _cut_lines(painter, fmt, scale)
    finally:
        painter.end()
    return pages


def export_pdf(
    labels: Sequence[BagLabel], fmt: LabelFormat, path: str | PathLike[str], *, resolution: int = PDF_DPI
) -> int:
    """Write ``labels`` to a PDF at ``path`` (the printing code path, on QPdfWriter); return pages."""
    title = "Этикетки: " + ", ".join(dict.fromkeys(label.number for label in labels))
    writer = pdf_writer(path, page_layout(fmt), title, resolution=resolution)
    return paint_pages(writer, labels, fmt)


def pdf_writer(path: str | PathLike[str], layout: QPageLayout, title: str, *, resolution: int = PDF_DPI) -> QPdfWriter:
    """A PDF writer at ``path`` with the page ``layout`` (what every PDF of the app is written with)."""
    writer = QPdfWriter(str(Path(path)))
    writer.setResolution(resolution)
    writer.setCreator("pharmacy_desk")
    writer.setTitle(title)
    if not writer.setPageLayout(layout):
        raise ValueError(f"the PDF writer refused the page layout {layout.pageSize().name()}")
    return writer
