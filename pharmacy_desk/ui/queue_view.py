"""The order queue screen: stage tabs with counts, a search field and the orders table.

Keys: Ctrl+1…Ctrl+6 the tabs, Ctrl+F the search, Enter opens the selected order, F5 starts assembling it,
F8 cancels the selected pickup order nobody collected (the «Не забрали» tab: past the store's hold).
Several orders can be selected (Shift/Ctrl + arrows or click) for one pick list (Ctrl+L); the other
keys act on the current row.

The table never scrolls sideways: :func:`fit_columns` gives each column its share of the width, the
columns that matter first (number, state, time left, courier...), and hides the least needed ones when
even their minimum widths do not fit (their values stay in each row's tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.queue_rules import Stage
from pharmacy_desk.ui.queue_model import NUMBER_ROLE, Column, OrderQueueModel, OrderQueueProxy

Index = QModelIndex | QPersistentModelIndex

STAGE_ORDER = (Stage.NEW, Stage.ASSEMBLY, Stage.READY, Stage.HANDOVER, Stage.ALL, Stage.NOT_COLLECTED)

# The columns left to right, the most needed first; each with the sample text its minimum width must
# show (in the table's font) and its weight in sharing the room left. Hidden from the end when narrow.
COLUMN_LAYOUT: tuple[tuple[Column, str, int], ...] = (
    (Column.NUMBER, "❄ D-0000001", 2),  # a cold-chain order's number carries the mark
    (Column.STATE, "Ждёт покупателя", 3),
    (Column.TIME_LEFT, "опоздание 1:05", 2),
    (Column.COURIER, "Курьер ждёт!", 3),
    (Column.FLOW, "Самовывоз", 1),
    (Column.AMOUNT, "12 345,00 ₽", 1),
    (Column.PACKS, "Упаковок", 0),
    (Column.KUPER_ID, "5f2dd97f", 1),
    (Column.ASSEMBLER, "Касса 1", 2),
)
_CELL_PAD = 18  # cell margins and the sort arrow


def fit_columns(table: QTableView, available: int) -> list[Column]:
    """Widths for ``available`` pixels: minimums first, the rest shared by weight; returns the hidden ones."""
    bold = QFont(table.font())
    bold.setBold(True)  # ringing rows are bold: their text must fit too
    metrics = QFontMetrics(bold)
    header = table.horizontalHeader()
    header_metrics = QFontMetrics(header.font())
    model = table.model()
    minimum: list[tuple[Column, int, int]] = []
    for column, sample, weight in COLUMN_LAYOUT:
        title = model.headerData(column, Qt.Orientation.Horizontal) if model is not None else ""
        width = max(metrics.horizontalAdvance(sample), header_metrics.horizontalAdvance(str(title or ""))) + _CELL_PAD
        minimum.append((column, width, weight))
    shown = list(minimum)
    while len(shown) > 1 and sum(width for _, width, _ in shown) > available:
        shown.pop()
    hidden = [column for column, _, _ in minimum[len(shown) :]]
    spare = max(0, available - sum(width for _, width, _ in shown))
    weights = sum(weight for _, _, weight in shown) or 1
    used = 0
    for i, (column, width, weight) in enumerate(shown):
        extra = spare * weight // weights if i < len(shown) - 1 else spare - used
        used += extra
        table.setColumnHidden(column, False)
        header.resizeSection(column, width + extra)
    for column in hidden:
        table.setColumnHidden(column, True)
    return hidden


class QueueView(QWidget):
    openRequested = Signal(str)
    startRequested = Signal(str)
    cancelNoShowRequested = Signal(str)  # F8 on an order past its pickup hold

    def __init__(self, model: OrderQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = OrderQueueProxy(self)
        self.proxy.setSourceModel(model)
        self._stage_names = {
            Stage.NEW: self.tr("New"),
            Stage.ASSEMBLY: self.tr("Assembly"),
            Stage.READY: self.tr("Ready"),
            Stage.HANDOVER: self.tr("Hand-over"),
            Stage.ALL: self.tr("All"),
            Stage.NOT_COLLECTED: self.tr("Not collected"),
        }

        self.tabs = QTabBar(self)
        self.tabs.setExpanding(False)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for stage in STAGE_ORDER:
            self.tabs.addTab(self._stage_names[stage])
        self.tabs.currentChanged.connect(self._tab_changed)

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search: number, Kuper number, customer, last phone digits (Ctrl+F)"))
        self.search.textChanged.connect(self.proxy.set_search)

        self.table = QTableView(self)
        self.table.setObjectName("queue")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        for visual, (column, _, _) in enumerate(COLUMN_LAYOUT):
            header.moveSection(header.visualIndex(column), visual)
        self.hidden_columns: list[Column] = []
        self.table.viewport().installEventFilter(self)
        self.table.sortByColumn(Column.TIME_LEFT, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(self._activated)

        top = QHBoxLayout()
        top.addWidget(self.tabs, 0)
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        for number, stage in enumerate(STAGE_ORDER, start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda stage=stage: self.set_stage(stage))
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        start = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        start.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        start.activated.connect(self._start_selected)
        cancel = QShortcut(QKeySequence(Qt.Key.Key_F8), self)
        cancel.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        cancel.activated.connect(self.cancel_selected_no_show)

        model.stageCountsChanged.connect(self._update_counts)
        # the shown rows: a row enters the tab when it is added or when a change lets it through the filter
        self.proxy.rowsInserted.connect(self._keep_selection)
        # a reset (the first list of orders after connecting) drops the current row: keep it, or take the top one
        self._selected_before_reset: str | None = None
        self.proxy.modelAboutToBeReset.connect(self._remember_selection)
        self.proxy.modelReset.connect(self._selection_after_reset)
        self._update_counts()

    # --- columns ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        self.hidden_columns = fit_columns(self.table, self.table.viewport().width())

    # --- tabs and search --------------------------------------------------------------------------

    def set_stage(self, stage: Stage) -> None:
        self.tabs.setCurrentIndex(STAGE_ORDER.index(stage))

    def _tab_changed(self, index: int) -> None:
        self.proxy.set_stage(STAGE_ORDER[index])
        self._keep_selection()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _update_counts(self) -> None:
        for i, stage in enumerate(STAGE_ORDER):
            count = self.model.stage_count(stage)
            name = self._stage_names[stage]
            shown = count or stage not in (Stage.ALL, Stage.NOT_COLLECTED)
            self.tabs.setTabText(i, f"{name} ({count})" if shown else name)

    # --- selection --------------------------------------------------------------------------------

    def selected_number(self) -> str | None:
        index = self.table.currentIndex()
        value = index.data(NUMBER_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None

    def selected_numbers(self) -> list[str]:
        """Every selected order, top to bottom as shown; the current one when nothing is selected."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        numbers = [self.proxy.index(row, 0).data(NUMBER_ROLE) for row in rows]
        found = [n for n in numbers if isinstance(n, str)]
        current = self.selected_number()
        return found or ([current] if current is not None else [])

    def select(self, number: str) -> bool:
        """Show and select order ``number`` (switching to "All" and clearing the search if needed)."""
        row = self.model.row_of(number)
        if row is None:
            return False
        source = self.model.index(row, 0)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.search.clear()
            self.set_stage(Stage.ALL)
            index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        self._make_current(index)
        self.table.scrollTo(index)
        return True

    def _make_current(self, index: Index) -> None:
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)

    def _keep_selection(self, *args: object) -> None:
        if not self.table.currentIndex().isValid() and self.proxy.rowCount() > 0:
            self._make_current(self.proxy.index(0, 0))

    def _remember_selection(self) -> None:
        self._selected_before_reset = self.selected_number()

    def _selection_after_reset(self) -> None:
        number, self._selected_before_reset = self._selected_before_reset, None
        row = self.model.row_of(number) if number is not None else None
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row is not None else None
        if index is not None and index.isValid():
            self._make_current(index)
        else:
            self._keep_selection()

    def _activated(self, index: Index) -> None:
        number = index.data(NUMBER_ROLE)
        if isinstance(number, str):
            self.openRequested.emit(number)

    def _start_selected(self) -> None:
        number = self.selected_number()
        if number is not None:
            self.startRequested.emit(number)

    def cancel_selected_no_show(self) -> bool:
        """F8: ask to cancel the selected order when it is past its pickup hold; True when asked."""
        number = self.selected_number()
        row = self.model.row_of(number) if number is not None else None
        if number is None or row is None or not self.model.not_collected(self.model.summary(row)):
            return False
        self.cancelNoShowRequested.emit(number)
        return True
