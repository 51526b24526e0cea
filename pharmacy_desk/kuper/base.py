"""The two kinds of wire model: tolerant for what Kuper sends, strict for what we send.

- :class:`TolerantModel` keeps unknown fields (``extra="allow"``) and writes them back on
  serialization, so a webhook stored and re-read loses nothing Kuper added; a JSON number where a
  string is expected (an SKU, a phone) is taken as its string.
- :class:`StrictModel` refuses unknown fields (``extra="forbid"``): a typo in a notification is
  a bug here, not a 422 from Kuper in production.

Both validate by alias (the wire name from :mod:`~pharmacy_desk.kuper.names`) and by Python field
name, and serialize by alias.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TolerantModel(BaseModel):
    """Base of incoming (Kuper → merchant) models."""

    model_config = ConfigDict(
        extra="allow",
        coerce_numbers_to_str=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        frozen=True,
    )


class StrictModel(BaseModel):
    """Base of outgoing (merchant → Kuper) models."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        frozen=True,
    )
