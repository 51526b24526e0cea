"""GTIN check digits (GS1 mod 10): what the stock CSV and the adapters accept as a GTIN."""

from __future__ import annotations


def check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (weights 3, 1, 3, … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(code: str) -> str | None:
    """``code`` as a 14-digit GTIN when it is a valid GTIN-8/12/13/14, else None."""
    text = code.strip()
    if not text.isascii() or not text.isdigit() or len(text) not in (8, 12, 13, 14):
        return None
    full = text.zfill(14)
    return full if check_digit(full[:-1]) == int(full[-1]) else None


def with_check_digit(body13: str) -> str:
    """A 14-digit GTIN from its first 13 digits."""
    return body13 + str(check_digit(body13))
