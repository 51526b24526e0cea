"""The assembly screen's lines: a table model over :meth:`AssemblySession.lines` (progress, batches, reasons)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from pharmacy_desk.desk.assembly import AssemblySession, LineProgress
from pharmacy_desk.domain.cold_chain import HINT_RU, MARK, needs_cold_bag
from pharmacy_desk.domain.fefo import Batch

Index = QModelIndex | QPersistentModelIndex

SKU_ROLE = Qt.ItemDataRole.UserRole + 1

COL_NAME, COL_REQUIRED, COL_PICKED, COL_BATCHES, COL_REASON = range(5)

_DONE = ("#d7f5dd", "#0b4d1c")
_SHORT = ("#fff3cd", "#5c4400")
_FORBIDDEN = ("#f8d7da", "#721c24")  # may not be sold remotely: blocked
_PENDING = ("#ffe9b3", "#6b4500")


def batch_text(batch: Batch) -> str:
    where = f", {batch.location}" if batch.location else ""
    return f"{batch.series} — {batch.expiry:%d.%m.%Y}{where}"


class AssemblyLinesModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: AssemblySession | None = None
        self._lines: list[LineProgress] = []
        self._headers = [
            self.tr("Product"),
            self.tr("Ordered"),
            self.tr("Picked"),
            self.tr("Take (series, expiry, where)"),
            self.tr("Reason"),
        ]

    def set_session(self, session: AssemblySession | None) -> None:
        self.beginResetModel()
        self.session = session
        self._lines = session.lines() if session is not None else []
        self.endResetModel()

    def refresh(self) -> None:
        """Re-read the session: changed rows get ``dataChanged``; added / removed lines reset (rare)."""
        if self.session is None:
            return
        lines = self.session.lines()
        if [line.sku for line in lines] != [line.sku for line in self._lines]:
            self.beginResetModel()
            self._lines = lines
            self.endResetModel()
            return
        old, self._lines = self._lines, lines
        for row, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._headers) - 1))

    def line(self, row: int) -> LineProgress | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def row_of(self, sku: str) -> int | None:
        return next((i for i, line in enumerate(self._lines) if line.sku == sku), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line = self.line(index.row()) if index.isValid() else None
        if line is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(line, column)
        if role == SKU_ROLE:
            return line.sku
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_NAME and line.storage is not None:
            return HINT_RU.get(line.storage)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            colours = self._colours(line)
            if colours is not None:
                return QBrush(QColor(colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1]))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_REQUIRED, COL_PICKED):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _display(self, line: LineProgress, column: int) -> str:
        if column == COL_NAME:
            mark = f"{MARK} " if line.storage is not None and needs_cold_bag(line.storage) else ""
            if line.replaces is not None:
                return mark + self.tr("%1 (instead of %2)").replace("%1", line.name).replace("%2", line.replaces)
            return mark + line.name
        if column == COL_REQUIRED:
            return str(line.required)
        if column == COL_PICKED:
            pending = sum(1 for p in line.packs if p.series_pending)
            return f"{line.picked}" + (" " + self.tr("(series?)") if pending else "")
        if column == COL_BATCHES:
            return "; ".join(batch_text(b) for b in line.suggestions[:3])
        if column == COL_REASON:
            return line.reason or line.forbidden or ""  # a forbidden line says why until it is left out
        return ""

    def _colours(self, line: LineProgress) -> tuple[str, str] | None:
        if line.forbidden is not None and line.reason is None:
            return _FORBIDDEN
        if any(p.series_pending for p in line.packs):
            return _PENDING
        if line.complete:
            return _DONE
        if line.reason is not None:
            return _SHORT
        return None
