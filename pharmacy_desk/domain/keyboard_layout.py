"""US ↔ Russian keyboard layout mapping by key position.

A keyboard-wedge scanner does not type characters: it presses keys. When the
counter PC's active layout is Russian (standard Windows "Russian", ЙЦУКЕН),
every key the scanner presses for a Latin letter or for punctuation produces the
character of the Russian layout on that key: ``F`` comes out as ``А``, ``/``
as ``.``, ``.`` as ``ю``, ``Shift+4`` (``$``) as ``;`` and so on. Digits and a
few symbols (``! % * ( ) - _ = +``, space, ``\\``) are the same in both layouts.

The 47 character keys with and without Shift give 94 printable ASCII characters
in the US layout and 94 distinct characters in the Russian one, so the mapping
is a bijection: :func:`us_to_ru` is what the scanner produces under a Russian
layout, :func:`ru_to_us` undoes it. Characters outside the respective set
(control characters such as GS, Cyrillic letters in ``us_to_ru``, Latin letters
in ``ru_to_us``...) pass through unchanged.

The ISO 102nd key (between left Shift and Z) is not mapped: it does not exist on
the ANSI keyboards scanners emulate, and its characters already come from the
backslash key.
"""

from __future__ import annotations

__all__ = ["looks_russian_layout", "ru_to_us", "us_to_ru"]

# Key rows, US layout and Russian layout, unshifted then shifted.
# Each pair of strings has the same length: position i is the same physical key.
_ROWS: tuple[tuple[str, str], ...] = (
    # number row
    ("`1234567890-=", "ё1234567890-="),
    ("~!@#$%^&*()_+", 'Ё!"№;%:?*()_+'),
    # top letter row
    ("qwertyuiop[]\\", "йцукенгшщзхъ\\"),
    ("QWERTYUIOP{}|", "ЙЦУКЕНГШЩЗХЪ/"),
    # home row
    ("asdfghjkl;'", "фывапролджэ"),
    ('ASDFGHJKL:"', "ФЫВАПРОЛДЖЭ"),
    # bottom row
    ("zxcvbnm,./", "ячсмитьбю."),
    ("ZXCVBNM<>?", "ЯЧСМИТЬБЮ,"),
)


def _build_tables() -> tuple[dict[int, str], dict[int, str]]:
    us_to_ru: dict[int, str] = {}
    ru_to_us: dict[int, str] = {}
    for us_row, ru_row in _ROWS:
        if len(us_row) != len(ru_row):  # pragma: no cover - guards the table above
            raise AssertionError(f"layout rows differ in length: {us_row!r} / {ru_row!r}")
        for us_char, ru_char in zip(us_row, ru_row, strict=True):
            if us_char != ru_char:
                us_to_ru[ord(us_char)] = ru_char
                ru_to_us[ord(ru_char)] = us_char
    if len(us_to_ru) != len(ru_to_us):  # pragma: no cover - the mapping must be a bijection
        raise AssertionError("keyboard layout table is not a bijection")
    return us_to_ru, ru_to_us


_US_TO_RU, _RU_TO_US = _build_tables()

# The letters the Russian layout produces (33 lower-case, 33 upper-case).
_RU_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")


def us_to_ru(text: str) -> str:
    """Return what a scanner typing ``text`` produces under the Russian layout."""
    return text.translate(_US_TO_RU)


def ru_to_us(text: str) -> str:
    """Map text typed under the Russian layout back to the US characters of the same keys.

    The whole string is mapped: under a Russian layout every key press is
    transformed, including punctuation (``.`` becomes ``/``, ``,`` becomes ``?``,
    ``"`` becomes ``@``...). Only call this for text known or suspected to have
    been typed under the Russian layout (see :func:`looks_russian_layout`).
    """
    return text.translate(_RU_TO_US)


def looks_russian_layout(text: str) -> bool:
    """True when ``text`` contains a letter that only the Russian layout produces.

    Codes scanned into the counter app (GS1 marking codes, our bag labels) never
    contain Cyrillic, so one Cyrillic letter means the keystrokes were
    interpreted by a Russian layout.
    """
    return any(char in _RU_LETTERS for char in text)
