"""Small dialogs of the assembly screen: a reason (fewer packs, missing line), a substitute, a line choice.

They only collect input; the session (:mod:`pharmacy_desk.desk.assembly`) checks and applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.assembly import COMMON_REASONS, LineProgress
from pharmacy_desk.domain.money import MoneyError, to_money


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _reason_box(parent: QWidget, reasons: Sequence[str]) -> QComboBox:
    box = QComboBox(parent)
    box.setEditable(True)
    box.addItems(list(reasons))
    box.setCurrentIndex(0)
    return box


class ReasonDialog(QDialog):
    """Why fewer packs / no packs of a line: one of the usual reasons, or typed."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt, self)
        self.prompt.setWordWrap(True)
        self.reasons = _reason_box(self, COMMON_REASONS)
        self.buttons = _buttons(self)
        self.reasons.editTextChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.reasons)
        layout.addWidget(self.buttons)

    def reason(self) -> str:
        return self.reasons.currentText().strip()

    def _check(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.reason()))


class SubstituteDialog(QDialog):
    """A product offered instead of an ordered line: its SKU, name, price, barcode and the reason."""

    def __init__(self, replaced: LineProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("substituteDialog")
        self.setWindowTitle(self.tr("Substitute for %1").replace("%1", replaced.name))
        self.sku = QLineEdit(self)
        self.name = QLineEdit(self)
        self.price = QLineEdit(self)
        self.price.setPlaceholderText("0.00")
        self.gtin = QLineEdit(self)
        self.gtin.setPlaceholderText(self.tr("barcode (optional)"))
        self.reasons = _reason_box(self, ("по согласованию с покупателем", *COMMON_REASONS))
        self.error = QLabel(self)
        self.error.setStyleSheet("color:#8b0000;")
        self.buttons = _buttons(self)
        form = QFormLayout()
        form.addRow(self.tr("SKU"), self.sku)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Price"), self.price)
        form.addRow(self.tr("Barcode"), self.gtin)
        form.addRow(self.tr("Reason"), self.reasons)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for field in (self.sku, self.name, self.price):
            field.textChanged.connect(self._check)
        self._check()

    def price_value(self) -> Decimal | None:
        try:
            return to_money(self.price.text().replace(",", ".").strip())
        except MoneyError:
            return None

    def reason(self) -> str:
        return self.reasons.currentText().strip()

    def gtins(self) -> tuple[str, ...]:
        text = self.gtin.text().strip()
        return (text,) if text else ()

    def _check(self) -> None:
        problem = ""
        if not self.sku.text().strip() or not self.name.text().strip():
            problem = self.tr("Enter the SKU and the name")
        elif self.price_value() is None:
            problem = self.tr("Enter the price, e.g. 199.90")
        self.error.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)


class LineChoiceDialog(QDialog):
    """Which line of the order is this product (a barcode nobody knows yet)?"""

    def __init__(self, prompt: str, lines: Sequence[LineProgress], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineChoiceDialog")
        self.setWindowTitle(self.tr("Which product is it?"))
        label = QLabel(prompt, self)
        label.setWordWrap(True)
        self.list = QListWidget(self)
        for line in lines:
            item = QListWidgetItem(f"{line.name} ({line.picked}/{line.required})")
            item.setData(256, line.sku)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.list)
        layout.addWidget(_buttons(self))

    def sku(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(256) if item is not None else None
        return value if isinstance(value, str) else None
