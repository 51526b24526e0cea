"""The manual register's dialog: every pack's code to scan at the store's register, then the receipt typed in."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.domain.money import rubles
from pharmacy_desk.fiscal.manual import ManualEntry
from pharmacy_desk.fiscal.models import ReceiptRequest
from pharmacy_desk.ui.async_dialog import run_dialog


class ManualReceiptDialog(QDialog):
    def __init__(self, request: ReceiptRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manualReceipt")
        self.setWindowTitle("Чек на кассе магазина")
        what = "возврата прихода" if request.kind.value == "sell_return" else "прихода"
        intro = QLabel(
            f"Пробейте чек {what} на кассе магазина на {rubles(request.total)} и отсканируйте там коды упаковок. "
            "Если чек уже пробит — не пробивайте второй, введите его данные.",
            self,
        )
        intro.setWordWrap(True)
        codes = QPlainTextEdit(self)
        codes.setObjectName("manualCodes")
        codes.setReadOnly(True)
        codes.setPlainText(
            "\n".join(
                f"{item.name}: {item.marking_code.replace(chr(29), '<GS>')}"
                for item in request.items
                if item.marking_code
            )
            or "Немаркированные товары"
        )
        self.number = QLineEdit(self)
        self.number.setObjectName("manualNumber")
        self.fiscal_sign = QLineEdit(self)
        self.fiscal_sign.setObjectName("manualSign")
        self.fn = QLineEdit(self)
        self.fn.setObjectName("manualFn")
        self.error = QLabel(self)
        self.error.setObjectName("manualError")
        form = QFormLayout()
        form.addRow("ФД (номер документа)", self.number)
        form.addRow("ФП (фискальный признак)", self.fiscal_sign)
        form.addRow("ФН (номер накопителя, 16 цифр)", self.fn)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(codes)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.entry: ManualEntry | None = None

    def _accept(self) -> None:
        try:
            self.entry = ManualEntry(
                number=int(self.number.text().strip() or "0"),
                fiscal_sign=self.fiscal_sign.text().strip(),
                fn=self.fn.text().strip(),
            )
        except (ValueError, ValidationError):
            self.error.setText("Проверьте: ФД — число, ФП — до 10 цифр, ФН — 16 цифр")
            return
        self.accept()


async def ask_manual_receipt(parent: QWidget, request: ReceiptRequest) -> ManualEntry | None:
    dialog = ManualReceiptDialog(request, parent)
    try:
        await run_dialog(dialog)
        return dialog.entry
    finally:
        dialog.deleteLater()
