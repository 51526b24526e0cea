"""The relay's answer to the ``order.created`` webhook.

Given **even when the order cannot be served**: answer ``created`` with our number, then send the
``order.canceled`` notification with a reason (both seeds say so)::

    {"status": "created", "number": "<merchant order id>", "expectedAssemblyTime": "<ISO 8601 + offset>"}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, Field, ValidationError

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import StrictModel
from pharmacy_desk.kuper.errors import KuperFormatError, describe_validation_error
from pharmacy_desk.kuper.jsonbody import Body, load_object
from pharmacy_desk.kuper.notification_parts import MerchantNumber


class OrderCreatedAnswer(StrictModel):
    """Body of the 200 answer to ``order.created``."""

    status: Literal["created"] = Field(names.ANSWER_STATUS_CREATED, alias=names.ANSWER_STATUS)
    number: MerchantNumber = Field(alias=names.NUMBER)
    expected_assembly_time: AwareDatetime | None = Field(None, alias=names.ANSWER_EXPECTED_ASSEMBLY_TIME)

    @classmethod
    def build(cls, number: str, expected_assembly_time: datetime | None = None) -> Self:
        """The answer with our order ``number`` and, optionally, when assembly should be done."""
        return cls(number=number, expected_assembly_time=expected_assembly_time)

    @classmethod
    def parse(cls, body: Body) -> Self:
        """Parse an answer strictly (the simulator checks the relay's answers with it)."""
        data = load_object(body, KuperFormatError)
        try:
            return cls.model_validate(data, by_alias=True, by_name=False)
        except ValidationError as exc:
            raise KuperFormatError(f"answer to order.created: {describe_validation_error(exc)}") from None

    def to_wire(self) -> dict[str, Any]:
        """The answer as a JSON-ready dict."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> bytes:
        """The answer as compact UTF-8 JSON."""
        return self.model_dump_json(exclude_none=True).encode()
