"""A marked pack's identity: GTIN + serial (SGTIN), whatever crypto tail a scan carried."""

from __future__ import annotations


def sgtin_of(code: str) -> str:
    """``01`` + GTIN-14 + ``21`` + 13-character serial → GTIN + serial; any other text is its own identity.

    Marking codes kept in orders are the canonical form :func:`~pharmacy_desk.domain.scans.parse_scan`
    produces, which always starts with those two fixed-length fields.
    """
    if len(code) >= 31 and code.startswith("01") and code[2:16].isdigit() and code[16:18] == "21":
        return code[2:16] + code[18:31]
    return code
