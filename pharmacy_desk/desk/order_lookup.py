"""Finding an order at the hand-over from what the person at the counter gives (plain Python, no Qt).

Accepted: our order number (whole, or its last digits), Kuper's number (``originalOrderId``, the one
the customer's and the courier's apps show, or the start of Kuper's order id), or the last four
digits of the customer's phone. **Never the pickup code**: the code proves the customer is the
customer and is checked on the relay; finding an order by it would let anyone who heard a code
open that order. (The bag's QR is decoded before this: :mod:`pharmacy_desk.domain.bag_label`.)

Among the orders of the book that are past assembly (the hand-over's) first; a text several orders
match is answered with all of them, so the screen can ask for more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pharmacy_desk.desk.order_book import OrderBook
from pharmacy_desk.domain import OrderState

PHONE_DIGITS = 4
WAITING = frozenset({OrderState.READY_TO_SHIP, OrderState.AWAITING_PICKUP, OrderState.PAID, OrderState.SHIPPING})


@dataclass(frozen=True, slots=True)
class Found:
    numbers: tuple[str, ...]  # the matching orders, best first; empty: none
    by: str = ""  # "number", "kuper" or "phone"

    @property
    def unique(self) -> str | None:
        return self.numbers[0] if len(self.numbers) == 1 else None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def find_order(book: OrderBook, text: str) -> Found:
    wanted = text.strip().casefold()
    if not wanted:
        return Found(())
    summaries = book.orders()
    exact = [s.number for s in summaries if s.number.casefold() == wanted]
    if exact:
        return Found(tuple(exact), "number")
    ours = [s.number for s in summaries if s.number.casefold().endswith(wanted)]
    kuper: list[str] = []
    phone: list[str] = []
    for summary in summaries:
        detail = book.detail(summary.number)
        original = (detail.original_order_id if detail is not None else None) or ""
        uuid_part = summary.kuper_id.rsplit(":", 1)[-1].casefold()
        if (original and original.casefold() == wanted) or (len(wanted) >= 6 and uuid_part.startswith(wanted)):
            kuper.append(summary.number)
        four = len(wanted) == PHONE_DIGITS and wanted.isdigit()
        if four and detail is not None and _digits(detail.customer.phone or "").endswith(wanted):
            phone.append(summary.number)
    waiting = {s.number for s in summaries if s.state in WAITING}
    if kuper:
        return Found(_waiting_first(kuper, waiting), "kuper")
    if ours or phone:  # four digits may be a number's tail and a phone's: all of them, the screen asks
        return Found(_waiting_first([*ours, *phone], waiting), "number" if ours else "phone")
    return Found(())


def _waiting_first(numbers: Iterable[str], waiting: set[str]) -> tuple[str, ...]:
    """Orders that wait for their customer or courier first; if some do, only those."""
    listed = list(dict.fromkeys(numbers))
    ready = [n for n in listed if n in waiting]
    return tuple(ready or listed)
