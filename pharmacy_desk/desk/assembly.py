"""Assembling one order at the counter: scan packs into lines, check them, produce the final composition.

Pure logic over an :class:`~pharmacy_desk.domain.Order` snapshot; no I/O. What the session needs from
outside, each a plain parameter because today's relay offers none of it:

- ``catalogue``: GTIN → SKU (the order's lines carry SKUs only). A GTIN nobody knows is answered
  ``unknown_product``; :meth:`AssemblySession.assign_unknown` lets the pharmacist say which line it is
  (the link is kept in :attr:`AssemblySession.learned_gtins`);
- ``batches``: the stock's batches per SKU (series, expiry, quantity, shelf), or the order's planned
  batches (the relay's suggestions: reserved first, then FEFO), for FEFO suggestions and for the
  series of a pack whose code does not carry it;
- ``attributes``: the products' МНН, form, dose, pack size, shelf price (for substitutes,
  :meth:`AssemblySession.substitutes`);
- ``code_owner``: which other open order of the store already holds a pack (the order book);
- ``marked_skus``: SKUs whose packs must each be scanned by DataMatrix;
- ``forbidden``: SKU → why it may not be sold remotely (:mod:`pharmacy_desk.domain.remote_sale`):
  the line is blocked (no pack goes in, ``remote_sale_forbidden``) until it is left out with a reason
  (:meth:`AssemblySession.exclude_forbidden`) or the order is cancelled;
- ``storage``: SKU → the product's storage (:mod:`pharmacy_desk.domain.cold_chain`): cold and cool lines
  are marked and listed last (:func:`~pharmacy_desk.domain.cold_chain.assembly_order`);
- ``min_shelf_life_days`` and ``today`` for the sellable rule of :mod:`pharmacy_desk.domain.fefo`.

Checks of :meth:`AssemblySession.scan`, in order: a code at all (``garbage``, ``not_a_product``); the
same pack again (``already_scanned``, by GTIN + serial); the pack in another order
(``in_other_order``); the product known and in this order (``unknown_product``, ``not_in_order``,
``marking_required``); room left in the line (``line_complete``); the expiry, when the code, the
pack's batch or the only candidate batch tells it (``expired``, ``short_shelf_life``).

The series of a pack whose code does not carry it is the planned one (FEFO over the line's batches,
less the packs already given that series): when exactly one planned series still has room, the pack
gets it without a question. Only when several planned series are equally possible (or nothing is
planned and several batches are candidates) is the pack counted with its series pending, and the
question (``series_needed``) names the pack: the product and the serial's tail (the GTIN for a pack
without a serial). It waits for :meth:`AssemblySession.confirm_series`.

A marked pack's DataMatrix is kept exactly as :func:`~pharmacy_desk.domain.scans.parse_scan` rebuilt
it (GS as ``\\x1d``): that string goes to Kuper. Fewer packs, a missing line, a substitute: each with a
reason. :meth:`AssemblySession.final_lines` is the input of the ``assembled`` and ``ready`` actions,
checked with the domain's :func:`~pharmacy_desk.domain.composition.build_composition` before it is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from pharmacy_desk.desk.assembly_feedback import FeedbackCode, ScanFeedback
from pharmacy_desk.desk.marks import sgtin_of
from pharmacy_desk.domain import Assembled, FinalLine, Line, Order, Ready, Refusal, Totals, totals
from pharmacy_desk.domain.actions import MAX_BAGS
from pharmacy_desk.domain.bag_label import BagLabel
from pharmacy_desk.domain.cold_chain import assembly_order
from pharmacy_desk.domain.composition import build_composition
from pharmacy_desk.domain.fefo import Batch, is_sellable, plan_fefo, refusal_reason, remaining_days
from pharmacy_desk.domain.product import NO_ATTRIBUTES, ProductAttributes, Storage
from pharmacy_desk.domain.remote_sale import FORBIDDEN_REASON, cap_prices
from pharmacy_desk.domain.scans import DrugPack, RetailBarcode, ScanError, parse_scan
from pharmacy_desk.domain.substitutes import Candidate, Offer, SubstituteChoice, choose_substitutes

COMMON_REASONS: tuple[str, ...] = (
    "нет в наличии",
    "истёк срок годности",
    "мало срока годности",
    "повреждена упаковка",
    "по согласованию с покупателем",
)


SUBSTITUTE_REASON = "по согласованию с покупателем"


class AssemblyIncomplete(Exception):
    """The composition cannot be sent yet; ``blockers`` are Russian sentences for the screen."""

    def __init__(self, blockers: Sequence[str]) -> None:
        super().__init__("; ".join(blockers))
        self.blockers = tuple(blockers)


@dataclass(frozen=True, slots=True)
class Pack:
    """One pack in the bag. Marked packs have their code; unmarked ones only their GTIN."""

    gtin: str
    marking_code: str | None = None
    series: str | None = None
    expiry: dt.date | None = None
    series_pending: bool = False  # counted, but the pharmacist must choose the series

    @property
    def identity(self) -> str | None:
        return sgtin_of(self.marking_code) if self.marking_code else None


@dataclass
class _LineState:
    sku: str
    name: str
    required: int  # ordered packs (substitutes: filled in from what they replace)
    price: Decimal
    discount_price: Decimal | None = None
    replaces: str | None = None
    packs: list[Pack] = field(default_factory=list)
    reason: str | None = None

    @property
    def picked(self) -> int:
        return len(self.packs)

    @property
    def marked(self) -> bool:
        return any(p.marking_code for p in self.packs)


@dataclass(frozen=True, slots=True)
class LineProgress:
    """One line as the screen shows it."""

    sku: str
    name: str
    required: int  # how many may still go into this line in total (substitutes: what is left to replace)
    picked: int
    packs: tuple[Pack, ...]
    reason: str | None
    replaces: str | None
    suggestions: tuple[Batch, ...]  # FEFO: the batches to take, in order
    forbidden: str | None = None  # why this line may not be sold remotely (it is blocked)
    storage: Storage | None = None  # cold or cool: marked, assembled last

    @property
    def complete(self) -> bool:
        return self.picked >= self.required

    @property
    def settled(self) -> bool:
        """Complete, or short with a reason: nothing more is expected of this line."""
        return self.complete or self.reason is not None


def pack_label(gtin: str, serial: str | None) -> str:
    """How a question names one pack: the serial's last characters, else the GTIN."""
    if serial:
        return f"упаковка …{serial[-5:]}"
    return f"упаковка GTIN {gtin.lstrip('0') or gtin}"


def _gtin14(code: str) -> str:
    text = code.strip()
    return text.zfill(14) if text.isdigit() and len(text) <= 14 else text


class AssemblySession:
    def __init__(
        self,
        order: Order,
        *,
        catalogue: Mapping[str, str] | None = None,
        batches: Mapping[str, Sequence[Batch]] | None = None,
        code_owner: Callable[[str], str | None] | None = None,
        marked_skus: Collection[str] = (),
        forbidden: Mapping[str, str] | None = None,
        attributes: Mapping[str, ProductAttributes] | None = None,
        min_shelf_life_days: int = 0,
        today: dt.date | None = None,
    ) -> None:
        self.order = order
        self._catalogue = {_gtin14(k): v for k, v in (catalogue or {}).items()}
        self.learned_gtins: dict[str, str] = {}
        self._batches = {sku: tuple(b) for sku, b in (batches or {}).items()}
        self._code_owner = code_owner or (lambda code: None)
        self._marked = frozenset(marked_skus)
        self.forbidden: dict[str, str] = dict(forbidden or {})
        self.attributes: dict[str, ProductAttributes] = dict(attributes or {})
        self.storage: dict[str, Storage] = {
            sku: a.storage for sku, a in self.attributes.items() if a.storage is not None
        }
        self.min_shelf_life_days = min_shelf_life_days
        self.today = today or dt.date.today()
        self._lines: dict[str, _LineState] = {}
        for line in order.ordered:
            if line.ordered_quantity > 0:
                self._lines[line.sku] = _LineState(
                    line.sku, line.name or line.sku, line.ordered_quantity, line.price, line.discount_price
                )
        self._last_unknown: DrugPack | RetailBarcode | None = None
        self.bags = 1  # bags the order is packed in, said at "ready" (Kuper's packs.count, one label each)

    # --- what the screen shows --------------------------------------------------------------------

    def lines(self) -> list[LineProgress]:
        """The lines in the order to assemble them: cold and cool last."""
        return assembly_order([self._progress(state) for state in self._lines.values()], lambda line: line.storage)

    def line(self, sku: str) -> LineProgress | None:
        state = self._lines.get(sku)
        return self._progress(state) if state is not None else None

    @property
    def picked(self) -> int:
        return sum(s.picked for s in self._lines.values())

    @property
    def required(self) -> int:
        return sum(s.required for s in self._lines.values() if s.replaces is None)

    def _group(self, state: _LineState) -> _LineState:
        """The ordered line whose quantity ``state`` shares (itself, or the line a substitute replaces)."""
        return self._lines[state.replaces] if state.replaces is not None else state

    def _room(self, state: _LineState) -> int:
        """How many more packs may go into ``state``: an ordered line and its substitutes share its quantity."""
        target = self._group(state)
        taken = sum(s.picked for s in self._lines.values() if s is target or s.replaces == target.sku)
        return max(0, target.required - taken)

    def _expected(self, state: _LineState) -> int:
        """Packs this line should end with: what is in it plus the room left."""
        return state.picked + self._room(state)

    def _progress(self, state: _LineState) -> LineProgress:
        required = self._expected(state)
        plan = plan_fefo(
            self._batches.get(state.sku, ()),
            max(0, required - state.picked),
            today=self.today,
            min_shelf_life_days=self.min_shelf_life_days,
        )
        return LineProgress(
            sku=state.sku,
            name=state.name,
            required=required,
            picked=state.picked,
            packs=tuple(state.packs),
            reason=state.reason,
            replaces=state.replaces,
            suggestions=() if state.sku in self.forbidden else tuple(pick.batch for pick in plan.picks),
            forbidden=self.forbidden.get(state.sku),
            storage=self.storage.get(state.sku),
        )

    # --- scanning ---------------------------------------------------------------------------------

    def scan(self, raw: str) -> ScanFeedback:
        """One scan (what the scanner typed, or a code typed by hand); see the module docstring."""
        try:
            parsed = parse_scan(raw)
        except ScanError as error:
            return ScanFeedback(False, FeedbackCode.GARBAGE, error.message, scan_error=error.code)
        if isinstance(parsed, BagLabel):
            return ScanFeedback(False, FeedbackCode.NOT_A_PRODUCT, "Это этикетка пакета, а не товар")
        if isinstance(parsed, DrugPack):
            return self._scan_pack(parsed)
        return self._scan_barcode(parsed)

    def _sku_of(self, gtin: str) -> str | None:
        return self.learned_gtins.get(gtin) or self._catalogue.get(gtin)

    def _find_line(self, scan: DrugPack | RetailBarcode) -> _LineState | ScanFeedback:
        sku = self._sku_of(scan.gtin)
        if sku is None:
            self._last_unknown = scan
            return ScanFeedback(
                False,
                FeedbackCode.UNKNOWN_PRODUCT,
                f"Товар со штрихкодом {scan.gtin.lstrip('0')} не найден в справочнике: укажите, какой это товар заказа",
                gtin=scan.gtin,
            )
        state = self._lines.get(sku)
        if state is None:
            return ScanFeedback(False, FeedbackCode.NOT_IN_ORDER, "Этого товара нет в заказе", sku=sku, gtin=scan.gtin)
        rule = self.forbidden.get(sku)
        if rule is not None:
            return ScanFeedback(
                False,
                FeedbackCode.REMOTE_SALE_FORBIDDEN,
                f"{state.name}: {rule}. Не кладите в пакет: исключите позицию или отмените заказ",
                sku=sku,
                gtin=scan.gtin,
            )
        if self._room(state) <= 0:
            return ScanFeedback(
                False,
                FeedbackCode.LINE_COMPLETE,
                f"{state.name}: уже собрано {state.picked} из {self._expected(state)}",
                sku=sku,
                gtin=scan.gtin,
            )
        return state

    def _scan_pack(self, pack: DrugPack) -> ScanFeedback:
        code = pack.marking_code
        for state in self._lines.values():
            if any(p.identity == pack.sgtin for p in state.packs):
                return ScanFeedback(
                    False,
                    FeedbackCode.ALREADY_SCANNED,
                    f"Эта упаковка уже отсканирована в этом заказе ({state.name})",
                    sku=state.sku,
                    marking_code=code,
                    gtin=pack.gtin,
                )
        other = self._code_owner(code)
        if other is not None and other != self.order.number:
            return ScanFeedback(
                False,
                FeedbackCode.IN_OTHER_ORDER,
                f"Эта упаковка уже в заказе {other}: возьмите другую",
                marking_code=code,
                gtin=pack.gtin,
                other_order=other,
            )
        found = self._find_line(pack)
        if isinstance(found, ScanFeedback):
            return replace(found, marking_code=code)
        state = found
        if state.packs and not state.marked:
            return ScanFeedback(
                False,
                FeedbackCode.MARKING_REQUIRED,
                f"{state.name}: упаковки уже посчитаны по штрихкоду. Удалите их и сканируйте DataMatrix каждой",
                sku=state.sku,
                marking_code=code,
            )
        candidates = self._candidates(state.sku, pack.gtin)
        series = pack.batch
        expiry = pack.expiry
        if series is not None and expiry is None:
            expiry = next((b.expiry for b in candidates if b.series == series), None)
        pending = False
        if series is None and expiry is None:
            chosen = self._planned_series(state, candidates)
            if chosen is not None:
                series, expiry = chosen.series, chosen.expiry
            elif len(candidates) > 1:
                pending = True
        if expiry is not None:
            refusal = self._expiry_refusal(expiry, state, code)
            if refusal is not None:
                return refusal
        state.packs.append(Pack(pack.gtin, code, series, expiry, series_pending=pending))
        if pending:
            about = f"{state.name}, {pack_label(pack.gtin, pack.serial)}"
            return ScanFeedback(
                True,
                FeedbackCode.SERIES_NEEDED,
                f"{about}: {self._count_text(state)}. Выберите серию этой упаковки",
                sku=state.sku,
                marking_code=code,
                gtin=pack.gtin,
                series_choices=candidates,
                pack=about,
            )
        return self._ok(state, code, pack.gtin)

    def _planned_series(self, state: _LineState, candidates: tuple[Batch, ...]) -> Batch | None:
        """The series a pack of ``state`` gets without a question, or None when it is ambiguous.

        The plan is FEFO over the candidate batches for the packs this line ends with; a planned
        series has room while fewer of the line's packs carry it than the plan takes from it. One
        series with room: that one. Nothing planned (nothing sellable): the only candidate, if one.
        """
        if len(candidates) == 1:
            return candidates[0]
        plan = plan_fefo(
            candidates, self._expected(state), today=self.today, min_shelf_life_days=self.min_shelf_life_days
        )
        given: dict[str, int] = {}
        for p in state.packs:
            if p.series is not None and not p.series_pending:
                given[p.series] = given.get(p.series, 0) + 1
        room: dict[str, Batch] = {}
        for pick in plan.picks:
            left = pick.quantity - given.get(pick.batch.series, 0)
            given[pick.batch.series] = max(0, -left)
            if left > 0:
                room.setdefault(pick.batch.series, pick.batch)
        return next(iter(room.values())) if len(room) == 1 else None

    def _scan_barcode(self, barcode: RetailBarcode) -> ScanFeedback:
        found = self._find_line(barcode)
        if isinstance(found, ScanFeedback):
            return found
        state = found
        if state.marked or state.sku in self._marked:
            return ScanFeedback(
                False,
                FeedbackCode.MARKING_REQUIRED,
                f"{state.name} маркирован: отсканируйте DataMatrix на упаковке, а не штрихкод",
                sku=state.sku,
                gtin=barcode.gtin,
            )
        chosen = self._planned_series(state, self._candidates(state.sku, barcode.gtin))
        expiry = chosen.expiry if chosen is not None else None
        if expiry is not None:
            refusal = self._expiry_refusal(expiry, state, None)
            if refusal is not None:
                return refusal
        state.packs.append(Pack(barcode.gtin, None, chosen.series if chosen is not None else None, expiry))
        return self._ok(state, None, barcode.gtin)

    def _candidates(self, sku: str, gtin: str) -> tuple[Batch, ...]:
        batches = [b for b in self._batches.get(sku, ()) if b.gtin is None or _gtin14(b.gtin) == gtin]
        return tuple(sorted(batches, key=lambda b: (b.expiry, b.series)))

    def _expiry_refusal(self, expiry: dt.date, state: _LineState, code: str | None) -> ScanFeedback | None:
        reason = refusal_reason(expiry, self.today, self.min_shelf_life_days)
        if reason is None:
            return None
        kind = FeedbackCode.EXPIRED if remaining_days(expiry, self.today) < 1 else FeedbackCode.SHORT_SHELF_LIFE
        return ScanFeedback(
            False, kind, f"{state.name}: {reason}. Не кладите в пакет", sku=state.sku, marking_code=code
        )

    def _count_text(self, state: _LineState) -> str:
        return f"{state.picked} из {self._expected(state)}"

    def _ok(self, state: _LineState, code: str | None, gtin: str) -> ScanFeedback:
        return ScanFeedback(
            True,
            FeedbackCode.OK,
            f"{state.name}: {self._count_text(state)}",
            sku=state.sku,
            marking_code=code,
            gtin=gtin,
        )

    # --- the pharmacist's decisions ---------------------------------------------------------------

    def assign_unknown(self, sku: str) -> ScanFeedback:
        """The last ``unknown_product`` scan is a pack of ``sku`` (a line of this order): learn and count it."""
        scan = self._last_unknown
        if scan is None or sku not in self._lines:
            return ScanFeedback(False, FeedbackCode.NOT_IN_ORDER, "Выберите товар из этого заказа", sku=sku)
        self._last_unknown = None
        self.learned_gtins[scan.gtin] = sku
        return self._scan_pack(scan) if isinstance(scan, DrugPack) else self._scan_barcode(scan)

    def confirm_series(self, marking_code: str, series: str) -> ScanFeedback:
        """The pharmacist read the series on the pack; an unsellable one takes the pack out again."""
        for state in self._lines.values():
            for index, pack in enumerate(state.packs):
                if pack.marking_code != marking_code:
                    continue
                batch = next((b for b in self._candidates(state.sku, pack.gtin) if b.series == series), None)
                if batch is None:
                    return ScanFeedback(
                        False, FeedbackCode.SERIES_NEEDED, f"Серии {series} нет среди предложенных", sku=state.sku
                    )
                refusal = self._expiry_refusal(batch.expiry, state, marking_code)
                if refusal is not None:
                    del state.packs[index]
                    return refusal
                state.packs[index] = replace(pack, series=series, expiry=batch.expiry, series_pending=False)
                return self._ok(state, marking_code, pack.gtin)
        return ScanFeedback(False, FeedbackCode.REMOVED, "Этой упаковки нет в заказе", marking_code=marking_code)

    def packs_pending(self) -> list[Pack]:
        """Packs counted whose series is still to be chosen."""
        return [p for state in self._lines.values() for p in state.packs if p.series_pending]

    def remove_pack(self, sku: str, marking_code: str | None = None) -> ScanFeedback:
        """Take a pack out (the one with ``marking_code``, else the last one of the line)."""
        state = self._lines.get(sku)
        if state is None or not state.packs:
            return ScanFeedback(False, FeedbackCode.REMOVED, "В этой позиции нет упаковок", sku=sku)
        index = len(state.packs) - 1
        if marking_code is not None:
            index = next((i for i, p in enumerate(state.packs) if p.marking_code == marking_code), -1)
            if index < 0:
                return ScanFeedback(False, FeedbackCode.REMOVED, "Этой упаковки нет в позиции", sku=sku)
        removed = state.packs.pop(index)
        return ScanFeedback(
            True,
            FeedbackCode.REMOVED,
            f"{state.name}: упаковка убрана, {self._count_text(state)}",
            sku=sku,
            marking_code=removed.marking_code,
        )

    def declare_short(self, sku: str, reason: str) -> None:
        """Give fewer packs of ``sku`` than ordered (as many as are scanned), for ``reason``."""
        state = self._ordered(sku)
        if not reason.strip():
            raise ValueError("a reason is required")
        state.reason = reason.strip()

    def mark_missing(self, sku: str, reason: str) -> None:
        """Give none of ``sku``: scanned packs go back to the shelf."""
        self.declare_short(sku, reason)
        self._lines[sku].packs.clear()

    def exclude_forbidden(self) -> list[str]:
        """Leave every forbidden line out (reason :data:`FORBIDDEN_REASON`); the SKUs left out."""
        excluded = []
        for sku in self.forbidden:
            state = self._lines.get(sku)
            if state is not None and state.replaces is None:
                self.mark_missing(sku, FORBIDDEN_REASON)
                excluded.append(sku)
        return excluded

    def clear_reason(self, sku: str) -> None:
        self._ordered(sku).reason = None

    def substitute(
        self,
        replaced_sku: str,
        *,
        sku: str,
        name: str,
        price: Decimal,
        reason: str,
        discount_price: Decimal | None = None,
        gtins: Collection[str] = (),
        batches: Sequence[Batch] = (),
        marked: bool = False,
    ) -> LineProgress:
        """Offer ``sku`` instead of (part of) ``replaced_sku``; its packs are then scanned as usual.

        ``batches`` (its stock) give its FEFO suggestion and series; ``marked``: each pack by DataMatrix.
        """
        target = self._ordered(replaced_sku)
        if sku in self._lines:
            raise ValueError(f"{sku} is already a line of this order")
        if not reason.strip():
            raise ValueError("a reason is required")
        for gtin in gtins:
            self.learned_gtins[_gtin14(gtin)] = sku
        if batches:
            self._batches[sku] = tuple(batches)
        if marked:
            self._marked = self._marked | {sku}
        self._lines[sku] = _LineState(sku, name, 0, price, discount_price, replaces=replaced_sku, reason=reason.strip())
        if target.reason is None:
            target.reason = f"замена: {name}"
        return self._progress(self._lines[sku])

    def substitutes(self, sku: str, found: Sequence[Candidate]) -> SubstituteChoice:
        """Which of ``found`` (the stock's products with the line's МНН, form and dose) may replace the
        packs line ``sku`` is short of, under the order's ``replacementPolicy`` (cheapest first)."""
        state = self._ordered(sku)
        return choose_substitutes(
            sku,
            self.attributes.get(sku, NO_ATTRIBUTES),
            self._room(state),
            state.discount_price if state.discount_price is not None else state.price,
            found,
            policy=self.order.replacement_policy,
            phone=self.order.customer.phone,
            today=self.today,
            min_shelf_life_days=self.min_shelf_life_days,
            exclude=self._lines,
        )

    def take_offer(self, replaced_sku: str, offer: Offer, reason: str = SUBSTITUTE_REASON) -> LineProgress:
        """The pharmacist chose ``offer`` for ``replaced_sku``: it becomes a substitute line at its shelf price."""
        candidate = offer.candidate
        sellable = [b for b in candidate.batches if is_sellable(b.expiry, self.today, self.min_shelf_life_days)]
        return self.substitute(
            replaced_sku,
            sku=candidate.sku,
            name=candidate.name,
            price=offer.unit_price,
            reason=reason,
            gtins=candidate.gtins,
            batches=sellable,
            marked=candidate.marked,
        )

    def drop_substitute(self, sku: str) -> None:
        state = self._lines.get(sku)
        if state is None or state.replaces is None:
            raise KeyError(sku)
        del self._lines[sku]

    def _ordered(self, sku: str) -> _LineState:
        state = self._lines.get(sku)
        if state is None or state.replaces is not None:
            raise KeyError(f"{sku} is not an ordered line")
        return state

    # --- kept across a restart (:mod:`.assembly_store`) ---------------------------------------------

    def line_states(self) -> list[_LineState]:
        return list(self._lines.values())

    def put_back(self, sku: str, packs: Sequence[Pack], reason: str | None) -> int:
        """Packs saved before a restart, back into line ``sku`` (as many as there is room for); how many."""
        state = self._lines.get(sku)
        if state is None:
            return 0
        taken = 0
        for pack in packs:
            if self._room(state) <= 0:
                break
            state.packs.append(pack)
            taken += 1
        if reason is not None and state.replaces is None:
            state.reason = reason
        return taken

    # --- the result -------------------------------------------------------------------------------

    def final_lines(self) -> tuple[FinalLine, ...]:
        result = []
        for state in self._lines.values():
            codes = tuple(p.marking_code for p in state.packs if p.marking_code)
            if state.replaces is None:
                short = state.picked < state.required
                result.append(
                    FinalLine(
                        sku=state.sku,
                        quantity=state.picked,
                        marking_codes=codes,
                        reason=(state.reason or "нет в наличии") if short else None,
                    )
                )
            elif state.picked > 0:
                result.append(
                    FinalLine(
                        sku=state.sku,
                        quantity=state.picked,
                        marking_codes=codes,
                        replaces=state.replaces,
                        name=state.name,
                        price=state.price,
                        discount_price=state.discount_price,
                        reason=state.reason,
                    )
                )
        return tuple(result)

    def preview(self) -> tuple[Line, ...] | Refusal:
        """The composition the relay will compute from :meth:`final_lines` (or the domain's refusal)."""
        built = build_composition(self.order.ordered, self.final_lines())
        return built if isinstance(built, Refusal) else cap_prices(built, self.order.price_caps)

    def totals(self) -> Totals | None:
        built = self.preview()
        return None if isinstance(built, Refusal) else totals(built)

    def blockers(self) -> list[str]:
        """Why the order cannot be marked assembled yet (Russian); empty when it can."""
        found = []
        for state in self._lines.values():
            rule = self.forbidden.get(state.sku)
            if rule is not None and (state.packs or state.reason is None):
                found.append(f"{state.name}: {rule}. Исключите позицию или отмените заказ")
                continue
            if state.replaces is None and self._room(state) > 0 and state.reason is None:
                found.append(f"{state.name}: собрано {state.picked} из {state.required}, укажите причину")
            if any(p.series_pending for p in state.packs):
                found.append(f"{state.name}: выберите серию отсканированных упаковок")
        built = self.preview()
        if isinstance(built, Refusal):
            found.append(built.message)
        return found

    @property
    def complete(self) -> bool:
        return not self.blockers()

    def assembled_action(self) -> Assembled:
        blockers = self.blockers()
        if blockers:
            raise AssemblyIncomplete(blockers)
        return Assembled(composition=self.final_lines())

    def set_bags(self, bags: int) -> int:
        """The order goes in ``bags`` bags (kept within 1…:data:`MAX_BAGS`); the count kept."""
        self.bags = max(1, min(MAX_BAGS, bags))
        return self.bags

    def ready_action(self) -> Ready:
        blockers = self.blockers()
        if blockers:
            raise AssemblyIncomplete(blockers)
        return Ready(composition=self.final_lines(), packs=self.bags)
