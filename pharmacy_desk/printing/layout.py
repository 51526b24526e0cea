"""Paper formats and the label's geometry, in millimetres (pure: no Qt).

Three formats:

- ``THERMAL_58``: a 58 mm receipt/label roll; printheads print 48 mm of it, hence 5 mm side margins.
  One label per page, 58 × 80 mm.
- ``THERMAL_80``: an 80 mm roll (72 mm printable). One label per page, 80 × 100 mm.
- ``A4``: plain paper or a sticker sheet: 2 × 3 labels of 105 × 99 mm, dashed cut lines.

A label is a vertical stack (:func:`label_geometry`)::

    store name
    ORDER NUMBER            (large, bold)
    ||||| Code128 of the number |||||
    ■ САМОВЫВОЗ / ДОСТАВКА   k из n ■   (white on black)
    [ ХОЛОД +2…+8 ]              (framed, large: cold-chain orders only; the QR gives way)
    [QR]  caption / big figure      (pickup code, or the due time for delivery)
    detail lines (Kuper id, customer, packs, due)

Sizes are em heights (a font's pixel size) in mm; the smallest text, 3 mm, is about 8.5 pt:
legible on a 203 dpi thermal head (24 dots).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["A4", "FORMATS", "THERMAL_58", "THERMAL_80", "Box", "LabelFormat", "LabelGeometry", "label_geometry"]


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in mm, relative to the label cell's top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass(frozen=True, slots=True)
class LabelFormat:
    """A paper format: page size, how labels tile on it, and the label's sizes (all mm)."""

    key: str
    title: str
    page_w: float
    page_h: float
    columns: int
    rows: int
    pad_x: float  # inside each label cell: left and right
    pad_y: float  # top and bottom
    body: float  # detail lines, store name
    heading: float  # the order number
    banner: float  # the flow banner
    figure: float  # the pickup code / due time, at most
    barcode_h: float
    qr: float  # side of the QR box, quiet zone included
    gap: float
    cut_lines: bool = False

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def cell_w(self) -> float:
        return self.page_w / self.columns

    @property
    def cell_h(self) -> float:
        return self.page_h / self.rows

    def cell(self, index: int) -> Box:
        """The cell of the ``index``-th label on its page (row by row)."""
        slot = index % self.per_page
        row, col = divmod(slot, self.columns)
        return Box(col * self.cell_w, row * self.cell_h, self.cell_w, self.cell_h)


THERMAL_58 = LabelFormat(
    key="58mm", title="Термолента 58 мм", page_w=58, page_h=80, columns=1, rows=1, pad_x=5, pad_y=3,
    body=3.0, heading=6.0, banner=4.2, figure=10.0, barcode_h=9.0, qr=22.0, gap=1.2,
)  # fmt: skip
THERMAL_80 = LabelFormat(
    key="80mm", title="Термолента 80 мм", page_w=80, page_h=100, columns=1, rows=1, pad_x=4, pad_y=3,
    body=3.6, heading=8.0, banner=5.5, figure=14.0, barcode_h=12.0, qr=30.0, gap=1.5,
)  # fmt: skip
A4 = LabelFormat(
    key="a4", title="A4, 6 этикеток", page_w=210, page_h=297, columns=2, rows=3, pad_x=6, pad_y=5,
    body=3.5, heading=8.0, banner=5.5, figure=16.0, barcode_h=12.0, qr=28.0, gap=1.5, cut_lines=True,
)  # fmt: skip

FORMATS: dict[str, LabelFormat] = {f.key: f for f in (THERMAL_58, THERMAL_80, A4)}

LINE = 1.35  # line height / em


@dataclass(frozen=True, slots=True)
class LabelGeometry:
    """Where each block of a label goes, in mm from the cell's corner."""

    store: Box
    number: Box
    barcode: Box
    banner: Box
    qr: Box
    figure: Box  # right of the QR: caption above, big figure below
    details: tuple[Box, ...]
    storage: Box | None = None  # the cold-chain strip under the banner, when the order has one

    @property
    def bottom(self) -> float:
        return self.details[-1].bottom


def label_geometry(fmt: LabelFormat, detail_lines: int = 4, *, storage: bool = False) -> LabelGeometry:
    """Stack the blocks top-down inside the cell's padding; ``storage``: with the cold-chain strip (as
    tall as the flow banner), the QR row giving up what does not fit (never below 70 % of its size)."""
    x, w = fmt.pad_x, fmt.cell_w - 2 * fmt.pad_x
    y = fmt.pad_y

    def take(height: float, gap_after: float = 0.0) -> Box:
        nonlocal y
        box = Box(x, y, w, height)
        y += height + gap_after
        return box

    store = take(fmt.body * LINE)
    number = take(fmt.heading * 1.25)
    barcode = take(fmt.barcode_h, fmt.gap)
    banner = take(fmt.banner * 1.6, fmt.gap)
    strip = take(fmt.banner * 1.6, fmt.gap) if storage else None
    below = fmt.qr + fmt.gap + detail_lines * fmt.body * LINE
    side = min(fmt.qr, max(fmt.qr * 0.7, fmt.qr - (y + below - (fmt.cell_h - fmt.pad_y))))
    row = take(side, fmt.gap)
    qr = Box(row.x, row.y, side, side)
    figure = Box(row.x + side + fmt.gap, row.y, row.w - side - fmt.gap, row.h)
    details = tuple(take(fmt.body * LINE) for _ in range(detail_lines))
    return LabelGeometry(store, number, barcode, banner, qr, figure, details, strip)
