"""Our bag-label QR format: PDESK1:<store_key>:<order_number>."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desk.domain.bag_label import BagLabel, decode_bag_label, encode_bag_label
from pharmacy_desk.domain.keyboard_layout import ru_to_us, us_to_ru
from pharmacy_desk.domain.scans import ScanError, parse_scan

FIELD_ALPHABET = string.ascii_letters + string.digits + "_-"
fields = st.text(alphabet=FIELD_ALPHABET, min_size=1, max_size=32)


def test_encode() -> None:
    assert encode_bag_label("apteka-12", "H12345678901") == "PDESK1:apteka-12:H12345678901"


def test_decode() -> None:
    assert decode_bag_label("PDESK1:apteka-12:H12345678901") == BagLabel("apteka-12", "H12345678901")


def test_label_text_property() -> None:
    assert BagLabel(store_key="s_1", number="42").text == "PDESK1:s_1:42"


@pytest.mark.parametrize(
    ("store_key", "number"),
    [
        ("", "1"),
        ("s", ""),
        ("a" * 33, "1"),
        ("s", "1" * 33),
        ("s:1", "2"),
        ("s", "1:2"),
        ("аптека", "1"),  # Cyrillic
        ("s 1", "2"),
        ("s", "2\n"),
        ("s", "٣"),  # a non-ASCII digit
        ("s.1", "2"),
    ],
)
def test_encode_rejects_bad_parts(store_key: str, number: str) -> None:
    with pytest.raises(ValueError):
        encode_bag_label(store_key, number)


def test_encode_accepts_the_limits() -> None:
    assert decode_bag_label(encode_bag_label("a" * 32, "Z" * 32)) == BagLabel("a" * 32, "Z" * 32)
    assert decode_bag_label(encode_bag_label("-", "_")) == BagLabel("-", "_")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "PDESK1:",
        "PDESK1::1",
        "PDESK1:s:",
        "PDESK1:s",
        "pdesk1:s:1",
        "PDESK2:s:1",
        "PDESK1:s:1:2",
        "PDESK1:s:1 2",
        "xPDESK1:s:1",
        "PDESK1:" + "a" * 33 + ":1",
        "PDESK1:s:" + "1" * 33,
        "PDESK1:аптека:1",
        "ЗВУЫЛ1Жы1Ж1",  # typed under the Russian layout: the parser maps it back, decode does not
    ],
)
def test_decode_rejects(text: str) -> None:
    assert decode_bag_label(text) is None


def test_decode_ignores_scanner_suffix() -> None:
    assert decode_bag_label(" PDESK1:s:1\r\n") == BagLabel("s", "1")


@given(fields, fields)
def test_round_trip(store_key: str, number: str) -> None:
    assert decode_bag_label(encode_bag_label(store_key, number)) == BagLabel(store_key, number)


def test_russian_layout_example() -> None:
    typed = us_to_ru("PDESK1:apteka-12:H123")
    assert typed == "ЗВУЫЛ1Жфзеулф-12ЖР123"
    assert parse_scan(typed) == BagLabel("apteka-12", "H123")


@given(fields, fields)
def test_survives_russian_layout(store_key: str, number: str) -> None:
    text = encode_bag_label(store_key, number)
    typed = us_to_ru(text)
    assert decode_bag_label(ru_to_us(typed)) == BagLabel(store_key, number)
    assert parse_scan(typed) == BagLabel(store_key, number)
    assert parse_scan(text) == BagLabel(store_key, number)


def test_parse_scan_with_qr_symbology_prefix() -> None:
    assert parse_scan("]Q1PDESK1:s:1\r\n") == BagLabel("s", "1")


@pytest.mark.parametrize("text", ["PDESK1:s", "PDESK1:s:1:2", "ЗВУЫЛ1Жы"])
def test_parse_scan_reports_a_damaged_label(text: str) -> None:
    with pytest.raises(ScanError) as info:
        parse_scan(text)
    assert info.value.code == "bad_bag_label"
