"""US ↔ Russian (ЙЦУКЕН) layout mapping by key position."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desk.domain.keyboard_layout import looks_russian_layout, ru_to_us, us_to_ru

PRINTABLE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))

# (US character, what the same key types under the standard Windows Russian layout)
KEY_PAIRS = [
    # letters
    ("q", "й"), ("w", "ц"), ("e", "у"), ("r", "к"), ("t", "е"), ("y", "н"), ("u", "г"), ("i", "ш"),
    ("o", "щ"), ("p", "з"), ("a", "ф"), ("s", "ы"), ("d", "в"), ("f", "а"), ("g", "п"), ("h", "р"),
    ("j", "о"), ("k", "л"), ("l", "д"), ("z", "я"), ("x", "ч"), ("c", "с"), ("v", "м"), ("b", "и"),
    ("n", "т"), ("m", "ь"),
    ("F", "А"), ("G", "П"), ("Q", "Й"), ("Z", "Я"), ("M", "Ь"),
    # punctuation keys that carry Russian letters
    ("`", "ё"), ("~", "Ё"), ("[", "х"), ("{", "Х"), ("]", "ъ"), ("}", "Ъ"),
    (";", "ж"), (":", "Ж"), ("'", "э"), ('"', "Э"), (",", "б"), ("<", "Б"), (".", "ю"), (">", "Ю"),
    # the slash and backslash keys
    ("/", "."), ("?", ","), ("\\", "\\"), ("|", "/"),
    # shifted digits
    ("!", "!"), ("@", '"'), ("#", "№"), ("$", ";"), ("%", "%"), ("^", ":"), ("&", "?"), ("*", "*"),
    ("(", "("), (")", ")"), ("_", "_"), ("+", "+"),
    # unchanged keys
    ("-", "-"), ("=", "="), (" ", " "), *((digit, digit) for digit in string.digits),
]  # fmt: skip


@pytest.mark.parametrize(("us", "ru"), KEY_PAIRS)
def test_key_position_mapping(us: str, ru: str) -> None:
    assert us_to_ru(us) == ru
    assert ru_to_us(ru) == us


def test_every_printable_ascii_key_maps_to_a_distinct_character() -> None:
    typed = us_to_ru(PRINTABLE_ASCII)
    assert len(typed) == len(PRINTABLE_ASCII) == 95
    assert len(set(typed)) == 95
    assert ru_to_us(typed) == PRINTABLE_ASCII


def test_all_latin_letters_become_cyrillic() -> None:
    typed = us_to_ru(string.ascii_letters)
    assert all("а" <= char.lower() <= "я" or char in "ёЁ" for char in typed)


def test_rows() -> None:
    assert us_to_ru("qwertyuiop[]") == "йцукенгшщзхъ"
    assert us_to_ru("asdfghjkl;'") == "фывапролджэ"
    assert us_to_ru("zxcvbnm,./") == "ячсмитьбю."
    assert us_to_ru("~!@#$%^&*()_+") == 'Ё!"№;%:?*()_+'


def test_protocol_example_under_russian_layout() -> None:
    code = "010460714356059821FGXEAGA5A1GAH\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
    typed = "010460714356059821АПЧУФПФ5Ф1ПФР\x1d91УУ06\x1d92МЦ.т3п0рНЗ6лйч1ЦоМн.атзЛЕ+ш7Т3АЕ8ЙЗГняяЛЙЕ4="
    assert us_to_ru(code) == typed
    assert ru_to_us(typed) == code


def test_characters_off_the_layout_pass_through() -> None:
    assert us_to_ru("\x1d\t\nжЖ€") == "\x1d\t\nжЖ€"
    assert ru_to_us("\x1d\t\nABCxyz@#$€") == "\x1d\t\nABCxyz@#$€"


def test_looks_russian_layout() -> None:
    assert looks_russian_layout("010460714356059821АПЧУФПФ5Ф1ПФР")
    assert looks_russian_layout("ё")
    assert looks_russian_layout("Ё")
    assert not looks_russian_layout("010460714356059821FGXEAGA5A1GAH")
    assert not looks_russian_layout("")
    assert not looks_russian_layout('0123456789.,;:"?/\\')
    assert not looks_russian_layout("іїєґ")  # Ukrainian letters are not typed by the Russian layout


@given(st.text(alphabet=PRINTABLE_ASCII))
def test_round_trip_over_ascii(text: str) -> None:
    assert ru_to_us(us_to_ru(text)) == text


@given(st.text(alphabet=PRINTABLE_ASCII), st.sampled_from(string.ascii_letters))
def test_typed_letters_are_detected(text: str, letter: str) -> None:
    assert looks_russian_layout(us_to_ru(text + letter))
