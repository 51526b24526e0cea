"""Shelf cells: where a ready bag waits, when the store numbers the cells of its pick-up shelf.

A store with ``cells`` numbered cells (1…cells) puts each bag in the cell its order number gives:
the number's running part (its trailing digits: ``A12-000042`` → 42) modulo ``cells``, plus one.
Every PC and every label agree without asking anyone; two orders share a cell only when their
numbers are ``cells`` apart (with 50 cells, orders 50 numbers apart), and a cell can hold two
bags: the bag's QR tells them apart at the hand-over.
"""

from __future__ import annotations

__all__ = ["running_digits", "shelf_cell"]


def running_digits(number: str) -> str:
    """The trailing digits of an order number (``A12-000042`` → ``000042``); empty when there are none."""
    end = len(number)
    start = end
    while start > 0 and number[start - 1].isdigit():
        start -= 1
    return number[start:end]


def shelf_cell(number: str, cells: int) -> str | None:
    """The cell of order ``number`` (``"07"``), or None when the store has no numbered cells."""
    if cells <= 0:
        return None
    digits = running_digits(number)
    if not digits:
        return None
    cell = int(digits) % cells + 1
    return f"{cell:0{len(str(cells))}d}"
