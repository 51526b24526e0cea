"""This PC's journal of receipt requests: exactly one receipt per hand-over, across crashes.

Before a receipt request goes to the register, its ``request_id`` and the whole request are written
here (a temporary file renamed over the old one, flushed to disk). The id comes from the order and the
attempt (``uuid5(store/number/kind/attempt)``), so after a crash, a time-out or a lost answer the app
asks the register what became of *that* request (:meth:`~pharmacy_desk.fiscal.FiscalRegister.outcome`)
before it ever prints again; a new attempt (new id) starts only once the register said the old one was
never printed.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.fiscal.models import ReceiptRequest

JOURNAL_FILE_NAME = "fiscal-journal.json"
_NAMESPACE = uuid.UUID("8a3f0c1e-54b2-4f1d-9d6e-000000000154")


class JournalEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str
    number: str
    kind: ReceiptKind
    attempt: int = Field(ge=1)
    request: ReceiptRequest | None = None  # sent (or about to be): its outcome must be known before a new one
    receipt: Receipt | None = None  # printed
    recorded: bool = False  # the relay has it on the order


class _File(BaseModel):
    entries: list[JournalEntry] = []


def request_id(store: str, number: str, kind: ReceiptKind, attempt: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{store}/{number}/{kind.value}/{attempt}"))


class FiscalJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[tuple[str, str, ReceiptKind], JournalEntry] = {}
        if path.exists():
            data = _File.model_validate_json(path.read_text(encoding="utf-8"))
            self._entries = {(e.store, e.number, e.kind): e for e in data.entries}

    def get(self, store: str, number: str, kind: ReceiptKind) -> JournalEntry | None:
        return self._entries.get((store, number, kind))

    def entries(self) -> list[JournalEntry]:
        return list(self._entries.values())

    def put(self, entry: JournalEntry) -> None:
        self._entries[(entry.store, entry.number, entry.kind)] = entry
        self._save()

    def drop(self, store: str, number: str) -> None:
        for kind in ReceiptKind:
            self._entries.pop((store, number, kind), None)
        self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = _File(entries=list(self._entries.values())).model_dump_json(indent=1)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".fiscal-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
