"""Small dialogs of the assembly screen: a reason (fewer packs, missing line), a substitute (offered by
МНН, or typed), a line choice.

They only collect input; the session (:mod:`pharmacy_desk.desk.assembly`) checks and applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
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

from pharmacy_desk.desk.assembly import COMMON_REASONS, SUBSTITUTE_REASON, LineProgress
from pharmacy_desk.domain.money import MoneyError, to_money
from pharmacy_desk.domain.substitutes import Offer, Replacement, SubstituteChoice


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


class SubstituteOfferDialog(QDialog):
    """The substitutes the stock has for a short line (same МНН, form and dose), cheapest first.

    With a ``call`` policy the customer's phone comes first: the pharmacist calls, then chooses. Enter
    takes the selected offer; «Другой товар…» opens :class:`SubstituteDialog` instead (:attr:`manual`).
    """

    def __init__(self, replaced: LineProgress, choice: SubstituteChoice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("substituteOfferDialog")
        self.setMinimumWidth(680)  # one offer per line, unwrapped
        self.setWindowTitle(self.tr("Substitute for %1").replace("%1", replaced.name))
        self.choice = choice
        self.manual = False
        layout = QVBoxLayout(self)
        self.phone = QLabel(self)
        self.phone.setObjectName("customerPhone")
        self.phone.setWordWrap(True)
        self.phone.setStyleSheet("background:#ffe9b3;color:#6b4500;padding:8px;font-weight:bold;")
        if choice.rule is Replacement.CALL_FIRST:
            phone = choice.phone or self.tr("no phone in the order")
            self.phone.setText(self.tr("First call the customer: %1 — agree on the substitute").replace("%1", phone))
            layout.addWidget(self.phone)
        else:
            self.phone.hide()
        missing = replaced.required - replaced.picked
        prompt = QLabel(
            self.tr("Instead of %1 missing pack(s) of %2:").replace("%1", str(missing)).replace("%2", replaced.name),
            self,
        )
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        self.list = QListWidget(self)
        self.list.setObjectName("offers")
        for offer in choice.offers:
            item = QListWidgetItem(offer.label_ru())
            item.setData(Qt.ItemDataRole.UserRole, offer.sku)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(self.accept)
        layout.addWidget(self.list)
        self.reasons = _reason_box(self, (SUBSTITUTE_REASON, *COMMON_REASONS))
        layout.addWidget(self.reasons)
        self.buttons = _buttons(self)
        self.other = self.buttons.addButton(self.tr("Other product…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.other.setObjectName("otherProduct")
        self.buttons.clicked.connect(self._clicked)
        layout.addWidget(self.buttons)
        self.list.setFocus()

    def _clicked(self, button: QAbstractButton) -> None:
        if button is self.other:
            self.manual = True
            self.reject()

    def offer(self) -> Offer | None:
        row = self.list.currentRow()
        return self.choice.offers[row] if 0 <= row < len(self.choice.offers) else None

    def reason(self) -> str:
        return self.reasons.currentText().strip()


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
