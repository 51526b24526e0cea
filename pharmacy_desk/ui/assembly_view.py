"""The assembly screen: one order, its lines, scans and their feedback, and the order's actions.

Everything is decided by the desk: :class:`~pharmacy_desk.desk.assembly.AssemblySession` checks each
scan, keeps the packs, the reasons and the totals; :class:`~pharmacy_desk.desk.service.DeskService`
posts the actions (or queues them offline). This widget shows and forwards.

Keys: F5 start assembly, F8 assembled, F9 ready, F6 fewer packs, F7 line missing, F4 substitute,
Del take the line's last pack out, 1…9 the series of the pack just scanned, F3 the manual code
field, Esc back to the queue.

The first scan of a new order starts the assembly (F5 is then not needed). Under the lines, always in
the same place, the next step and its key (:func:`~pharmacy_desk.desk.next_step.assembly_step`); a key
that does not apply is disabled with the reason on hover, and pressed anyway it says that reason.
"""

from __future__ import annotations

import asyncio
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
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.desk.assembly import AssemblyIncomplete, AssemblySession, LineProgress
from pharmacy_desk.desk.assembly_feedback import FeedbackCode, ScanFeedback
from pharmacy_desk.desk.next_step import Step, assembly_step, starts_on_scan
from pharmacy_desk.desk.queue_rules import seconds_left, utc_now
from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.desk.scanner import ScannedCode, manual_entry
from pharmacy_desk.desk.service import ActOutcome, DeskService, Queued
from pharmacy_desk.domain import Action, Flow, OrderState, Ready, StartAssembly
from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.remote_sale import FORBIDDEN_REASON
from pharmacy_desk.domain.shelf import shelf_cell
from pharmacy_desk.domain.substitutes import Offer, Replacement
from pharmacy_desk.ui.assembly_lines import SKU_ROLE, AssemblyLinesModel, batch_text
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.key_buttons import KeyButton, add_key_buttons, key_shortcut
from pharmacy_desk.ui.line_dialogs import LineChoiceDialog, ReasonDialog, SubstituteDialog, SubstituteOfferDialog
from pharmacy_desk.ui.outcome import Shown, Tone, shown
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.sounds import Sound, SoundPlayer
from pharmacy_desk.ui.tasks import spawn

_TONE_STYLE = {
    Tone.OK: "background:#d7f5dd;color:#0b4d1c;padding:10px;",
    Tone.PENDING: "background:#ffe9b3;color:#6b4500;padding:10px;font-weight:bold;",
    Tone.REFUSED: "background:#c62828;color:#ffffff;padding:14px;font-weight:bold;",
}
BAG_KEYS = {"+": 1, "=": 1, "-": -1, "−": -1}  # "=": the + key without Shift
_KEEP = frozenset({OrderState.NEW, OrderState.ACCEPTED, OrderState.COLLECTING})  # kept across a restart
PROMPT_STYLE = "background:#e3f2fd;color:#0d3c61;padding:6px;font-weight:bold;border:1px solid #64b5f6;"


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
        self.step = Step("")
        self._started: set[str] = set()  # orders this screen started (the book may lag, or the start is queued)
        self._starting: asyncio.Task[None] | None = None
        self._after_start: list[ScannedCode] = []  # scans that came while the first scan's start was sent

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
        self.feedback.setFixedHeight(76)  # two lines; it never pushes the buttons
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

        self.prompt = QLabel(self)
        self.prompt.setObjectName("nextStep")
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet(PROMPT_STYLE)

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
        self.buttons: dict[str, KeyButton] = add_key_buttons(self, bar, specs, name_prefix="button")
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
        layout.addWidget(self.prompt)
        layout.addLayout(bar)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._refresh_step())

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
        self._show(Shown(Tone.OK, self.tr("Order %1 is open").replace("%1", session.order.number)), sound=None)
        if self.lines.rowCount() > 0:
            self._select_row(0)
        self._refresh_step()
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
        self._refresh_step()

    # --- the next step ----------------------------------------------------------------------------

    @property
    def state(self) -> OrderState | None:
        if self.summary is not None:
            state = self.summary.state
            if starts_on_scan(state) and self.summary.number in self._started:
                return OrderState.COLLECTING  # started here; the relay's answer (or the queue) follows
            return state
        return self.session.order.state if self.session is not None else None

    def _refresh_step(self) -> None:
        state = self.state
        if state is None:
            self.step = Step("")
        else:
            sku = self._selected_sku()
            line = self.session.line(sku) if self.session is not None and sku is not None else None
            self.step = assembly_step(
                state,
                self.session,
                busy=self.busy is Busy.ACTING or self._starting is not None,
                selected_has_packs=line is not None and line.picked > 0,
                series_pending=bool(self._series_pending),
                assembled_elsewhere_by=self._assembled_elsewhere_by(),
                shelf_cell=shelf_cell(self.summary.number, self.service.settings.labels.shelf_cells)
                if self.summary is not None
                else None,
            )
        self.prompt.setText(self.step.prompt)
        if self.session is not None and self.busy is Busy.IDLE and state in _KEEP:
            self.service.save_assembly(self.session)  # survives an app restart on this PC
        for key, button in self.buttons.items():
            reason = self.step.refusals.get(key, "")
            button.setEnabled(not reason)
            button.set_reason(reason)

    def _assembled_elsewhere_by(self) -> str | None:
        """Who assembles the order when it was not started on this screen and nothing is scanned here."""
        summary, session = self.summary, self.session
        if summary is None or summary.assembler is None or summary.state is not OrderState.COLLECTING:
            return None
        if summary.number in self._started or (session is not None and session.picked > 0):
            return None
        return summary.assembler.label

    def allowed(self, key: str) -> bool:
        """Whether ``key`` applies now; if not, the screen says why (and beeps)."""
        reason = self.step.refusals.get(key)
        if reason is None:
            return True
        self._show(Shown(Tone.REFUSED, reason), sound=Sound.ERROR)
        return False

    # --- scanning ---------------------------------------------------------------------------------

    def handle_scan(self, code: ScannedCode) -> ScanFeedback | None:
        """A code from the scanner (or the manual field): the session decides, the screen tells."""
        if self.session is None:
            return None
        if self._starting is not None:  # the first scan's start is being sent: this one waits for it
            self._after_start.append(code)
            return None
        state = self.state
        if state is not None and starts_on_scan(state):
            self._after_start = [code]
            self._starting = spawn(self._start_then_scan())
            self._refresh_step()
            return None
        feedback = self.session.scan(code.text)
        if feedback.code is FeedbackCode.UNKNOWN_PRODUCT:
            self._show_feedback(feedback)
            self._ask_line(feedback)
            return feedback
        self._after_feedback(feedback)
        return feedback

    async def _start_then_scan(self) -> None:
        """The first scan of a new order: start the assembly (Kuper: in work), then count the scans."""
        try:
            started = await self._start()
        finally:
            self._starting = None
        codes, self._after_start = self._after_start, []
        if started:
            for code in codes:
                self.handle_scan(code)
        self._refresh_step()

    def _after_feedback(self, feedback: ScanFeedback) -> None:
        if feedback.code is FeedbackCode.SERIES_NEEDED and feedback.ok and feedback.series_choices:
            self._series_pending.append(feedback)
            spawn(self._settle_series(feedback))
        self.lines.refresh()
        if feedback.sku is not None:
            row = self.lines.row_of(feedback.sku)
            if row is not None:
                self._select_row(row)
        self._update_series()
        self._update_totals()
        self._show_feedback(feedback)
        self._refresh_step()

    async def _settle_series(self, asked: ScanFeedback) -> None:
        """The series recorded on receipt for the pack's serial answers the question by itself."""
        session = self.session
        if session is None:
            return
        settled = await self.service.settle_series(session, asked)
        if settled is None or self.session is not session or asked not in self._series_pending:
            return
        self._series_pending.remove(asked)
        self._after_feedback(settled)

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
        """For the scanner filter: 1…9 choose the series of the oldest pack waiting for one; once the
        order is assembled, + and − set how many bags it goes in."""
        if not self.isVisible() or self.manual.hasFocus():
            return False
        if char in BAG_KEYS and self.state is OrderState.ASSEMBLED and self.busy is Busy.IDLE:
            self.change_bags(BAG_KEYS[char])
            return True
        if not self._series_pending:
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
        about = waiting.pack or waiting.message  # the product and the pack (serial tail or GTIN)
        question = self.tr("Which series is on this pack (%1)? Press its number:").replace("%1", about)
        self.series.setText(question + "\n" + "\n".join(rows))
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
        if self.allowed("F6"):
            await self._reason_for(missing=False)

    @async_slot()
    async def mark_missing(self) -> None:
        if self.allowed("F7"):
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
        self._refresh_step()

    @async_slot()
    async def substitute(self) -> None:
        if not self.allowed("F4"):
            return
        sku = self._selected_sku()
        line = self.session.line(sku) if self.session is not None and sku is not None else None
        if self.session is None or line is None or line.replaces is not None:
            return
        session = self.session
        choice = await self.service.substitute_offers(session, line.sku)
        if self.session is not session:
            return
        if choice.rule is Replacement.FORBIDDEN:  # the customer said no substitutes: none is offered
            self._show(Shown(Tone.REFUSED, f"{line.name}: {choice.why_none_ru}"), sound=Sound.ERROR)
            return
        if choice.offers:
            offers = SubstituteOfferDialog(line, choice, self)
            taken = await run_dialog(offers)
            offer, reason, manual = offers.offer(), offers.reason(), offers.manual
            offers.deleteLater()
            if not manual:
                if taken and offer is not None and self.session is session and reason:
                    self._take_offer(line, offer, reason)
                return
        elif choice.why_none_ru:
            call = ". " + self.tr("Customer's phone: %1").replace("%1", choice.phone) if choice.phone else ""
            self._show(Shown(Tone.PENDING, f"{line.name}: {choice.why_none_ru}{call}"), sound=None)
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
        self._refresh_step()

    def _take_offer(self, line: LineProgress, offer: Offer, reason: str) -> None:
        if self.session is None:
            return
        try:
            self.session.take_offer(line.sku, offer, reason)
        except (KeyError, ValueError) as exc:
            self._show(Shown(Tone.REFUSED, str(exc)), sound=Sound.ERROR)
            return
        self.lines.refresh()
        self._update_totals()
        row = self.lines.row_of(offer.sku)
        if row is not None:
            self._select_row(row)
        text = self.tr("Substitute %1: scan %2 pack(s)").replace("%1", offer.candidate.name)
        self._show(Shown(Tone.OK, text.replace("%2", str(offer.packs))), sound=None)
        self._refresh_step()

    def remove_pack(self) -> None:
        sku = self._selected_sku()
        if self.session is None or sku is None or not self.allowed("Del"):
            return
        feedback = self.session.remove_pack(sku)
        self._series_pending = [f for f in self._series_pending if f.marking_code != feedback.marking_code]
        self.lines.refresh()
        self._update_series()
        self._update_totals()
        tone = Tone.OK if feedback.ok else Tone.REFUSED
        self._show(Shown(tone, feedback.message), sound=None if feedback.ok else Sound.ERROR)
        self._refresh_step()

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
        if self.allowed("F5"):
            await self.do_start()

    @async_slot()
    async def assembled(self) -> None:
        if self.allowed("F8"):
            await self.do_assembled()

    @async_slot()
    async def ready(self) -> None:
        if self.allowed("F9"):
            await self.do_ready()

    async def do_start(self) -> None:
        await self._start()

    async def _start(self) -> bool:
        """Start the assembly; True when it is started (or queued to be, offline)."""
        number = self.number
        outcome = await self._act(StartAssembly(), self.tr("Assembly started: Kuper is told the order is in work"))
        ok = isinstance(outcome, Accepted | Queued)
        if ok and number is not None:
            self._started.add(number)
            self._refresh_step()
        return ok

    async def do_assembled(self) -> None:
        if self.session is None:
            return
        try:
            action = self.session.assembled_action()
        except AssemblyIncomplete as exc:
            self._show(Shown(Tone.REFUSED, "\n".join(exc.blockers)), sound=Sound.ERROR)
            return
        await self._act(action, self.tr("Assembled"))

    def change_bags(self, step: int) -> None:
        """+ / − once the order is assembled: how many bags it goes in (one label each at "ready")."""
        if self.session is None or self.state is not OrderState.ASSEMBLED:
            return
        self.session.set_bags(self.session.bags + step)
        self._refresh_step()

    async def do_ready(self) -> None:
        if self.session is None:
            return
        # Ready with the composition scanned here; when nothing is scanned on this PC (e.g. after a
        # restart), ready "as assembled": the relay sends the composition recorded at "assembled".
        action: Action = self.session.ready_action() if self.session.complete else Ready(packs=self.session.bags)
        await self._act(action, self.tr("Ready: Kuper has the final composition"))

    async def _act(self, action: Action, done: str) -> ActOutcome | None:
        number = self.number
        if number is None or self.busy is Busy.ACTING:
            return None
        self.busy = Busy.ACTING
        self._refresh_step()
        try:
            outcome: ActOutcome = await self.service.act(number, action)
        finally:
            self.busy = Busy.IDLE
        message = shown(outcome, done)
        self._show(message, sound=Sound.ERROR if message.tone is Tone.REFUSED else None)
        if message.tone is Tone.OK and action.kind == "assembled" and self.session is not None:
            self.service.remember(self.session)
            self.service.forget_assembly(number)  # the relay has the composition now
        current = self.service.book.get(number)
        if current is not None and self.number == number:
            self.set_summary(current)
        self._refresh_step()
        self.actionFinished.emit(action.kind, outcome)
        return outcome
