"""The store's "pause Kuper orders" state at the counter, and the feed state for the diagnostics.

The wire models mirror the relay's (:mod:`pharmacy_desk.relay.feed.pause`, ``.status``).
:class:`StorePause` keeps the latest :class:`PauseInfo` of the store: it is loaded with every snapshot,
follows the stream's ``store`` events (a pause or resume from any PC of the store, or the relay's
auto-resume) and announces changes on :attr:`StorePause.changed`. ``text_ru`` is what the status bar
shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from pharmacy_desk.desk.hooks import Hook

if TYPE_CHECKING:
    from pharmacy_desk.desk.stream import StreamEvent

log = logging.getLogger("pharmacy_desk.desk")

PAUSE_EVENT = "store"
PAUSE_MINUTES = (15, 30, 60)


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PauseInfo(_Wire):
    store: str
    paused: bool
    until: dt.datetime | None = None
    by: str | None = None
    operator: str | None = None
    changed_at: dt.datetime | None = None
    kuper_state: str = "sent"
    kuper_error: str | None = None

    def text_ru(self, *, tz: dt.tzinfo | None = None) -> str:
        """``«Приём заказов Купера приостановлен до 14:30»`` / ``…до возобновления»`` / ``""`` (taking orders)."""
        if not self.paused:
            return ""
        if self.until is None:
            return "Приём заказов Купера приостановлен до возобновления"
        local = self.until.astimezone(tz)
        return f"Приём заказов Купера приостановлен до {local:%H:%M}"


class FeedInfo(_Wire):
    store: str
    enabled: bool
    outlet_id: str | None = None
    pending: int = 0
    retrying: int = 0
    failed: int = 0
    sent: int = 0
    last_delta_at: dt.datetime | None = None
    last_full_at: dt.datetime | None = None
    last_sent_at: dt.datetime | None = None
    source_error: str | None = None
    kuper_error: str | None = None

    def text_ru(self) -> str:
        if not self.enabled:
            return "Выгрузка остатков и цен в Купер выключена"

        def when(value: dt.datetime | None) -> str:
            return f"{value.astimezone():%d.%m %H:%M}" if value is not None else "ещё не было"

        text = (
            f"Остатки и цены в Купер: отправлено {when(self.last_sent_at)}, в очереди {self.pending}, "
            f"повторяются {self.retrying}, ошибок {self.failed}"
        )
        if self.source_error:
            text += f"; остатки не прочитаны: {self.source_error}"
        if self.kuper_error:
            text += f"; ответ Купера: {self.kuper_error[:200]}"
        return text


class StorePause:
    """The latest pause state of the store and a hook that fires when it changes."""

    def __init__(self) -> None:
        self.info: PauseInfo | None = None
        self.changed: Hook[PauseInfo] = Hook("pause_changed")

    @property
    def paused(self) -> bool:
        return self.info is not None and self.info.paused

    def set(self, info: PauseInfo) -> None:
        if info == self.info:
            return
        self.info = info
        self.changed.emit(info)

    def apply_event(self, event: StreamEvent) -> bool:
        """Take a ``store`` pause event; True when the event was one."""
        if event.kind != PAUSE_EVENT or event.data.get("what") != "pause":
            return False
        try:
            self.set(PauseInfo.model_validate(event.data))
        except ValidationError:
            log.warning("pause event %d is not what the relay sends: ignored", event.id)
        return True
