"""The order queue as a Qt table model over the desk's :class:`~pharmacy_desk.desk.order_book.OrderBook`.

The model keeps its own row list (one :class:`OrderSummary` per row, in arrival order) and follows the
book's :class:`~pharmacy_desk.desk.order_book.BookChange` exactly: ``beginInsertRows`` for new orders,
``dataChanged`` for the changed rows, ``beginRemoveRows`` for removed ones; only a book reset (a
snapshot on an empty book) resets the model. A 30-second tick repaints the "time left" column.

:class:`OrderQueueProxy` sorts (by each column's raw value) and filters by stage tab and search text.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from pharmacy_desk.desk.order_book import BookChange, OrderBook
from pharmacy_desk.domain import Flow, OrderState
from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.states import TERMINAL_STATES
from pharmacy_desk.relay.views import OrderSummary

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
NUMBER_ROLE = Qt.ItemDataRole.UserRole + 2
URGENCY_ROLE = Qt.ItemDataRole.UserRole + 3


class Column(IntEnum):
    NUMBER = 0
    KUPER_ID = 1
    FLOW = 2
    STATE = 3
    PACKS = 4
    AMOUNT = 5
    TIME_LEFT = 6
    COURIER = 7
    ASSEMBLER = 8


class Stage(StrEnum):
    """The queue's tabs. A display grouping of the domain's states (see ``STAGE_STATES``)."""

    NEW = "new"
    ASSEMBLY = "assembly"
    READY = "ready"
    HANDOVER = "handover"
    ALL = "all"


STAGE_STATES: dict[Stage, frozenset[OrderState]] = {
    Stage.NEW: frozenset({OrderState.NEW, OrderState.ACCEPTED}),
    Stage.ASSEMBLY: frozenset({OrderState.COLLECTING}),
    Stage.READY: frozenset({OrderState.ASSEMBLED, OrderState.READY_TO_SHIP}),
    Stage.HANDOVER: frozenset({OrderState.AWAITING_PICKUP, OrderState.PAID, OrderState.SHIPPING}),
}


def stage_of(state: OrderState) -> Stage | None:
    return next((stage for stage, states in STAGE_STATES.items() if state in states), None)


class Urgency(StrEnum):
    CALM = "calm"  # green: 30 minutes or more
    SOON = "soon"  # amber: 10 to 30 minutes
    LATE = "late"  # red: under 10 minutes, or past the due time
    NONE = "none"  # no due time, or the order is closed


URGENCY_COLOURS: dict[Urgency, tuple[str, str]] = {  # background, text
    Urgency.CALM: ("#d7f5dd", "#0b4d1c"),
    Urgency.SOON: ("#ffe9b3", "#6b4500"),
    Urgency.LATE: ("#ffcdd2", "#8b0000"),
}
SOON_SECONDS = 30 * 60
LATE_SECONDS = 10 * 60
TICK_MS = 30_000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def due_time(summary: OrderSummary) -> dt.datetime | None:
    """When the order must be ready: the start of the delivery window, else its end."""
    return summary.due_from or summary.due_to


def seconds_left(summary: OrderSummary, now: dt.datetime) -> float | None:
    due = due_time(summary)
    if due is None or summary.state in TERMINAL_STATES:
        return None
    return (due - now).total_seconds()


def urgency(left: float | None) -> Urgency:
    if left is None:
        return Urgency.NONE
    if left < LATE_SECONDS:
        return Urgency.LATE
    if left < SOON_SECONDS:
        return Urgency.SOON
    return Urgency.CALM


class OrderQueueModel(QAbstractTableModel):
    """Rows: the book's orders. Connect :meth:`apply` to the bridge's ``bookChanged``."""

    stageCountsChanged = Signal()

    def __init__(
        self,
        book: OrderBook,
        parent: QObject | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        tick_ms: int = TICK_MS,
    ) -> None:
        super().__init__(parent)
        self.book = book
        self._clock = clock
        self._rows: list[OrderSummary] = []
        self._row_of: dict[str, int] = {}
        self._stages: Counter[Stage | None] = Counter()
        self._ringing: frozenset[str] = frozenset()
        self._search_cache: dict[str, tuple[int, bool, str]] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = {
            Column.NUMBER: self.tr("Number"),
            Column.KUPER_ID: self.tr("Kuper id"),
            Column.FLOW: self.tr("Flow"),
            Column.STATE: self.tr("State"),
            Column.PACKS: self.tr("Packs"),
            Column.AMOUNT: self.tr("Amount"),
            Column.TIME_LEFT: self.tr("Time left"),
            Column.COURIER: self.tr("Courier"),
            Column.ASSEMBLER: self.tr("Assembled by"),
        }
        self._flows = {Flow.DELIVERY: self.tr("Delivery"), Flow.PICKUP: self.tr("Pickup"), Flow.UNKNOWN: self.tr("?")}
        self._load(book.orders())
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        if tick_ms > 0:
            self._timer.start(tick_ms)

    # --- Qt model ---------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers.get(Column(section)) if 0 <= section < len(Column) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(summary, column)
        if role == SORT_ROLE:
            return self._sort_value(summary, column)
        if role == NUMBER_ROLE:
            return summary.number
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(summary, column)
        if role == URGENCY_ROLE:
            return urgency(seconds_left(summary, self._clock())).value
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._colour(summary, column, background=role == Qt.ItemDataRole.BackgroundRole)
        if role == Qt.ItemDataRole.FontRole and summary.number in self._ringing:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.PACKS, Column.AMOUNT, Column.TIME_LEFT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- cells ------------------------------------------------------------------------------------

    def _display(self, summary: OrderSummary, column: Column) -> str:
        match column:
            case Column.NUMBER:
                return summary.number
            case Column.KUPER_ID:
                return summary.kuper_id.rsplit(":", 1)[-1][:8]
            case Column.FLOW:
                return self._flows.get(summary.flow, summary.flow.value)
            case Column.STATE:
                return summary.state_label
            case Column.PACKS:
                return str(summary.pack_count)
            case Column.AMOUNT:
                return rubles(summary.totals.total_price)
            case Column.TIME_LEFT:
                return self._time_left_text(seconds_left(summary, self._clock()))
            case Column.COURIER:
                return self._courier_text(summary)
            case Column.ASSEMBLER:
                return summary.assembler.label if summary.assembler is not None else ""
        return ""

    def _time_left_text(self, left: float | None) -> str:
        if left is None:
            return "—"
        minutes = int(abs(left) // 60)
        text = self.tr("%1 min").replace("%1", str(minutes)) if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}"
        return self.tr("late %1").replace("%1", text) if left < 0 else text

    def _courier_text(self, summary: OrderSummary) -> str:
        if summary.courier_arrived_at is not None and summary.state not in TERMINAL_STATES:
            name = summary.courier.name if summary.courier is not None and summary.courier.name else ""
            return self.tr("Courier is here!") + (f" {name}" if name else "")
        if summary.courier is not None:
            return summary.courier.name or self.tr("assigned")
        return ""

    def _tooltip(self, summary: OrderSummary, column: Column) -> str | None:
        if column == Column.KUPER_ID:
            return summary.kuper_id
        if column == Column.COURIER and summary.courier is not None:
            return " ".join(p for p in (summary.courier.name, summary.courier.phone) if p) or None
        return None

    def _sort_value(self, summary: OrderSummary, column: Column) -> Any:
        match column:
            case Column.PACKS:
                return summary.pack_count
            case Column.AMOUNT:
                return float(summary.totals.total_price)
            case Column.TIME_LEFT:
                due = due_time(summary)
                return due.timestamp() if due is not None else float("inf")
            case Column.COURIER:
                return ("1" if summary.courier_arrived_at is None else "0") + self._courier_text(summary)
            case Column.STATE:
                return summary.state_label
        return self._display(summary, column)

    def _colour(self, summary: OrderSummary, column: Column, *, background: bool) -> QBrush | None:
        if column == Column.TIME_LEFT:
            colours = URGENCY_COLOURS.get(urgency(seconds_left(summary, self._clock())))
            if colours is not None:
                return QBrush(QColor(colours[0] if background else colours[1]))
        if column == Column.COURIER and summary.courier_arrived_at is not None and summary.state not in TERMINAL_STATES:
            return QBrush(QColor("#ff9800" if background else "#000000"))
        if column == Column.STATE and summary.state is OrderState.CANCELED and not background:
            return QBrush(QColor("#8b0000"))
        return None

    # --- reading ----------------------------------------------------------------------------------

    def summary(self, row: int) -> OrderSummary:
        return self._rows[row]

    def get(self, number: str) -> OrderSummary | None:
        row = self._row_of.get(number)
        return self._rows[row] if row is not None else None

    def row_of(self, number: str) -> int | None:
        return self._row_of.get(number)

    def numbers(self) -> list[str]:
        return [s.number for s in self._rows]

    def stage_count(self, stage: Stage) -> int:
        if stage is Stage.ALL:
            return len(self._rows)
        return self._stages[stage]

    def search_text(self, row: int) -> str:
        """Lower-case text a search matches: number, Kuper id, and what the full snapshot adds."""
        summary = self._rows[row]
        detail = self.book.detail(summary.number)
        cached = self._search_cache.get(summary.number)
        if cached is not None and cached[0] == summary.version and cached[1] == (detail is not None):
            return cached[2]
        parts = [summary.number, summary.kuper_id]
        if detail is not None:
            parts += [detail.original_order_id or "", detail.customer.name or "", detail.customer.phone or ""]
            parts.append("".join(ch for ch in detail.customer.phone or "" if ch.isdigit()))
            if detail.pickup is not None:
                parts.append(detail.pickup.code)
        text = " ".join(parts).lower()
        self._search_cache[summary.number] = (summary.version, detail is not None, text)
        return text

    # --- following the book -----------------------------------------------------------------------

    def apply(self, change: object) -> None:
        """One :class:`BookChange` from the book (through the Qt bridge)."""
        assert isinstance(change, BookChange)
        if change.reset:
            self.beginResetModel()
            self._load(change.added)
            self.endResetModel()
            self.stageCountsChanged.emit()
            return
        if change.removed:
            self._remove(change.removed)
        fresh = [s for s in change.added if s.number not in self._row_of]
        updates = [s for s in (*change.added, *change.changed) if s.number in self._row_of]
        for summary in updates:
            self._update(summary)
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for summary in fresh:
                self._row_of[summary.number] = len(self._rows)
                self._rows.append(summary)
                self._stages[stage_of(summary.state)] += 1
            self.endInsertRows()
        if change.removed or fresh or updates:
            self.stageCountsChanged.emit()

    def set_ringing(self, numbers: object) -> None:
        """The bell's set of ringing orders: their rows are bold."""
        ringing = frozenset(numbers) if isinstance(numbers, Iterable) else frozenset()
        touched = ringing ^ self._ringing
        self._ringing = ringing
        for number in touched:
            row = self._row_of.get(number)
            if row is not None:
                self._row_changed(row)

    def tick(self) -> None:
        """Time passed: repaint the "time left" column (one signal for all rows)."""
        if self._rows:
            top = self.index(0, Column.TIME_LEFT)
            bottom = self.index(len(self._rows) - 1, Column.TIME_LEFT)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole])

    def _load(self, summaries: Iterable[OrderSummary]) -> None:
        self._rows = list(summaries)
        self._row_of = {s.number: i for i, s in enumerate(self._rows)}
        self._stages = Counter(stage_of(s.state) for s in self._rows)
        self._search_cache.clear()

    def _update(self, summary: OrderSummary) -> None:
        row = self._row_of[summary.number]
        old = self._rows[row]
        if old.state is not summary.state:
            self._stages[stage_of(old.state)] -= 1
            self._stages[stage_of(summary.state)] += 1
        self._rows[row] = summary
        self._row_changed(row)

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def _remove(self, numbers: Iterable[str]) -> None:
        rows = sorted((self._row_of[n] for n in set(numbers) if n in self._row_of), reverse=True)
        if not rows:
            return
        # contiguous runs, from the bottom up, so earlier rows keep their positions
        runs: list[tuple[int, int]] = []
        for row in rows:
            if runs and runs[-1][0] == row + 1:
                runs[-1] = (row, runs[-1][1])
            else:
                runs.append((row, row))
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            for summary in self._rows[first : last + 1]:
                self._stages[stage_of(summary.state)] -= 1
                self._search_cache.pop(summary.number, None)
            del self._rows[first : last + 1]
            self._row_of = {s.number: i for i, s in enumerate(self._rows)}
            self.endRemoveRows()


class OrderQueueProxy(QSortFilterProxyModel):
    """Sort by the raw values (``SORT_ROLE``); filter by stage and by a search text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._stage = Stage.NEW
        self._states: frozenset[OrderState] | None = STAGE_STATES[Stage.NEW]
        self._search = ""

    @property
    def stage(self) -> Stage:
        return self._stage

    @property
    def search(self) -> str:
        return self._search

    def set_stage(self, stage: Stage) -> None:
        if stage is self._stage:
            return
        self._change_filter(lambda: self._set_stage(stage))

    def _set_stage(self, stage: Stage) -> None:
        self._stage = stage
        self._states = STAGE_STATES.get(stage)

    def set_search(self, text: str) -> None:
        text = " ".join(text.lower().split())
        if text == self._search:
            return
        self._change_filter(lambda: setattr(self, "_search", text))

    def _change_filter(self, change: Callable[[], object]) -> None:
        if hasattr(self, "endFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            change()
            self.invalidateRowsFilter()

    def queue_model(self) -> OrderQueueModel:
        model = self.sourceModel()
        assert isinstance(model, OrderQueueModel)
        return model

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.queue_model()
        summary = model.summary(source_row)
        if self._states is not None and summary.state not in self._states:
            return False
        if not self._search:
            return True
        text = model.search_text(source_row)
        return all(word in text for word in self._search.split())

    def lessThan(self, left: Index, right: Index) -> bool:
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)

    def number_at(self, row: int) -> str | None:
        index = self.index(row, 0)
        value = index.data(NUMBER_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None
