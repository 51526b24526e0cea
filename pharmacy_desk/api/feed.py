"""The store's Kuper feed and pause as the relay answers them and the counter app reads them.

- :class:`StoreFeedState`: ``GET /stores/{s}/feed`` — stock and price records queued, retrying,
  failed and sent, the last delta / full resend / send, the latest error (the diagnostics dialog,
  ``feed status`` and ``check`` word it with :meth:`StoreFeedState.summary_ru`);
- :class:`PauseState`: ``GET/POST /stores/{s}/pause``, ``POST /stores/{s}/resume`` and the payload of
  the stream's ``store`` event (``{"what": "pause", ...}``);
- :class:`PauseRequest`, :class:`ResumeRequest`: the bodies of those POSTs.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

PAUSE_EVENT = "store"
"""SSE event kind of a pause / resume (payload: :class:`PauseState` plus ``"what": "pause"``)."""
PAUSE_MINUTES = (15, 30, 60)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class StoreFeedState(_Model):
    store: str
    enabled: bool
    outlet_id: str | None = None
    pending: int = 0  # waiting to be sent (pending + sending)
    retrying: int = 0
    failed: int = 0
    sent: int = 0
    last_delta_at: dt.datetime | None = None
    last_full_at: dt.datetime | None = None
    last_sent_at: dt.datetime | None = None
    source_error: str | None = None  # the stock could not be read at the last look
    kuper_error: str | None = None  # the latest error of a retrying / failed row

    @property
    def healthy(self) -> bool:
        return self.failed == 0 and self.source_error is None

    def summary_ru(self) -> str:
        """One line for ``feed status`` and ``check`` (times in UTC)."""
        if not self.enabled:
            return "выгрузка в Купер выключена"

        def when(value: dt.datetime | None) -> str:
            return f"{value:%d.%m %H:%M} UTC" if value is not None else "ещё не было"

        text = (
            f"отправлено {when(self.last_sent_at)}; в очереди {self.pending}, повтор {self.retrying}, "
            f"ошибок {self.failed}; последняя выгрузка {when(self.last_delta_at)}, полная {when(self.last_full_at)}"
        )
        if self.source_error:
            text += f"; остатки не прочитаны: {self.source_error}"
        if self.kuper_error:
            text += f"; Купер: {self.kuper_error[:200]}"
        return text

    def text_ru(self) -> str:
        """For the counter app's diagnostics (local time)."""
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


class PauseState(_Model):
    store: str
    paused: bool
    until: dt.datetime | None = None  # None while paused: until someone resumes
    by: str | None = None  # the PC that changed it last ("автоматически": the relay's auto-resume)
    operator: str | None = None
    changed_at: dt.datetime | None = None
    kuper_state: str = "sent"  # sent | pending (a resume not yet confirmed by Kuper) | failed
    kuper_error: str | None = None

    def text_ru(self, *, tz: dt.tzinfo | None = None) -> str:
        """«Приём заказов Купера приостановлен до 14:30» / «…до возобновления» / "" (taking orders)."""
        if not self.paused:
            return ""
        if self.until is None:
            return "Приём заказов Купера приостановлен до возобновления"
        return f"Приём заказов Купера приостановлен до {self.until.astimezone(tz):%H:%M}"


class PauseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int | None = Field(default=None, description="15, 30 or 60; null: until resumed")
    operator: str | None = Field(default=None, max_length=100)


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: str | None = Field(default=None, max_length=100)
