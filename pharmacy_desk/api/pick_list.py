"""The pick list (сборочный лист) a counter PC prints for one or several orders.

``GET /stores/{store}/pick-list?number=…&number=…`` answers :class:`PickList`: one section per order,
in the order asked, each built by the domain's rule (:mod:`pharmacy_desk.domain.pick_list`: lines by
shelf cell, cool and cold last, lines not to pick at the very end, the FEFO batches to take).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain.pick_list import PickBatch, PickLine, PickSection

__all__ = ["MAX_PICK_ORDERS", "PickBatch", "PickLine", "PickList", "PickSection"]

MAX_PICK_ORDERS = 50
"""Orders one pick list may hold."""


class PickList(BaseModel):
    model_config = ConfigDict(frozen=True)

    store: str
    made_at: datetime  # when the relay made it (UTC)
    sections: tuple[PickSection, ...]
