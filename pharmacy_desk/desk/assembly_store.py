"""An assembly in progress survives an app restart on its PC: the scanned packs, the series chosen,
the reasons and the substitutes of each open session are written to ``<data dir>/assembly/<number>.json``
after every change, and read back when the order is opened again (while it is still being assembled).

The file is this PC's working memory, not a record: the relay has the truth once «собрано» is sent,
and the file is removed then (or when the order is closed). A file that cannot be read is ignored
(logged): the pharmacist scans again, nothing else is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pharmacy_desk.desk.assembly import AssemblySession, Pack
from pharmacy_desk.domain.money import Money

log = logging.getLogger("pharmacy_desk.desk.assembly")

FOLDER = "assembly"


class SavedPack(BaseModel):
    model_config = ConfigDict(frozen=True)

    gtin: str
    marking_code: str | None = None
    series: str | None = None
    expiry: dt.date | None = None
    series_pending: bool = False


class SavedLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    packs: tuple[SavedPack, ...] = ()
    reason: str | None = None
    # a substitute (not an ordered line): what it is and what it replaces
    replaces: str | None = None
    name: str | None = None
    price: Money | None = None
    discount_price: Money | None = None


class SavedAssembly(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    version: int  # the order's version when the session was opened
    lines: tuple[SavedLine, ...]
    learned_gtins: dict[str, str] = {}


def snapshot(session: AssemblySession) -> SavedAssembly:
    lines = []
    for state in session.line_states():
        packs = tuple(SavedPack(**vars_of(p)) for p in state.packs)
        lines.append(
            SavedLine(
                sku=state.sku,
                packs=packs,
                reason=state.reason,
                replaces=state.replaces,
                name=state.name if state.replaces is not None else None,
                price=state.price if state.replaces is not None else None,
                discount_price=state.discount_price if state.replaces is not None else None,
            )
        )
    return SavedAssembly(
        number=session.order.number,
        version=session.order.version,
        lines=tuple(lines),
        learned_gtins=dict(session.learned_gtins),
    )


def vars_of(pack: Pack) -> dict[str, object]:
    return {
        "gtin": pack.gtin,
        "marking_code": pack.marking_code,
        "series": pack.series,
        "expiry": pack.expiry,
        "series_pending": pack.series_pending,
    }


def restore(session: AssemblySession, saved: SavedAssembly) -> int:
    """Put the saved packs, reasons and substitutes back into a fresh session; the packs restored."""
    session.learned_gtins.update(saved.learned_gtins)
    for line in saved.lines:
        substitute = line.replaces is not None and line.name is not None and line.price is not None
        if substitute and session.line(line.sku) is None and session.line(line.replaces or "") is not None:
            assert line.replaces is not None and line.name is not None and line.price is not None
            session.substitute(
                line.replaces,
                sku=line.sku,
                name=line.name,
                price=line.price,
                discount_price=line.discount_price,
                reason=line.reason or "замена",
            )
    restored = 0
    for line in saved.lines:
        packs = [Pack(**p.model_dump()) for p in line.packs]
        restored += session.put_back(line.sku, packs, line.reason if line.replaces is None else None)
    return restored


class AssemblyStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / FOLDER

    def path(self, number: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in number)
        return self.folder / f"{safe}.json"

    def save(self, session: AssemblySession) -> None:
        data = snapshot(session).model_dump_json()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".assembly-", suffix=".json", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(data)
            os.replace(tmp, self.path(session.order.number))
        except OSError as exc:
            log.warning("assembly of %s not saved: %s", session.order.number, exc)

    def load(self, number: str) -> SavedAssembly | None:
        try:
            return SavedAssembly.model_validate_json(self.path(number).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, ValidationError) as exc:
            log.warning("saved assembly of %s ignored: %s", number, exc)
            return None

    def forget(self, number: str) -> None:
        try:
            self.path(number).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("saved assembly of %s not removed: %s", number, exc)
