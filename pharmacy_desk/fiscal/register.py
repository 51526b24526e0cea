"""The one protocol every register adapter implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.fiscal.models import CodeCheck, ReceiptRequest, RegisterStatus


class FiscalRegister(Protocol):
    """A cash register as the hand-over needs it.

    Exactly-once printing rests on :meth:`outcome`: the caller decides ``request_id`` and stores it
    *before* :meth:`print_receipt`; after a crash, a time-out or :class:`~.errors.OutcomeUnknown` it asks
    :meth:`outcome` and prints again only when the register never got the request.
    """

    @property
    def name(self) -> str: ...

    async def status(self) -> RegisterStatus:
        """Device and shift (paper, shift open and its age, unsent documents, ФН nearly full)."""
        ...

    async def open_shift(self, operator: str) -> None: ...

    async def close_shift(self, operator: str) -> None: ...

    async def x_report(self, operator: str) -> None: ...

    async def check_codes(
        self, codes: Sequence[str], kind: ReceiptKind = ReceiptKind.SELL, *, for_sale: bool = True
    ) -> list[CodeCheck]:
        """Each pack's code through the register (tag 2106) and the permit mode (tag 1260); never prints.

        ``for_sale`` False: a check only (the CLI): nothing is kept for a receipt.
        """
        ...

    async def print_receipt(self, request: ReceiptRequest) -> Receipt:
        """Print a sale (``sell``) or return (``sellReturn``) receipt, as ``request.kind`` says.

        At most once per ``request_id``: a repeat answers the first receipt.
        """
        ...

    async def outcome(self, request: ReceiptRequest) -> Receipt | None:
        """What became of ``request`` (by its ``request_id``): its receipt, or None when it was never printed."""
        ...

    async def aclose(self) -> None: ...
