"""Cash registers (ККТ): one :class:`FiscalRegister` protocol and its adapters.

- :mod:`.models`: what the app asks of a register and what it answers (status, code checks, receipts)
- :mod:`.errors`: the exception hierarchy (offline, refused, outcome unknown)
- :mod:`.register`: the :class:`FiscalRegister` protocol
- :mod:`.atol_wire`: strict pydantic models of ATOL Driver 10 JSON tasks and answers
- :mod:`.atol`: the ATOL Web Server adapter (``POST /api/v2/requests``, poll ``GET /api/v2/requests/{uuid}``)
- :mod:`.permit`: the permit-mode check (разрешительный режим) through Честный знак's API or the local module
- :mod:`.onec`: the register belongs to 1C: the receipt goes to the 1C extension
- :mod:`.manual`: the cashier rings it up on the store's own register and types the receipt in
- :mod:`.settings`: the per-PC ``fiscal`` setting and :func:`open_register`
"""

from pharmacy_desk.fiscal.errors import (
    CodeBlocked,
    FiscalError,
    OutcomeUnknown,
    RegisterOffline,
    RegisterRefused,
)
from pharmacy_desk.fiscal.models import (
    CodeCheck,
    CodeVerdict,
    PermitCheck,
    ReceiptItem,
    ReceiptRequest,
    RegisterStatus,
    ShiftState,
)
from pharmacy_desk.fiscal.register import FiscalRegister

__all__ = [
    "CodeBlocked",
    "CodeCheck",
    "CodeVerdict",
    "FiscalError",
    "FiscalRegister",
    "OutcomeUnknown",
    "PermitCheck",
    "ReceiptItem",
    "ReceiptRequest",
    "RegisterOffline",
    "RegisterRefused",
    "RegisterStatus",
    "ShiftState",
]
