"""The order queue as a Qt table model over the desk's :class:`~pharmacy_desk.desk.order_book.OrderBook`.

The model keeps its own rows (one :class:`OrderSummary` each), **sorted** by the chosen column, and
follows the book's :class:`~pharmacy_desk.desk.order_book.BookChange` exactly: a new order is inserted
at its place (``beginInsertRows``), a changed one gets ``dataChanged`` (and ``beginMoveRows`` when its
place changes), a removed one ``beginRemoveRows``; only a book reset (a snapshot on an empty book) resets
the model. A 30-second tick repaints the "time left" column.

Sorting lives here, in Python (one ``list.sort`` with precomputed keys, bisection per change), because
a ``QSortFilterProxyModel`` sorting through a Python ``lessThan`` or ``data()`` costs about a second
for 5,000 orders at every tab switch. :class:`OrderQueueProxy` therefore only filters (stage tab,
search text) and forwards ``sort()`` to this model.

Each row's texts are computed once per summary (a cache keyed by the summary object); only "time
left" is computed when painted.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from enum import IntEnum
from functools import total_ordering
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
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

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.desk.order_book import BookChange, OrderBook
from pharmacy_desk.desk.queue_rules import (
    STAGE_STATES,
    Stage,
    Urgency,
    due_time,
    seconds_left,
    stage_of,
    urgency,
    utc_now,
)
from pharmacy_desk.domain import Flow, OrderState, PickupCodePolicy
from pharmacy_desk.domain.cold_chain import HINT_RU, MARK, needs_cold_bag, storage_of_flags
from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.no_show import overdue, waited_text
from pharmacy_desk.domain.states import TERMINAL_STATES

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
NUMBER_ROLE = int(Qt.ItemDataRole.UserRole) + 2
URGENCY_ROLE = int(Qt.ItemDataRole.UserRole) + 3

_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_BACKGROUND = Qt.ItemDataRole.BackgroundRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_FONT = Qt.ItemDataRole.FontRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ROLES = frozenset({_DISPLAY, _BACKGROUND, _FOREGROUND, _FONT, _ALIGN, _TOOLTIP, SORT_ROLE, NUMBER_ROLE, URGENCY_ROLE})
_RIGHT = (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value


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


COLUMNS = len(Column)
_TIME_LEFT = Column.TIME_LEFT.value
_COURIER = Column.COURIER.value
_STATE = Column.STATE.value
_RIGHT_ALIGNED = frozenset({Column.PACKS.value, Column.AMOUNT.value, _TIME_LEFT})


URGENCY_COLOURS: dict[Urgency, tuple[str, str]] = {  # background, text
    Urgency.CALM: ("#d7f5dd", "#0b4d1c"),
    Urgency.SOON: ("#ffe9b3", "#6b4500"),
    Urgency.LATE: ("#ffcdd2", "#8b0000"),
}
TICK_MS = 30_000


@total_ordering
class _Descending:
    """A sort key compared the other way round (bisection needs one ascending list)."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.key == other.key

    def __lt__(self, other: _Descending) -> bool:
        return other.key < self.key

    def __hash__(self) -> int:
        return hash(self.key)


_BRUSHES: dict[str, QBrush] = {}


def _brush(colour: str) -> QBrush:
    brush = _BRUSHES.get(colour)
    if brush is None:
        brush = _BRUSHES[colour] = QBrush(QColor(colour))
    return brush


class OrderQueueModel(QAbstractTableModel):
    """Rows: the book's orders, sorted. Connect :meth:`apply` to the bridge's ``bookChanged``."""

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
        self._keys: list[Any] = []
        self._row_of: dict[str, int] = {}
        self._cells: dict[str, tuple[OrderSummary, tuple[str, ...]]] = {}
        self._stages: Counter[Stage | None] = Counter()
        self._ringing: frozenset[str] = frozenset()
        self._search_cache: dict[str, tuple[int, bool, str]] = {}
        self.pickup_policy = PickupCodePolicy()  # the store's hold (set_pickup_policy, from the relay)
        self.sort_column = _TIME_LEFT
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = (
            self.tr("Number"),
            self.tr("Kuper id"),
            self.tr("Flow"),
            self.tr("State"),
            self.tr("Packs"),
            self.tr("Amount"),
            self.tr("Time left"),
            self.tr("Courier"),
            self.tr("Assembled by"),
        )
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
        return 0 if parent.isValid() else COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < COLUMNS:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        summary = self._rows[row]
        column = index.column()
        if role == _DISPLAY:
            if column == _TIME_LEFT and summary.waiting_since is not None:  # pickup: how long it has waited
                return self.tr("waiting %1").replace("%1", waited_text(self._clock() - summary.waiting_since))
            if column == _TIME_LEFT:
                return self._time_left_text(seconds_left(summary, self._clock()))
            return self._texts(summary)[column]
        if role in (_BACKGROUND, _FOREGROUND):
            return self._colour(summary, column, background=role == _BACKGROUND)
        if role == _FONT:
            return self._bold if summary.number in self._ringing else None
        if role == _ALIGN:
            return _RIGHT if column in _RIGHT_ALIGNED else None
        if role == NUMBER_ROLE:
            return summary.number
        if role == SORT_ROLE:
            return self._sort_value(summary, column)
        if role == URGENCY_ROLE:
            return urgency(seconds_left(summary, self._clock())).value
        return self._tooltip(summary, column)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows (the view's header calls this through the proxy)."""
        if not 0 <= column < COLUMNS:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        numbers = [self._rows[i.row()].number if 0 <= i.row() < len(self._rows) else None for i in persistent]
        self.sort_column, self.sort_order = column, order
        self._resort()
        for old, number in zip(persistent, numbers, strict=True):
            row = self._row_of.get(number) if number is not None else None
            self.changePersistentIndex(old, self.index(row, old.column()) if row is not None else QModelIndex())
        self.layoutChanged.emit()

    # --- cells ------------------------------------------------------------------------------------

    def _texts(self, summary: OrderSummary) -> tuple[str, ...]:
        cached = self._cells.get(summary.number)
        if cached is not None and cached[0] is summary:
            return cached[1]
        storage = storage_of_flags(summary.flags)
        texts = (
            f"{MARK} {summary.number}" if needs_cold_bag(storage) else summary.number,  # cold chain: ❄
            summary.kuper_id.rsplit(":", 1)[-1][:8],
            self._flows.get(summary.flow, summary.flow.value),
            summary.state_label,
            str(summary.pack_count),
            rubles(summary.totals.total_price),
            "",  # time left: computed when painted
            self._courier_text(summary),
            summary.assembler.label if summary.assembler is not None else "",
        )
        self._cells[summary.number] = (summary, texts)
        return texts

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

    def _tooltip(self, summary: OrderSummary, column: int) -> str | None:
        """The whole row, one column a line: what a narrow screen hides or elides is read here."""
        texts = list(self._texts(summary))
        texts[_TIME_LEFT] = self._time_left_text(seconds_left(summary, self._clock()))
        texts[Column.KUPER_ID] = summary.kuper_id
        if summary.courier is not None:
            phone = summary.courier.phone
            texts[_COURIER] = " ".join(p for p in (texts[_COURIER], phone) if p)
        lines = [f"{self._headers[i]}: {text}" for i, text in enumerate(texts) if text]
        storage = storage_of_flags(summary.flags)
        if needs_cold_bag(storage):
            lines.insert(1, f"{MARK} {HINT_RU[storage]}")
        return "\n".join(lines)

    def _sort_value(self, summary: OrderSummary, column: int) -> Any:
        if column == _TIME_LEFT:
            due = due_time(summary)
            return due.timestamp() if due is not None else float("inf")
        if column == Column.NUMBER:
            return summary.number  # not the ❄ mark
        if column == Column.PACKS:
            return summary.pack_count
        if column == Column.AMOUNT:
            return summary.totals.total_price
        if column == _COURIER:
            return ("1" if summary.courier_arrived_at is None else "0") + self._courier_text(summary)
        return self._texts(summary)[column]

    def _key(self, summary: OrderSummary) -> Any:
        key = (self._sort_value(summary, self.sort_column), summary.number)
        return key if self.sort_order == Qt.SortOrder.AscendingOrder else _Descending(key)

    def _colour(self, summary: OrderSummary, column: int, *, background: bool) -> QBrush | None:
        if column == _TIME_LEFT and summary.waiting_since is not None:
            colours = URGENCY_COLOURS[Urgency.LATE] if self.not_collected(summary) else None
            return _brush(colours[0] if background else colours[1]) if colours is not None else None
        if column == _TIME_LEFT:
            colours = URGENCY_COLOURS.get(urgency(seconds_left(summary, self._clock())))
            if colours is not None:
                return _brush(colours[0] if background else colours[1])
        elif column == _COURIER:
            if summary.courier_arrived_at is not None and summary.state not in TERMINAL_STATES:
                return _brush("#ff9800" if background else "#000000")
        elif column == _STATE and summary.state is OrderState.CANCELED and not background:
            return _brush("#8b0000")
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

    def not_collected(self, summary: OrderSummary) -> bool:
        """A pickup order waiting longer than the store's hold (the «Не забрали» tab)."""
        return overdue(summary.waiting_since, self._clock(), self.pickup_policy)

    def set_pickup_policy(self, policy: PickupCodePolicy) -> None:
        self.pickup_policy = policy
        self.tick()

    def stage_count(self, stage: Stage) -> int:
        if stage is Stage.ALL:
            return len(self._rows)
        if stage is Stage.NOT_COLLECTED:
            return sum(1 for summary in self._rows if self.not_collected(summary))
        return self._stages[stage]

    def search_text(self, row: int) -> str:
        """Lower-case text a search matches: number, Kuper id, and what the full snapshot adds (Kuper's
        number, the customer's name and phone; not the pickup code)."""
        summary = self._rows[row]
        detail = self.book.detail(summary.number)
        cached = self._search_cache.get(summary.number)
        if cached is not None and cached[0] == summary.version and cached[1] == (detail is not None):
            return cached[2]
        parts = [summary.number, summary.kuper_id]
        if detail is not None:
            parts += [detail.original_order_id or "", detail.customer.name or "", detail.customer.phone or ""]
            parts.append("".join(ch for ch in detail.customer.phone or "" if ch.isdigit()))
            # never the pickup code: whoever heard a code must not be able to find its order by it
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
        touched = False
        for summary in (*change.added, *change.changed):
            if summary.number in self._row_of:
                self._update(summary)
            else:
                self._insert(summary)
            touched = True
        if change.removed or touched:
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
        """Time passed: repaint the "time left" column (one signal for all rows); holds may have ended."""
        if self._rows:
            top = self.index(0, _TIME_LEFT)
            bottom = self.index(len(self._rows) - 1, _TIME_LEFT)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole])
            self.stageCountsChanged.emit()

    # --- rows -------------------------------------------------------------------------------------

    def _load(self, summaries: Iterable[OrderSummary]) -> None:
        self._rows = list(summaries)
        self._cells.clear()
        self._search_cache.clear()
        self._stages = Counter(stage_of(s.state) for s in self._rows)
        self._resort()

    def _resort(self) -> None:
        keyed = sorted(((self._key(s), s) for s in self._rows), key=lambda pair: pair[0])
        self._keys = [key for key, _ in keyed]
        self._rows = [summary for _, summary in keyed]
        self._row_of = {s.number: i for i, s in enumerate(self._rows)}

    def _reindex(self, first: int, last: int) -> None:
        for row in range(max(0, first), min(last, len(self._rows) - 1) + 1):
            self._row_of[self._rows[row].number] = row

    def _insert(self, summary: OrderSummary) -> None:
        key = self._key(summary)
        row = bisect_right(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, summary)
        self._keys.insert(row, key)
        self._reindex(row, len(self._rows) - 1)
        self._stages[stage_of(summary.state)] += 1
        self.endInsertRows()

    def _update(self, summary: OrderSummary) -> None:
        row = self._row_of[summary.number]
        old = self._rows[row]
        if old.state is not summary.state:
            self._stages[stage_of(old.state)] -= 1
            self._stages[stage_of(summary.state)] += 1
        key = self._key(summary)
        place = bisect_right(self._keys, key)  # among the current keys (the old one included)
        target = place - 1 if place > row else place  # its row once moved
        if target == row:
            self._keys[row] = key
            self._rows[row] = summary
            self._row_changed(row)
            return
        # Qt counts the destination before the move: the row it goes in front of, i.e. ``place``
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), place)
        del self._keys[row]
        del self._rows[row]
        self._keys.insert(target, key)
        self._rows.insert(target, summary)
        self._reindex(min(row, target), max(row, target))
        self.endMoveRows()
        self._row_changed(target)

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMNS - 1))

    def _remove(self, numbers: Iterable[str]) -> None:
        rows = sorted((self._row_of[n] for n in set(numbers) if n in self._row_of), reverse=True)
        if not rows:
            return
        runs: list[tuple[int, int]] = []  # contiguous runs, from the bottom up
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
                self._cells.pop(summary.number, None)
                self._row_of.pop(summary.number, None)
            del self._rows[first : last + 1]
            del self._keys[first : last + 1]
            self._reindex(first, len(self._rows) - 1)
            self.endRemoveRows()


class OrderQueueProxy(QSortFilterProxyModel):
    """Filter by stage and by a search text; sorting is the source model's (see the module docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(True)
        self._model: OrderQueueModel | None = None  # the source, kept: filterAcceptsRow runs per row
        self._stage = Stage.NEW
        self._states: frozenset[OrderState] | None = STAGE_STATES[Stage.NEW]
        self._search = ""

    @property
    def stage(self) -> Stage:
        return self._stage

    @property
    def search(self) -> str:
        return self._search

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.queue_model().sort(column, order)

    def set_stage(self, stage: Stage) -> None:
        if stage is self._stage:
            return
        self._change_filter(lambda: self._set_stage(stage))

    def _set_stage(self, stage: Stage) -> None:
        self._stage = stage
        self._states = STAGE_STATES.get(stage)  # None: every state (All; Not collected filters by time)

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

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        assert isinstance(model, OrderQueueModel)
        self._model = model
        super().setSourceModel(model)

    def queue_model(self) -> OrderQueueModel:
        assert self._model is not None, "setSourceModel() first"
        return self._model

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self._model
        assert model is not None
        summary = model._rows[source_row]
        if self._stage is Stage.NOT_COLLECTED:
            if not model.not_collected(summary):
                return False
        elif self._states is not None and summary.state not in self._states:
            return False
        if not self._search:
            return True
        text = model.search_text(source_row)
        return all(word in text for word in self._search.split())

    def number_at(self, row: int) -> str | None:
        index = self.index(row, 0)
        value = index.data(NUMBER_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None
