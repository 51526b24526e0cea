"""The assembly screen: one order, its lines, scans and their feedback, and the order's actions.

Everything is decided by the desk: :class:`~pharmacy_desk.desk.assembly.AssemblySession` checks each
scan, keeps the packs, the reasons and the totals; :class:`~pharmacy_desk.desk.service.DeskService`
posts the actions (or queues them offline). This widget shows and forwards.

Keys: F5 start assembly, F8 assembled, F9 ready, F6 fewer packs, F7 line missing, F4 substitute,
Del take the line's last pack out, 1…9 the series of the pack just scanned, F3 the manual code
field, Esc back to the queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.desk.assembly import AssemblyIncomplete, AssemblySession
from pharmacy_desk.desk.assembly_feedback import FeedbackCode, ScanFeedback
from pharmacy_desk.desk.queue_rules import seconds_left, utc_now
from pharmacy_desk.desk.scanner import ScannedCode, manual_entry
from pharmacy_desk.desk.service import ActOutcome, DeskService
from pharmacy_desk.domain import Action, Flow, Ready, StartAssembly
from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.remote_sale import FORBIDDEN_REASON
from pharmacy_desk.ui.assembly_lines import SKU_ROLE, AssemblyLinesModel, batch_text
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.key_buttons import add_key_buttons, key_shortcut
from pharmacy_desk.ui.line_dialogs import LineChoiceDialog, ReasonDialog, SubstituteDialog
from pharmacy_desk.ui.outcome import Shown, Tone, shown
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.sounds import Sound, SoundPlayer
from pharmacy_desk.ui.tasks import spawn

_TONE_STYLE = {
    Tone.OK: "background:#d7f5dd;color:#0b4d1c;padding:10px;",
    Tone.PENDING: "background:#ffe9b3;color:#6b4500;padding:10px;font-weight:bold;",
    Tone.REFUSED: "background:#c62828;color:#ffffff;padding:14px;font-weight:bold;",
}


class Busy(StrEnum):
    IDLE = "idle"
    ACTING = "acting"


class AssemblyView(QWidget):
    backRequested = Signal()
    feedbackShown = Signal(object)
    actionFinished = Signal(str, object)

    def __init__(
        self,
        service: DeskService,
        player: SoundPlayer,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.player = player
        self._clock = clock
        self.session: AssemblySession | None = None
        self.summary: OrderSummary | None = None
        self.last_feedback: ScanFeedback | None = None
        self.last_shown: Shown | None = None
        self._series_pending: list[ScanFeedback] = []  # packs waiting for their series, oldest first
        self.busy = Busy.IDLE

        self.title = QLabel(self)
        self.title.setObjectName("orderTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.details = QLabel(self)
        self.details.setObjectName("orderDetails")
        self.details.setWordWrap(True)

        self.lines = AssemblyLinesModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("lines")
        self.table.setModel(self.lines)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.feedback = QLabel(self)
        self.feedback.setObjectName("feedback")
        self.feedback.setWordWrap(True)
        self.feedback.setMinimumHeight(64)
        ffont = self.feedback.font()
        ffont.setPointSizeF(ffont.pointSizeF() * 1.4)
        self.feedback.setFont(ffont)
        self.series = QLabel(self)
        self.series.setObjectName("seriesChoices")
        self.series.setWordWrap(True)
        self.series.setStyleSheet("background:#ffe9b3;color:#6b4500;padding:8px;")
        self.series.hide()

        self.manual = QLineEdit(self)
        self.manual.setObjectName("manualCode")
        self.manual.setPlaceholderText(self.tr("Type or paste a code the scanner cannot read, then Enter (F3)"))
        self.manual.returnPressed.connect(self._manual_entered)

        self.totals = QLabel(self)
        self.totals.setObjectName("totals")
        tfont = self.totals.font()
        tfont.setPointSizeF(tfont.pointSizeF() * 1.2)
        tfont.setBold(True)
        self.totals.setFont(tfont)

        bar = QHBoxLayout()
        specs: tuple[tuple[str, str, Callable[[], object]], ...] = (
            ("F5", self.tr("F5 Start assembly"), self.start_assembly),
            ("F6", self.tr("F6 Fewer packs"), self.declare_short),
            ("F7", self.tr("F7 Missing"), self.mark_missing),
            ("F4", self.tr("F4 Substitute"), self.substitute),
            ("Del", self.tr("Del Take pack out"), self.remove_pack),
            ("F8", self.tr("F8 Assembled"), self.assembled),
            ("F9", self.tr("F9 Ready"), self.ready),
            ("Esc", self.tr("Esc Queue"), self.backRequested.emit),
        )
        self.buttons: dict[str, QPushButton] = add_key_buttons(self, bar, specs, name_prefix="button")
        key_shortcut(self, Qt.Key.Key_F3, lambda: self.manual.setFocus(Qt.FocusReason.ShortcutFocusReason))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.series)
        layout.addWidget(self.feedback)
        layout.addWidget(self.manual)
        layout.addWidget(self.totals)
        layout.addLayout(bar)

    # --- the order --------------------------------------------------------------------------------

    @property
    def number(self) -> str | None:
        return self.session.order.number if self.session is not None else None

    def show_session(self, session: AssemblySession, summary: OrderSummary | None) -> None:
        self.session = session
        self._series_pending.clear()
        self.lines.set_session(session)
        self.set_summary(summary or OrderSummary.of(session.order))
        self._update_series()
        self._update_totals()
        self._show(Shown(Tone.OK, self.tr("Scan the packs of the order. F5 starts the assembly.")), sound=None)
        if self.lines.rowCount() > 0:
            self._select_row(0)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        self.session = None
        self.summary = None
        self._series_pending.clear()
        self.lines.set_session(None)

    def set_summary(self, summary: OrderSummary) -> None:
        self.summary = summary
        flow = self.tr("Pickup") if summary.flow is Flow.PICKUP else self.tr("Delivery")
        self.title.setText(f"{summary.number} · {flow} · {summary.state_label}")
        parts = []
        left = seconds_left(summary, self._clock())
        if left is not None:
            minutes = str(int(abs(left) // 60))
            parts.append((self.tr("%1 min left") if left >= 0 else self.tr("%1 min late")).replace("%1", minutes))
        if summary.assembler is not None:
            parts.append(self.tr("Assembled by: %1").replace("%1", summary.assembler.label))
        if summary.courier is not None:
            courier = summary.courier.name or self.tr("assigned")
            if summary.courier_arrived_at is not None:
                courier += " — " + self.tr("is here!")
            parts.append(self.tr("Courier: %1").replace("%1", courier))
        if self.session is not None:
            order = self.session.order
            if order.customer.name:
                parts.append(self.tr("Customer: %1").replace("%1", order.customer.name))
            if order.comment:
                parts.append(self.tr("Comment: %1").replace("%1", order.comment))
        self.details.setText(" · ".join(parts))

    # --- scanning ---------------------------------------------------------------------------------

    def handle_scan(self, code: ScannedCode) -> ScanFeedback | None:
        """A code from the scanner (or the manual field): the session decides, the screen tells."""
        if self.session is None:
            return None
        feedback = self.session.scan(code.text)
        if feedback.code is FeedbackCode.UNKNOWN_PRODUCT:
            self._show_feedback(feedback)
            self._ask_line(feedback)
            return feedback
        self._after_feedback(feedback)
        return feedback

    def _after_feedback(self, feedback: ScanFeedback) -> None:
        if feedback.code is FeedbackCode.SERIES_NEEDED and feedback.ok and feedback.series_choices:
            self._series_pending.append(feedback)
        self.lines.refresh()
        if feedback.sku is not None:
            row = self.lines.row_of(feedback.sku)
            if row is not None:
                self._select_row(row)
        self._update_series()
        self._update_totals()
        self._show_feedback(feedback)

    def _show_feedback(self, feedback: ScanFeedback) -> None:
        self.last_feedback = feedback
        if not feedback.ok:
            self._show(Shown(Tone.REFUSED, feedback.message), sound=Sound.ERROR)
        elif feedback.code is FeedbackCode.SERIES_NEEDED:
            self._show(Shown(Tone.PENDING, feedback.message), sound=Sound.OK)
        else:
            self._show(Shown(Tone.OK, feedback.message), sound=Sound.OK)

    def _manual_entered(self) -> None:
        text = self.manual.text()
        if not text.strip():
            return
        self.manual.clear()
        self.handle_scan(manual_entry(text))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def key_handler(self, char: str) -> bool:
        """For the scanner filter: 1…9 choose the series of the oldest pack waiting for one."""
        if not self.isVisible() or not self._series_pending or self.manual.hasFocus():
            return False
        if not char.isdigit() or char == "0":
            return False
        return self.choose_series(int(char))

    def choose_series(self, choice: int) -> bool:
        if self.session is None or not self._series_pending:
            return False
        waiting = self._series_pending[0]
        if not 1 <= choice <= len(waiting.series_choices) or waiting.marking_code is None:
            return False
        self._series_pending.pop(0)
        feedback = self.session.confirm_series(waiting.marking_code, waiting.series_choices[choice - 1].series)
        self._after_feedback(feedback)
        return True

    def _update_series(self) -> None:
        if not self._series_pending:
            self.series.hide()
            return
        waiting = self._series_pending[0]
        rows = [f"{i} — {batch_text(b)}" for i, b in enumerate(waiting.series_choices[:9], start=1)]
        self.series.setText(self.tr("Which series is on the pack? Press its number:") + "\n" + "\n".join(rows))
        self.series.show()

    def _update_totals(self) -> None:
        if self.session is None:
            self.totals.clear()
            return
        text = (
            self.tr("Packs: %1 of %2").replace("%1", str(self.session.picked)).replace("%2", str(self.session.required))
        )
        totals = self.session.totals()
        if totals is not None:
            text += " · " + self.tr("Amount: %1").replace("%1", rubles(totals.total_price))
        self.totals.setText(text)

    def _show(self, message: Shown, *, sound: Sound | None) -> None:
        self.last_shown = message
        self.feedback.setText(message.message)
        self.feedback.setStyleSheet(_TONE_STYLE[message.tone])
        if sound is not None:
            self.player.play(sound)
        self.feedbackShown.emit(message)

    # --- the pharmacist's decisions on lines -----------------------------------------------------

    def _selected_sku(self) -> str | None:
        index = self.table.currentIndex()
        value = index.data(SKU_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None

    def _select_row(self, row: int) -> None:
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(self.lines.index(row, 0), flags)

    @async_slot()
    async def declare_short(self) -> None:
        await self._reason_for(missing=False)

    @async_slot()
    async def mark_missing(self) -> None:
        await self._reason_for(missing=True)

    async def _reason_for(self, *, missing: bool) -> None:
        sku = self._selected_sku()
        line = self.session.line(sku) if self.session is not None and sku is not None else None
        if self.session is None or line is None or line.replaces is not None:
            return
        if missing and line.forbidden is not None:  # the rule is the reason: no question to ask
            self.session.mark_missing(line.sku, FORBIDDEN_REASON)
            self.lines.refresh()
            self._update_totals()
            self._show(Shown(Tone.OK, f"{line.name}: {FORBIDDEN_REASON}"), sound=None)
            return
        if missing:
            dialog = ReasonDialog(
                self.tr("Missing line"), self.tr("Why is there none of %1?").replace("%1", line.name), self
            )
        else:
            prompt = self.tr("Why only %1 of %2 packs of %3?")
            prompt = prompt.replace("%1", str(line.picked)).replace("%2", str(line.required)).replace("%3", line.name)
            dialog = ReasonDialog(self.tr("Fewer packs"), prompt, self)
        accepted = await run_dialog(dialog)
        reason = dialog.reason()
        dialog.deleteLater()
        if not accepted or not reason or self.session is None:
            return
        if missing:
            self.session.mark_missing(line.sku, reason)
        else:
            self.session.declare_short(line.sku, reason)
        self.lines.refresh()
        self._update_totals()
        self._show(Shown(Tone.OK, f"{line.name}: {reason}"), sound=None)

    @async_slot()
    async def substitute(self) -> None:
        sku = self._selected_sku()
        line = self.session.line(sku) if self.session is not None and sku is not None else None
        if self.session is None or line is None or line.replaces is not None:
            return
        dialog = SubstituteDialog(line, self)
        accepted = await run_dialog(dialog)
        price = dialog.price_value()
        values = (dialog.sku.text().strip(), dialog.name.text().strip(), dialog.reason(), dialog.gtins())
        dialog.deleteLater()
        if not accepted or price is None or self.session is None:
            return
        new_sku, name, reason, gtins = values
        try:
            self.session.substitute(line.sku, sku=new_sku, name=name, price=price, reason=reason, gtins=gtins)
        except (KeyError, ValueError) as exc:
            self._show(Shown(Tone.REFUSED, str(exc)), sound=Sound.ERROR)
            return
        self.lines.refresh()
        self._update_totals()
        self._show(Shown(Tone.OK, self.tr("Substitute added: scan its packs")), sound=None)

    def remove_pack(self) -> None:
        sku = self._selected_sku()
        if self.session is None or sku is None:
            return
        feedback = self.session.remove_pack(sku)
        self._series_pending = [f for f in self._series_pending if f.marking_code != feedback.marking_code]
        self.lines.refresh()
        self._update_series()
        self._update_totals()
        tone = Tone.OK if feedback.ok else Tone.REFUSED
        self._show(Shown(tone, feedback.message), sound=None if feedback.ok else Sound.ERROR)

    def _ask_line(self, feedback: ScanFeedback) -> None:
        session = self.session
        if session is None:
            return

        async def ask() -> None:
            dialog = LineChoiceDialog(feedback.message, [line for line in session.lines() if not line.complete], self)
            accepted = await run_dialog(dialog)
            sku = dialog.sku()
            dialog.deleteLater()
            if accepted and sku is not None and self.session is session:
                self._after_feedback(session.assign_unknown(sku))

        spawn(ask())

    # --- the order's actions ----------------------------------------------------------------------

    @async_slot()
    async def start_assembly(self) -> None:
        await self.do_start()

    @async_slot()
    async def assembled(self) -> None:
        await self.do_assembled()

    @async_slot()
    async def ready(self) -> None:
        await self.do_ready()

    async def do_start(self) -> None:
        await self._act(StartAssembly(), self.tr("Assembly started: Kuper is told the order is in work"))

    async def do_assembled(self) -> None:
        if self.session is None:
            return
        try:
            action = self.session.assembled_action()
        except AssemblyIncomplete as exc:
            self._show(Shown(Tone.REFUSED, "\n".join(exc.blockers)), sound=Sound.ERROR)
            return
        await self._act(action, self.tr("Assembled"))

    async def do_ready(self) -> None:
        if self.session is None:
            return
        # Ready with the composition scanned here; when nothing is scanned on this PC (e.g. after a
        # restart), ready "as assembled": the relay sends the composition recorded at "assembled".
        action: Action = self.session.ready_action() if self.session.complete else Ready()
        await self._act(action, self.tr("Ready: Kuper has the final composition"))

    async def _act(self, action: Action, done: str) -> None:
        number = self.number
        if number is None or self.busy is Busy.ACTING:
            return
        self.busy = Busy.ACTING
        for button in self.buttons.values():
            button.setEnabled(False)
        try:
            outcome: ActOutcome = await self.service.act(number, action)
        finally:
            self.busy = Busy.IDLE
            for button in self.buttons.values():
                button.setEnabled(True)
        message = shown(outcome, done)
        self._show(message, sound=Sound.ERROR if message.tone is Tone.REFUSED else None)
        if message.tone is Tone.OK and action.kind == "assembled" and self.session is not None:
            self.service.remember(self.session)
        current = self.service.book.get(number)
        if current is not None and self.number == number:
            self.set_summary(current)
        self.actionFinished.emit(action.kind, outcome)
