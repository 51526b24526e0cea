""" "Put these back on the shelf": an order canceled while it was being assembled.

The list is what this PC actually picked when its assembly screen has the order open (the session's
packs, with their series), else the lines the relay's alert names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.assembly import LineProgress
from pharmacy_desk.domain import Line


@dataclass(frozen=True, slots=True)
class ShelfItem:
    name: str
    quantity: int
    series: str = ""


def items_from_session(lines: Iterable[LineProgress]) -> list[ShelfItem]:
    result = []
    for line in lines:
        if line.picked <= 0:
            continue
        series = sorted({p.series for p in line.packs if p.series})
        result.append(ShelfItem(line.name, line.picked, ", ".join(series)))
    return result


def items_from_alert(lines: Iterable[Line]) -> list[ShelfItem]:
    return [ShelfItem(line.name or line.sku, line.quantity) for line in lines if line.quantity > 0]


class ReturnToShelfDialog(QDialog):
    def __init__(self, number: str, reason: str, items: Sequence[ShelfItem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("returnToShelf")
        self.setWindowTitle(self.tr("Order canceled"))
        self.setModal(True)
        self.items = list(items)
        title = QLabel(self.tr("Order %1 is canceled. Put back on the shelf:").replace("%1", number), self)
        title.setObjectName("title")
        title.setWordWrap(True)
        title.setStyleSheet("background:#c62828;color:white;font-weight:bold;padding:12px;")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        title.setFont(font)
        why = QLabel(reason, self)
        why.setWordWrap(True)
        self.table = QTableWidget(len(self.items), 3, self)
        self.table.setObjectName("items")
        self.table.setHorizontalHeaderLabels([self.tr("Product"), self.tr("Packs"), self.tr("Series")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, item in enumerate(self.items):
            self.table.setItem(row, 0, QTableWidgetItem(item.name))
            count = QTableWidgetItem(str(item.quantity))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, count)
            self.table.setItem(row, 2, QTableWidgetItem(item.series))
        empty = QLabel(self.tr("Nothing was picked yet: nothing to put back."), self)
        empty.setVisible(not self.items)
        self.table.setVisible(bool(self.items))
        buttons = QDialogButtonBox(self)
        done = buttons.addButton(self.tr("Put back (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        done.setDefault(True)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(why)
        layout.addWidget(self.table, 1)
        layout.addWidget(empty)
        layout.addWidget(buttons)
        self.resize(720, 420)
