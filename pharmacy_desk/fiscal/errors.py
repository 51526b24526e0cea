"""What can go wrong with a register, drawn once.

::

    FiscalError                 every failure; ``message`` is Russian, for the screen and the CLI
    ├── RegisterOffline         nothing reached the register (no answer, connection refused): nothing printed
    ├── RegisterRefused         the register answered with an error (ATOL ``errorCode``): nothing printed
    ├── OutcomeUnknown          the request may have been printed (time-out after sending, lost answer):
    │                           ask :meth:`~.register.FiscalRegister.outcome` before printing again
    └── CodeBlocked             the permit-mode check (or the register) refused a pack's code
"""

from __future__ import annotations


class FiscalError(Exception):
    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class RegisterOffline(FiscalError):
    pass


class RegisterRefused(FiscalError):
    pass


class OutcomeUnknown(FiscalError):
    def __init__(self, message: str, *, request_id: str) -> None:
        super().__init__(message)
        self.request_id = request_id


class CodeBlocked(FiscalError):
    def __init__(self, message: str, *, codes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.codes = codes
