"""The inventory's errors, drawn once.

::

    InventoryError                  base: anything the inventory package raises on purpose
    ├── InvalidRequest (ValueError) the caller's mistake: empty order key, negative quantity, …
    ├── StockUnavailable            the stock source is down, slow, refused, or answered garbage
    └── StockCsvError               a stock CSV file cannot be imported (every bad line listed)

:class:`StockUnavailable` is the one the relay handles at run time: it carries a
:attr:`~StockUnavailable.kind`, the operation that failed, whether the call may still have taken
effect in the source (:attr:`~StockUnavailable.maybe_applied`: a time-out after the request was sent),
and a Russian :attr:`~StockUnavailable.message_ru` to show on the order. Every call of a
:class:`~pharmacy_desk.inventory.protocol.StockSource` is idempotent per order, so the cure for
``maybe_applied`` is to repeat the same call later (or to release the order): nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class InventoryError(Exception):
    """Base of every error the inventory package raises on purpose."""


class InvalidRequest(InventoryError, ValueError):
    """The caller asked for something that makes no sense (a bug in the caller, not a stock problem)."""


class Operation(StrEnum):
    """What was being done when a source failed."""

    STOCK = "stock"
    RESERVE = "reserve"
    ADJUST = "adjust"
    RELEASE = "release"
    COMMIT = "commit"
    RESERVATION = "reservation"
    SUGGEST = "batch_suggestions"
    FIND_SERIES = "find_series"
    EQUIVALENTS = "find_equivalents"

    @property
    def changes_stock(self) -> bool:
        return self in _CHANGING

    @property
    def ru(self) -> str:
        return _OPERATION_RU[self]


_CHANGING = frozenset({Operation.RESERVE, Operation.ADJUST, Operation.RELEASE, Operation.COMMIT})

_OPERATION_RU: dict[Operation, str] = {
    Operation.STOCK: "Проверка остатков",
    Operation.RESERVE: "Резервирование товара",
    Operation.ADJUST: "Изменение резерва",
    Operation.RELEASE: "Снятие резерва",
    Operation.COMMIT: "Списание проданного товара",
    Operation.RESERVATION: "Чтение резерва",
    Operation.SUGGEST: "Подбор серий",
    Operation.FIND_SERIES: "Поиск серии упаковки",
    Operation.EQUIVALENTS: "Поиск замены по МНН",
}


class UnavailableKind(StrEnum):
    TIMEOUT = "timeout"  # no answer in time
    DOWN = "down"  # no connection / the database failed
    AUTH = "auth"  # the source refused our credentials
    REFUSED = "refused"  # the source answered with an error
    BAD_ANSWER = "bad_answer"  # the answer is not what the contract says (not JSON, wrong shape)


class StockUnavailable(InventoryError):
    """The stock source could not do what was asked; nothing was decided on our side.

    ``maybe_applied`` is true when the request may have reached the source and changed stock there
    (a time-out or a broken answer after sending a reserve/adjust/release/commit): repeat the same
    call (it is idempotent per order) to learn the outcome, or release the order.
    """

    def __init__(
        self,
        kind: UnavailableKind,
        operation: Operation,
        *,
        source: str,
        detail: str,
        maybe_applied: bool = False,
    ) -> None:
        self.kind = kind
        self.operation = operation
        self.source = source
        self.detail = detail
        self.maybe_applied = maybe_applied
        super().__init__(f"{source}: {operation.value} failed ({kind.value}): {detail}")

    @property
    def message_ru(self) -> str:
        """What the pharmacist reads on the order, in Russian."""
        what = {
            UnavailableKind.TIMEOUT: f"{self.source} не ответила вовремя",
            UnavailableKind.DOWN: f"{self.source} недоступна",
            UnavailableKind.AUTH: f"{self.source} отклонила логин или пароль",
            UnavailableKind.REFUSED: f"{self.source} вернула ошибку",
            UnavailableKind.BAD_ANSWER: f"{self.source} ответила непонятно",
        }[self.kind]
        text = f"{self.operation.ru}: ошибка — {what} ({self.detail})."
        if self.maybe_applied:
            text += " Операция могла пройти: она будет повторена, проверьте остатки."
        elif self.operation.changes_stock:
            text += " Остатки не изменены."
        return text


class StockCsvError(InventoryError):
    """A stock CSV file was refused; ``problems`` are Russian lines such as ``строка 5: …``."""

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        shown = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{path}: файл остатков не загружен, ничего не изменено:\n{shown}")
