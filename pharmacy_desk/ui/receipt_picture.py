"""A fiscal receipt recorded on an order, drawn as the paper looks (the order detail shows one per receipt).

Drawn from the order and the recorded :class:`~pharmacy_desk.domain.receipts.Receipt` alone, so it is
the same for every register: the positions (one per marked pack, with its code), the total, the
payment, ФН / ФД / ФП and the ФНС check QR (``t=…&s=…&fn=…&i=…&fp=…&n=…``, n 1 = приход, 2 = возврат).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.printing.barcodes import qr_matrix

WIDTH = 320
_MARGIN = 10


def fns_qr_text(receipt: Receipt) -> str:
    """The text of the ФНС QR on a Russian receipt."""
    local = receipt.at.astimezone()
    total = f"{receipt.total:.2f}" if receipt.total is not None else "0.00"
    n = 1 if receipt.kind is ReceiptKind.SELL else 2
    return f"t={local:%Y%m%dT%H%M}&s={total}&fn={receipt.fn}&i={receipt.number}&fp={receipt.fiscal_sign}&n={n}"


def receipt_lines(receipt: Receipt, order: Order) -> list[str]:
    title = "КАССОВЫЙ ЧЕК / ПРИХОД" if receipt.kind is ReceiptKind.SELL else "КАССОВЫЙ ЧЕК / ВОЗВРАТ ПРИХОДА"
    lines = [title, f"Заказ {order.number}"]
    if receipt.shift is not None:
        lines.append(f"Смена {receipt.shift}  Чек {receipt.receipt_number or ''}".rstrip())
    lines.append("")
    source = order.handed_over or order.composition
    codes = set(receipt.marking_codes)
    for line in source:
        marked = [code for code in line.marking_codes if code in codes]
        if marked:
            for code in marked:
                lines.append(f"[М] {(line.name or line.sku)[:34]}")
                lines.append(f"    1 × {rubles(line.unit_price)}")
                lines.append(f"    КМ {code[:31]}")
        elif line.quantity and not line.marking_codes:
            lines.append(f"{(line.name or line.sku)[:38]}")
            lines.append(f"    {line.quantity} × {rubles(line.unit_price)}")
    lines.append("")
    if receipt.total is not None:
        lines.append(f"ИТОГ {rubles(receipt.total)}")
    if receipt.payment is not None:
        lines.append("НАЛИЧНЫМИ" if receipt.payment == "cash" else "БЕЗНАЛИЧНЫМИ")
    lines += [
        "",
        f"ФН {receipt.fn}",
        f"ФД {receipt.number}  ФП {receipt.fiscal_sign}",
        receipt.at.astimezone().strftime("%d.%m.%Y %H:%M"),
    ]
    return lines


def render_receipt(receipt: Receipt, order: Order) -> QImage:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(8)
    metrics = QFontMetrics(font)
    lines = receipt_lines(receipt, order)
    matrix = qr_matrix(fns_qr_text(receipt))
    cell = 3
    qr_size = len(matrix) * cell
    height = _MARGIN * 4 + metrics.lineSpacing() * len(lines) + qr_size
    image = QImage(WIDTH, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setFont(font)
        painter.setPen(QColor("black"))
        y = _MARGIN
        for text in lines:
            rect = QRectF(_MARGIN, y, WIDTH - 2 * _MARGIN, metrics.lineSpacing())
            align = Qt.AlignmentFlag.AlignHCenter if text.startswith("КАССОВЫЙ") else Qt.AlignmentFlag.AlignLeft
            painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)
            y += metrics.lineSpacing()
        y += _MARGIN
        left = (WIDTH - qr_size) // 2
        for row, cells in enumerate(matrix):
            for column, dark in enumerate(cells):
                if dark:
                    painter.fillRect(left + column * cell, y + row * cell, cell, cell, QColor("black"))
    finally:
        painter.end()
    return image
