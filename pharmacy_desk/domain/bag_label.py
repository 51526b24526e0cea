"""Our own bag-label QR format.

A bag assembled for an order gets a printed label whose QR code holds::

    PDESK1:<store_key>:<order_number>

- ``PDESK1`` names the format and its version (upper case, exactly as written);
- ``store_key`` is the pharmacy's store key, ``order_number`` the merchant order
  number (the ``number`` we answer Kuper's ``order.created`` with);
- both are 1 to 32 characters from ``[A-Za-z0-9_-]``; nothing else is allowed,
  so there is no escaping and no ambiguity with the ``:`` separators.

The text is ASCII only and every character is on a key, so a keyboard-wedge
scanner can type it under any layout; under a Russian layout it arrives
transformed (``PDESK1:`` becomes ``ЗВУЫЛ1Ж``) and the scan parser maps it back
(:mod:`pharmacy_desk.domain.keyboard_layout`) before calling
:func:`decode_bag_label`. The ``_`` and ``-`` keys type the same characters in
both layouts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BAG_LABEL_PREFIX", "BagLabel", "decode_bag_label", "encode_bag_label"]

BAG_LABEL_PREFIX = "PDESK1:"

_FIELD = r"[A-Za-z0-9_-]{1,32}"
_FIELD_RE = re.compile(_FIELD)
_LABEL_RE = re.compile(rf"{re.escape(BAG_LABEL_PREFIX)}({_FIELD}):({_FIELD})")


@dataclass(frozen=True, slots=True)
class BagLabel:
    """A decoded bag label: which store's which order the bag belongs to."""

    store_key: str
    number: str

    @property
    def text(self) -> str:
        """The label text to put in the QR code."""
        return encode_bag_label(self.store_key, self.number)


def _check_field(name: str, value: str) -> None:
    if not isinstance(value, str) or _FIELD_RE.fullmatch(value) is None:
        raise ValueError(f"{name} must be 1-32 characters from [A-Za-z0-9_-], got {value!r}")


def encode_bag_label(store_key: str, number: str) -> str:
    """Return the QR text for the bag of order ``number`` of store ``store_key``.

    Raises ValueError when either part is empty, longer than 32 characters or has
    a character outside ``[A-Za-z0-9_-]``.
    """
    _check_field("store_key", store_key)
    _check_field("number", number)
    return f"{BAG_LABEL_PREFIX}{store_key}:{number}"


def decode_bag_label(text: str) -> BagLabel | None:
    """Decode a bag label, or return None when ``text`` is not a valid one.

    Surrounding whitespace (a scanner's Enter or Tab suffix) is ignored; anything
    else must match the format exactly.
    """
    if not isinstance(text, str):
        return None
    match = _LABEL_RE.fullmatch(text.strip())
    if match is None:
        return None
    return BagLabel(store_key=match.group(1), number=match.group(2))
