"""The store's "pause Kuper orders" state at the counter, and the feed state for the diagnostics.

The wire models are the contract's (:mod:`pharmacy_desk.api.feed`).
:class:`StorePause` keeps the latest :class:`PauseInfo` of the store: it is loaded with every snapshot,
follows the stream's ``store`` events (a pause or resume from any PC of the store, or the relay's
auto-resume) and announces changes on :attr:`StorePause.changed`. ``text_ru`` is what the status bar
shows.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pydantic import ValidationError

from pharmacy_desk.api.feed import PAUSE_EVENT, PauseState, StoreFeedState
from pharmacy_desk.desk.hooks import Hook

log = logging.getLogger("pharmacy_desk.desk")

PauseInfo = PauseState
FeedInfo = StoreFeedState


class _Event(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


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

    def apply_event(self, event: _Event) -> bool:
        """Take a ``store`` pause event; True when the event was one."""
        if event.kind != PAUSE_EVENT or event.data.get("what") != "pause":
            return False
        try:
            self.set(PauseInfo.model_validate(event.data))
        except ValidationError:
            log.warning("pause event %d is not what the relay sends: ignored", event.id)
        return True
