"""What a pick list (сборочный лист) prints and where, in millimetres (pure: no Qt).

The sections come ordered from the domain (:mod:`pharmacy_desk.domain.pick_list`); this module turns
them into rows of text for a paper format (:func:`pick_list_rows`) and puts the rows on pages
(:func:`paginate`); :func:`pharmacy_desk.printing.render.paint_pick_list` draws them, on a printer,
in the print preview or into a PDF, with the labels' painting code.

Two formats:

- ``PICK_ROLL_80``: an 80 mm receipt roll (72 mm printable). Each line stacks: the tick box, the cell
  and the quantity on its first row, the name under it when long, then one row per batch to take
  (series, expiry, packs). The page is as long as the list (one long slip; orders apart by a dashed
  line to tear along).
- ``PICK_A4``: A4 pages with columns: ✓, cell, name, series, expiry, quantity.

Every order: its number (ours, large) and Kuper's, the flow and the deadline; cool and cold lines come
last under a black band and carry «ПРОХЛАДА +8…+15» / «ХОЛОД +2…+8»; a line not to pick has its box
crossed and «НЕ СОБИРАТЬ» with the rule. Times are printed in the store's local time (``tz``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from pharmacy_desk.domain.pick_list import STORAGE_MARK_RU, PickGroup, PickLine, PickSection
from pharmacy_desk.domain.product import Storage
from pharmacy_desk.domain.states import Flow
from pharmacy_desk.printing.label import FLOW_TEXT, kuper_number
from pharmacy_desk.printing.layout import LINE, Box

__all__ = [
    "PICK_A4",
    "PICK_FORMATS",
    "PICK_ROLL_80",
    "PickListFormat",
    "PickPage",
    "PickRow",
    "PickText",
    "paginate",
    "pick_list_pages",
    "pick_list_rows",
]

CHAR_W = 0.64  # average advance of a DejaVu Sans character, in em (bold: 0.72): wraps before measuring
CHAR_W_BOLD = 0.72
ROLL_MAX_MM = 4000.0  # a roll page longer than this is cut into pages (PDF pages end at 5080 mm)


@dataclass(frozen=True, slots=True)
class PickListFormat:
    key: str
    title: str
    page_w: float
    page_h: float | None  # None: a roll, the page is as long as the list
    pad_x: float
    pad_y: float
    body: float  # the lines' text (em, mm)
    small: float  # batches, notes
    heading: float  # «СБОРОЧНЫЙ ЛИСТ»
    number: float  # our order number
    columns: bool  # True: one row per batch in columns; False: stacked rows (a roll)

    @property
    def width(self) -> float:
        """The printable width."""
        return self.page_w - 2 * self.pad_x


PICK_ROLL_80 = PickListFormat(
    key="80mm", title="Термолента 80 мм", page_w=80, page_h=None, pad_x=4, pad_y=4,
    body=3.4, small=3.0, heading=4.6, number=6.5, columns=False,
)  # fmt: skip
PICK_A4 = PickListFormat(
    key="a4", title="A4", page_w=210, page_h=297, pad_x=12, pad_y=12,
    body=3.6, small=3.1, heading=5.5, number=7.0, columns=True,
)  # fmt: skip
PICK_FORMATS: dict[str, PickListFormat] = {f.key: f for f in (PICK_ROLL_80, PICK_A4)}

Align = Literal["left", "right", "center"]


@dataclass(frozen=True, slots=True)
class PickText:
    """One piece of text in a row: from ``x`` (mm from the printable area's left), ``w`` wide."""

    x: float
    w: float
    text: str
    size: float
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class PickRow:
    height: float
    texts: tuple[PickText, ...] = ()
    box: Box | None = None  # a box to tick (x, y relative to the row)
    crossed: bool = False  # the box is crossed out: not to pick
    band: bool = False  # white text on a black band across the row
    rule: Literal["", "solid", "dashed"] = ""  # a line across the row's middle
    keep_with_next: bool = False  # never the last row of a page


@dataclass(frozen=True, slots=True)
class PickPage:
    height: float  # mm
    rows: tuple[tuple[float, PickRow], ...]  # (y from the page's top, row)


def _local(moment: datetime | None, tz: tzinfo | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(tz)


def _hm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def deadline_text(section: PickSection, tz: tzinfo | None) -> str:
    """``срок 14:00–15:00, 22.11`` (or ``срок 15:00, 22.11``); ``срок не указан`` without one."""
    start, end = _local(section.due_from, tz), _local(section.due_to, tz)
    if end is None:
        end, start = start, None
    if end is None:
        return "срок не указан"
    span = f"{_hm(start)}–{_hm(end)}" if start is not None and start != end else _hm(end)
    return f"срок {span}, {end:%d.%m}"


def _wrap(text: str, width_mm: float, size: float, lines: int = 3, *, bold: bool = False) -> list[str]:
    chars = max(8, int(width_mm / (size * (CHAR_W_BOLD if bold else CHAR_W))))
    wrapped = textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if len(wrapped) > lines:  # the last line takes the rest (shrunk or elided when drawn)
        wrapped = [*wrapped[: lines - 1], " ".join(wrapped[lines - 1 :])]
    return wrapped


def _band_text(group: PickGroup) -> str:
    return {
        PickGroup.COOL: f"{STORAGE_MARK_RU[Storage.COOL]} — в конце",
        PickGroup.COLD: f"{STORAGE_MARK_RU[Storage.COLD]} — последними",
        PickGroup.FORBIDDEN: "НЕ СОБИРАТЬ",
    }.get(group, "")


class _Rows:
    def __init__(self, fmt: PickListFormat) -> None:
        self.fmt = fmt
        self.rows: list[PickRow] = []

    def text(self, text: str, size: float, *, bold: bool = False, align: Align = "left", keep: bool = False) -> None:
        full = PickText(0, self.fmt.width, text, size, bold, align)
        self.rows.append(PickRow(size * LINE, (full,), keep_with_next=keep))

    def wrapped(self, text: str, size: float, *, bold: bool = False, x: float = 0.0) -> None:
        for part in _wrap(text, self.fmt.width - x, size, lines=4, bold=bold):
            self.rows.append(PickRow(size * LINE, (PickText(x, self.fmt.width - x, part, size, bold),)))

    def band(self, text: str, size: float, *, keep: bool = True) -> None:
        self.rows.append(
            PickRow(size * 1.7, (PickText(1.5, self.fmt.width - 3, text, size, True),), band=True, keep_with_next=keep)
        )

    def rule(self, kind: Literal["solid", "dashed"], height: float = 3.0) -> None:
        self.rows.append(PickRow(height, rule=kind))

    def gap(self, height: float) -> None:
        self.rows.append(PickRow(height))


def _batch_text(line: PickLine, index: int) -> tuple[str, str, str]:
    """Series (with its packs when the line takes several batches), expiry, the batch's own cell."""
    batch = line.batches[index]
    several = len(line.batches) > 1
    series = f"{batch.series}, {batch.quantity} уп." if several else batch.series
    where = batch.location if batch.location and batch.location != line.cell else ""
    return series, f"{batch.expiry:%d.%m.%Y}", where


def _line_notes(line: PickLine, section: PickSection) -> list[tuple[str, bool]]:
    """Rows under a line: its storage mark, warnings, packs missing (text, bold)."""
    notes: list[tuple[str, bool]] = []
    if line.forbidden is not None:
        notes.append((f"НЕ СОБИРАТЬ: {line.forbidden}", True))
        return notes
    if line.storage_mark:
        notes.append((line.storage_mark, True))
    notes += [(f"! {b.series}: {b.warning}", True) for b in line.batches if b.warning]
    if line.shortfall:
        notes.append((f"не хватает {line.shortfall} уп. — нет подходящих серий на остатках", True))
    elif section.batches_known and not line.batches:
        notes.append(("серия не подобрана", False))
    return notes


def _roll_line(out: _Rows, line: PickLine, section: PickSection) -> None:
    fmt = out.fmt
    size, small = fmt.body, fmt.small
    box = Box(0, 0.4, size * 1.1, size * 1.1)
    cell_w, qty_w = 15.0, 11.0
    name_x = box.w + 1.5 + cell_w + 1.0
    name_w = fmt.width - name_x - qty_w
    names = _wrap(line.name, name_w, size)
    qty = "—" if line.forbidden is not None else f"× {line.quantity}"
    first = (
        PickText(box.w + 1.5, cell_w, line.cell or "—", size, bold=True),
        PickText(name_x, name_w, names[0], size),
        PickText(fmt.width - qty_w, qty_w, qty, size, bold=True, align="right"),
    )
    out.rows.append(PickRow(size * LINE, first, box=box, crossed=line.forbidden is not None, keep_with_next=True))
    for part in names[1:]:
        out.rows.append(PickRow(size * LINE, (PickText(name_x, name_w, part, size),)))
    under = box.w + 1.5  # batches and notes start under the cell: the roll is narrow
    for index in range(len(line.batches)):
        series, expiry, where = _batch_text(line, index)
        text = f"серия {series} · до {expiry}" + (f" · {where}" if where else "")
        out.rows.append(PickRow(small * LINE, (PickText(under, fmt.width - under, text, small),)))
    for note, bold in _line_notes(line, section):
        for part in _wrap(note, fmt.width - under, small, lines=3, bold=bold):
            out.rows.append(PickRow(small * LINE, (PickText(under, fmt.width - under, part, small, bold),)))
    out.gap(1.2)


A4_COLUMNS = {"box": 0.0, "cell": 8.0, "name": 32.0, "series": 110.0, "expiry": 150.0, "qty": 170.0}
A4_WIDTHS = {"box": 6.0, "cell": 23.0, "name": 76.0, "series": 39.0, "expiry": 19.0, "qty": 16.0}


def _a4_text(column: str, text: str, size: float, *, bold: bool = False, align: Align = "left") -> PickText:
    return PickText(A4_COLUMNS[column], A4_WIDTHS[column], text, size, bold, align)


def _a4_header(out: _Rows) -> None:
    small = out.fmt.small
    titles = (("cell", "Ячейка"), ("name", "Наименование"), ("series", "Серия"), ("expiry", "Годен до"))
    texts = [_a4_text(c, t, small, bold=True) for c, t in titles]
    texts.append(_a4_text("qty", "Кол-во", small, bold=True, align="right"))
    out.rows.append(PickRow(small * LINE, tuple(texts), keep_with_next=True))
    out.rule("solid", 1.5)


def _a4_line(out: _Rows, line: PickLine, section: PickSection) -> None:
    size, small = out.fmt.body, out.fmt.small
    names = _wrap(line.name, A4_WIDTHS["name"], size)
    batches = [_batch_text(line, i) for i in range(len(line.batches))]
    count = max(len(names), len(batches), 1)
    for index in range(count):
        texts: list[PickText] = []
        if index == 0:
            texts.append(_a4_text("cell", line.cell or "—", size, bold=True))
            qty = "—" if line.forbidden is not None else f"{line.quantity} уп."
            texts.append(_a4_text("qty", qty, size, bold=True, align="right"))
        if index < len(names):
            texts.insert(1 if index == 0 else 0, _a4_text("name", names[index], size))
        if index < len(batches):
            series, expiry, where = batches[index]
            texts.append(_a4_text("series", series + (f" ({where})" if where else ""), small))
            texts.append(_a4_text("expiry", expiry, small))
        box = Box(0, 0.4, size * 1.1, size * 1.1) if index == 0 else None
        crossed = index == 0 and line.forbidden is not None
        out.rows.append(PickRow(size * LINE, tuple(texts), box=box, crossed=crossed, keep_with_next=index < count - 1))
    for note, bold in _line_notes(line, section):
        for part in _wrap(note, A4_WIDTHS["name"] + A4_WIDTHS["series"] + A4_WIDTHS["expiry"], small, 3, bold=bold):
            row = (PickText(A4_COLUMNS["name"], out.fmt.width - A4_COLUMNS["name"], part, small, bold),)
            out.rows.append(PickRow(small * LINE, row))
    out.rule("dashed", 1.6)


def _section(out: _Rows, section: PickSection, tz: tzinfo | None) -> None:
    fmt = out.fmt
    flow = FLOW_TEXT.get(section.flow, FLOW_TEXT[Flow.UNKNOWN]).upper()
    number_row = (
        PickText(0, fmt.width * 0.6, section.number, fmt.number, bold=True),
        PickText(fmt.width * 0.6, fmt.width * 0.4, flow, fmt.body, bold=True, align="right"),
    )
    out.rows.append(PickRow(fmt.number * 1.3, number_row, keep_with_next=True))
    kuper = kuper_number(section.original_order_id, section.kuper_id)
    if fmt.columns:
        out.text(f"Купер: {kuper} · {deadline_text(section, tz)}", fmt.body, keep=True)
    else:
        out.text(f"Купер: {kuper}", fmt.body, keep=True)
        out.text(deadline_text(section, tz).capitalize(), fmt.body, bold=True, keep=True)
    lines = [line for line in section.lines if line.forbidden is None]
    out.text(f"Позиций: {len(lines)}, упаковок: {section.packs}", fmt.small, keep=True)
    if section.note:
        out.wrapped(section.note, fmt.small, bold=True)
    out.gap(1.5)
    if fmt.columns:
        _a4_header(out)
    group: PickGroup | None = PickGroup.ROOM
    for line in section.lines:
        if line.group is not group:
            group = line.group
            out.band(_band_text(group), fmt.body)
        (_a4_line if fmt.columns else _roll_line)(out, line, section)
    if not section.lines:
        out.text("В заказе нет позиций для сборки", fmt.body)
    out.gap(2.0)
    signature = "Собрал: ______________   Проверил: ______________"
    out.text(signature, fmt.small)


def pick_list_rows(
    sections: Sequence[PickSection],
    fmt: PickListFormat,
    *,
    store_name: str,
    made_at: datetime,
    tz: tzinfo | None = None,
) -> list[PickRow]:
    """Every row of the pick list of ``sections`` in ``fmt``, top to bottom."""
    if not sections:
        raise ValueError("no orders on the pick list")
    out = _Rows(fmt)
    made = _local(made_at, tz) or made_at
    out.text("СБОРОЧНЫЙ ЛИСТ", fmt.heading, bold=True, align="center", keep=True)
    count = f" · заказов: {len(sections)}" if len(sections) > 1 else ""
    if fmt.columns:
        out.text(f"{store_name} · {made:%d.%m.%Y %H:%M}{count}", fmt.small, align="center", keep=True)
    else:
        out.text(store_name, fmt.small, align="center", keep=True)
        out.text(f"{made:%d.%m.%Y %H:%M}{count}", fmt.small, align="center", keep=True)
    for index, section in enumerate(sections):
        out.rule("solid" if index == 0 or fmt.columns else "dashed", 4.0)
        _section(out, section, tz)
    return out.rows


def paginate(rows: Sequence[PickRow], fmt: PickListFormat) -> list[PickPage]:
    """The rows on pages: A4 breaks before a row that does not fit (keeping rows that must stay with
    the next one); a roll is one page as long as the rows (cut at :data:`ROLL_MAX_MM`)."""
    total = sum(row.height for row in rows)
    page_h = fmt.page_h if fmt.page_h is not None else min(total + 2 * fmt.pad_y, ROLL_MAX_MM)
    room = page_h - 2 * fmt.pad_y
    pages: list[PickPage] = []
    placed: list[tuple[float, PickRow]] = []
    y = 0.0
    index = 0
    while index < len(rows):
        # the rows that go together: a run of keep_with_next rows and the row after them
        end = index
        while end < len(rows) - 1 and rows[end].keep_with_next:
            end += 1
        run = rows[index : end + 1]
        height = sum(r.height for r in run)
        if placed and y + height > room:
            pages.append(PickPage(page_h, tuple(placed)))
            placed, y = [], 0.0
        for row in run:
            if placed and y + row.height > room:  # a run taller than a page: break inside it
                pages.append(PickPage(page_h, tuple(placed)))
                placed, y = [], 0.0
            placed.append((fmt.pad_y + y, row))
            y += row.height
        index = end + 1
    if placed:
        pages.append(PickPage(page_h, tuple(placed)))
    return pages


def pick_list_pages(
    sections: Sequence[PickSection],
    fmt: PickListFormat,
    *,
    store_name: str,
    made_at: datetime,
    tz: tzinfo | None = None,
) -> list[PickPage]:
    """:func:`pick_list_rows` put on pages (:func:`paginate`)."""
    return paginate(pick_list_rows(sections, fmt, store_name=store_name, made_at=made_at, tz=tz), fmt)
