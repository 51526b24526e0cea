"""parse_scan: marking codes, retail barcodes and bag labels as a wedge scanner types them."""

from __future__ import annotations

import datetime as dt
import pickle
import string
from typing import Literal

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pharmacy_desk.domain.bag_label import BagLabel
from pharmacy_desk.domain.keyboard_layout import us_to_ru
from pharmacy_desk.domain.scans import GS, DrugPack, RetailBarcode, ScanError, parse_scan

GTIN = "04607143560598"
SERIAL = "FGXEAGA5A1GAH"
KEY = "EE06"
CRYPTO = "VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
EXAMPLE = f"01{GTIN}21{SERIAL}{GS}91{KEY}{GS}92{CRYPTO}"
EXAMPLE_PACK = DrugPack(gtin=GTIN, serial=SERIAL, marking_code=EXAMPLE, crypto_key=KEY, crypto_code=CRYPTO)

SUBSTITUTES = [
    GS,
    "",
    " ",
    "^]",
    "<GS>",
    "[GS]",
    "{GS}",
    "<FNC1>",
    "[FNC1]",
    "{FNC1}",
    "|",
    "~",
    "\u241d",
    "\\x1d",
    "\\u001d",
]
PREFIXES = ["", "]d2", "]d1", "]C1", "]Q3", GS, "]d2" + GS, "<FNC1>"]
SUFFIXES = ["", "\r", "\n", "\r\n", "\t", GS, " "]

CSET82 = "!\"%&'()*+,-./:;<=>?_" + string.ascii_letters + string.digits
BASE64 = string.ascii_letters + string.digits + "+/="


def with_check_digit(payload: str) -> str:
    return payload + str(gs1_standard_check_digit(payload))


def code(gtin: str, serial: str, tail: list[tuple[str, str]], sep: str = GS) -> str:
    return f"01{gtin}21{serial}" + "".join(f"{sep}{ai}{value}" for ai, value in tail)


def scan_error(raw: str) -> ScanError:
    with pytest.raises(ScanError) as info:
        parse_scan(raw)
    return info.value


# --- the protocol example and how scanners mangle it ----------------------------------------


def test_protocol_example() -> None:
    pack = parse_scan(EXAMPLE)
    assert pack == EXAMPLE_PACK
    assert isinstance(pack, DrugPack)
    assert pack.marking_code == EXAMPLE
    assert pack.sgtin == GTIN + SERIAL
    assert pack.expiry is None
    assert pack.batch is None
    assert pack.verification_code is None


@pytest.mark.parametrize("sep", SUBSTITUTES)
def test_gs_missing_or_replaced(sep: str) -> None:
    assert parse_scan(EXAMPLE.replace(GS, sep)) == EXAMPLE_PACK


@pytest.mark.parametrize("sep", SUBSTITUTES)
def test_russian_layout(sep: str) -> None:
    typed = us_to_ru(EXAMPLE.replace(GS, sep))
    assert parse_scan(typed) == EXAMPLE_PACK


def test_russian_layout_literal() -> None:
    typed = "010460714356059821АПЧУФПФ5Ф1ПФР91УУ0692МЦ.т3п0рНЗ6лйч1ЦоМн.атзЛЕ+ш7Т3АЕ8ЙЗГняяЛЙЕ4="
    assert parse_scan(typed) == EXAMPLE_PACK


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_symbology_prefix_and_scanner_suffix(prefix: str, suffix: str) -> None:
    assert parse_scan(prefix + EXAMPLE + suffix) == EXAMPLE_PACK
    assert parse_scan(prefix + EXAMPLE.replace(GS, "") + suffix) == EXAMPLE_PACK


def test_russian_layout_with_symbology_prefix() -> None:
    assert parse_scan(us_to_ru("]d2" + EXAMPLE.replace(GS, "^]"))) == EXAMPLE_PACK


def test_double_scan_identity_is_layout_independent() -> None:
    first = parse_scan(EXAMPLE)
    second = parse_scan(us_to_ru(EXAMPLE.replace(GS, "")))
    assert isinstance(first, DrugPack)
    assert isinstance(second, DrugPack)
    assert first.sgtin == second.sgtin
    assert first == second


# --- other layouts of the code --------------------------------------------------------------


def test_88_character_crypto_code() -> None:
    crypto = CRYPTO * 2
    expected = f"01{GTIN}21{SERIAL}{GS}91{KEY}{GS}92{crypto}"
    pack = parse_scan(expected.replace(GS, ""))
    assert isinstance(pack, DrugPack)
    assert pack.crypto_code == crypto
    assert pack.marking_code == expected


def test_93_verification_code() -> None:
    gtin = with_check_digit("0460123456789")
    expected = code(gtin, "5Ab!cD\"%&'()*", [("93", "dGhp")])
    for sep in (GS, "", "<GS>"):
        pack = parse_scan(expected.replace(GS, sep))
        assert pack == DrugPack(gtin=gtin, serial="5Ab!cD\"%&'()*", marking_code=expected, verification_code="dGhp")


def test_expiry_and_batch() -> None:
    gtin = with_check_digit("0460700000001")
    expected = f"01{gtin}17270531" + f"10AB-12/3{GS}21{SERIAL}{GS}91{KEY}{GS}92{CRYPTO}"
    for raw in (expected, expected.replace(GS, " "), us_to_ru(expected.replace(GS, "^]"))):
        pack = parse_scan(raw)
        assert isinstance(pack, DrugPack)
        assert pack.expiry == dt.date(2027, 5, 31)
        assert pack.batch == "AB-12/3"
        assert pack.serial == SERIAL
        assert pack.marking_code == expected


def test_expiry_day_zero_means_end_of_month() -> None:
    pack = parse_scan(f"01{GTIN}21{SERIAL}17280200{GS}91{KEY}{GS}92{CRYPTO}")
    assert isinstance(pack, DrugPack)
    assert pack.expiry == dt.date(2028, 2, 29)
    # GS only where GS1 needs it: none after the fixed-length expiry
    assert pack.marking_code == f"01{GTIN}21{SERIAL}{GS}17280200" + f"91{KEY}{GS}92{CRYPTO}"


def test_batch_at_the_end() -> None:
    pack = parse_scan(f"01{GTIN}21{SERIAL}{GS}93abcd{GS}10L0T")
    assert isinstance(pack, DrugPack)
    assert pack.batch == "L0T"
    assert pack.marking_code == f"01{GTIN}21{SERIAL}{GS}93abcd{GS}10L0T"


@pytest.mark.parametrize("date", ["271305", "270532", "270230", "2705"])
def test_bad_expiry(date: str) -> None:
    error = scan_error(f"01{GTIN}21{SERIAL}17{date}{GS}91{KEY}{GS}92{CRYPTO}")
    assert error.code in {"bad_expiry", "unknown_format"}
    if len(date) == 6:
        assert error.code == "bad_expiry"


def test_batch_without_separator_before_more_fields_is_not_guessed() -> None:
    error = scan_error(f"01{GTIN}10AB1221{SERIAL}91{KEY}92{CRYPTO}")
    assert error.code == "unknown_format"


def test_ambiguous_split_is_refused() -> None:
    # The batch may be "A" (then an expiry) or "A<GS>17261231" (no expiry): do not guess.
    raw = f"01{GTIN}21{SERIAL}<GS>10A<GS>17261231<GS>93abcd"
    assert scan_error(raw).code == "ambiguous"
    # With real GS the batch cannot contain the separator: unambiguous.
    pack = parse_scan(raw.replace("<GS>", GS))
    assert isinstance(pack, DrugPack)
    assert pack.batch == "A"
    assert pack.expiry == dt.date(2026, 12, 31)


def test_separator_lookalike_data_at_the_end() -> None:
    # "<GS>" is valid GS1 data (AI 93 here): it is a value, not a trailing separator...
    expected = f"01{GTIN}21{SERIAL}{GS}93<GS>"
    pack = parse_scan(expected)
    assert isinstance(pack, DrugPack)
    assert pack.verification_code == "<GS>"
    # ...while a separator after a complete code is dropped.
    for trailing in ("<GS>", "^]", "|", GS):
        assert parse_scan(EXAMPLE + trailing) == EXAMPLE_PACK


def test_code_without_letters_typed_under_russian_layout() -> None:
    # No letter means no Cyrillic to notice; "/" came out as ".", which is not base64,
    # so the text is read again as typed under the Russian layout.
    crypto = "0123456789+/" * 3 + "01234567"
    gtin = with_check_digit("0460555512345")
    expected = code(gtin, "1234567890123", [("91", "0001"), ("92", crypto)])
    typed = us_to_ru(expected.replace(GS, ""))
    assert typed != expected.replace(GS, "")
    assert parse_scan(typed) == DrugPack(
        gtin=gtin, serial="1234567890123", marking_code=expected, crypto_key="0001", crypto_code=crypto
    )


# --- truncated, wrong, junk -----------------------------------------------------------------


@pytest.mark.parametrize("sep", [GS, "", "<GS>", " "])
def test_every_truncation_is_refused(sep: str) -> None:
    full = EXAMPLE.replace(GS, sep)
    for cut in range(17, len(full)):
        error = scan_error(full[:cut])
        assert error.code == "truncated", (cut, full[:cut], error.code)
        assert error.message


def test_truncated_inside_gtin() -> None:
    assert scan_error(EXAMPLE[:15]).code == "truncated"
    assert scan_error("01").code == "truncated"


def test_gtin_and_serial_without_crypto_tail() -> None:
    error = scan_error(f"01{GTIN}21{SERIAL}")
    assert error.code == "truncated"
    assert "криптохвост" in error.message
    assert scan_error(f"01{GTIN}").code == "truncated"
    assert scan_error(f"01{GTIN}21{SERIAL}{GS}91{KEY}").code == "truncated"


def test_crypto_code_without_key() -> None:
    assert scan_error(f"01{GTIN}21{SERIAL}{GS}92{CRYPTO}").code == "unknown_format"


@pytest.mark.parametrize("position", range(2, 16))
def test_wrong_gtin_check_digit(position: int) -> None:
    digit = EXAMPLE[position]
    wrong = EXAMPLE[:position] + str((int(digit) + 1) % 10) + EXAMPLE[position + 1 :]
    error = scan_error(wrong)
    assert error.code == "bad_check_digit"
    assert error.message == "Неверная контрольная цифра GTIN"


def test_wrong_check_digit_under_russian_layout() -> None:
    wrong = EXAMPLE.replace(GTIN, GTIN[:-1] + "9")
    assert scan_error(us_to_ru(wrong.replace(GS, ""))).code == "bad_check_digit"


@pytest.mark.parametrize(
    "raw",
    [
        f"01{GTIN}21{SERIAL}{GS}91{KEY}{GS}92{CRYPTO[:-1]}.",  # "." is not base64: layout not mapped
        f"01{GTIN}21{SERIAL}{GS}91{KEY}{GS}92{CRYPTO}X",  # one character too many
        f"01{GTIN}21{SERIAL}{GS}91{KEY}{GS}91{KEY}",  # repeated field
        f"01{GTIN}21{SERIAL}{GS}99{KEY}",  # field we do not know
        f"01{GTIN}21{SERIAL[:-1]}#{GS}91{KEY}{GS}92{CRYPTO}",  # "#" is not allowed in GS1 data
        f"01{GTIN[:5]}x{GTIN[6:]}21{SERIAL}",
    ],
)
def test_malformed_marking_codes(raw: str) -> None:
    assert scan_error(raw).code in {"unknown_format", "truncated"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   \r\n", "empty"),
        (GS, "empty"),
        ("]d2", "empty"),
        ("x" * 401, "too_long"),
        ("hello", "unknown_format"),
        ("привет", "unknown_format"),
        ("0", "unknown_format"),
        ("12345", "unknown_format"),
        ("46071435605981", "unknown_format"),
        ("]]]", "unknown_format"),
        ("]", "unknown_format"),
        ("\x00\x01\x02", "unknown_format"),
        (f"(01){GTIN}(21){SERIAL}", "unknown_format"),
        ("٠١٢٣٤٥٦٧٨٩٠١٢", "unknown_format"),  # Arabic-Indic digits
        ("01٠٤٦٠٧١٤٣٥٦٠٥٩٨", "unknown_format"),
        ("https://id.gs1.org/01/04607143560598", "unknown_format"),
    ],
)
def test_junk(raw: str, code: str) -> None:
    error = scan_error(raw)
    assert error.code == code
    assert error.message


# --- retail barcodes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gtin", "symbology"),
    [
        ("4607143560598", "04607143560598", "EAN-13"),
        ("4601234567893", "04601234567893", "EAN-13"),
        (" 4601234567893\r\n", "04601234567893", "EAN-13"),
        ("]E04601234567893", "04601234567893", "EAN-13"),
        ("96385074", "00000096385074", "EAN-8"),
        ("036000291452", "00036000291452", "UPC-A"),
    ],
)
def test_retail_barcode(raw: str, gtin: str, symbology: str) -> None:
    result = parse_scan(raw)
    assert isinstance(result, RetailBarcode)
    assert result.gtin == gtin
    assert result.symbology == symbology
    assert result.digits == raw.strip().removeprefix("]E0")


@pytest.mark.parametrize("raw", ["4607143560597", "96385075", "036000291453"])
def test_retail_barcode_wrong_check_digit(raw: str) -> None:
    error = scan_error(raw)
    assert error.code == "bad_check_digit"
    assert "контрольная цифра" in error.message


# --- ScanError ------------------------------------------------------------------------------


def test_scan_error_contract() -> None:
    error = scan_error("hello")
    assert isinstance(error, ValueError)
    assert str(error) == error.message
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message) == (error.code, error.message)


# --- properties -----------------------------------------------------------------------------

gtins = st.text(alphabet=string.digits, min_size=13, max_size=13).map(with_check_digit)
serials = st.text(alphabet=CSET82, min_size=13, max_size=13)
short_fields = st.text(alphabet=CSET82, min_size=4, max_size=4)
cryptos = st.one_of(
    st.text(alphabet=BASE64, min_size=44, max_size=44),
    st.text(alphabet=BASE64, min_size=88, max_size=88),
).filter(lambda text: any(char.isalpha() for char in text))  # real crypto codes always have letters


@st.composite
def packs(draw: st.DrawFn) -> DrugPack:
    gtin = draw(gtins)
    serial = draw(serials)
    if draw(st.booleans()):
        key, crypto, check = draw(short_fields), draw(cryptos), None
        tail = [("91", key), ("92", crypto)]
    else:
        serial = draw(serials.filter(lambda text: any(char.isalpha() for char in text)))
        key, crypto, check = None, None, draw(short_fields)
        tail = [("93", check)]
    return DrugPack(
        gtin=gtin,
        serial=serial,
        marking_code=code(gtin, serial, tail),
        crypto_key=key,
        crypto_code=crypto,
        verification_code=check,
    )


@st.composite
def scanned(draw: st.DrawFn) -> tuple[DrugPack, str]:
    """A pack and what some scanner, with some settings, typed for it."""
    pack = draw(packs())
    sep = draw(st.sampled_from(SUBSTITUTES))
    raw = draw(st.sampled_from(PREFIXES)) + pack.marking_code.replace(GS, sep) + draw(st.sampled_from(SUFFIXES))
    if draw(st.booleans()):
        raw = us_to_ru(raw)
    return pack, raw


@given(scanned())
def test_any_valid_code_as_scanned_round_trips(case: tuple[DrugPack, str]) -> None:
    pack, raw = case
    assert parse_scan(raw) == pack


@given(packs())
def test_russian_layout_round_trip(pack: DrugPack) -> None:
    assert parse_scan(us_to_ru(pack.marking_code)) == pack
    assert parse_scan(us_to_ru(pack.marking_code.replace(GS, ""))) == pack


def _check_result(raw: str) -> None:
    """parse_scan either raises ScanError or returns a consistent result."""
    try:
        result = parse_scan(raw)
    except ScanError as error:
        assert error.code
        assert error.message
        return
    if isinstance(result, DrugPack):
        assert len(result.gtin) == 14
        assert result.gtin.isascii()
        assert result.gtin.isdigit()
        assert gs1_standard_check_digit(result.gtin[:-1]) == int(result.gtin[-1])
        assert len(result.serial) == 13
        assert parse_scan(result.marking_code) == result
    elif isinstance(result, RetailBarcode):
        assert len(result.gtin) == 14
        assert gs1_standard_check_digit(result.gtin[:-1]) == int(result.gtin[-1])
    else:
        assert isinstance(result, BagLabel)


@given(st.text())
def test_random_text_never_raises_anything_else(raw: str) -> None:
    _check_result(raw)


@given(st.binary())
def test_random_bytes_never_raise_anything_else(data: bytes) -> None:
    _check_result(data.decode("latin-1"))
    _check_result(data.decode("utf-8", errors="replace"))


@given(st.text(alphabet=CSET82 + GS + " |~^]<>[]{}#$@`" + "йцукенгшщзхъфывапролджэячсмитьбюё"))
def test_random_code_like_text_never_raises_anything_else(raw: str) -> None:
    _check_result("01" + raw)
    _check_result(f"01{GTIN}" + raw)
    _check_result(f"01{GTIN}21" + raw)


@st.composite
def mutations(draw: st.DrawFn) -> str:
    _, raw = draw(scanned())
    chars = list(raw)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
        position = draw(st.integers(min_value=0, max_value=max(len(chars) - 1, 0)))
        char = draw(st.one_of(st.sampled_from(CSET82 + GS + " ^]<>|~йЖ"), st.characters()))
        if kind == "delete" and chars:
            del chars[position]
        elif kind == "insert":
            chars.insert(position, char)
        elif kind == "replace" and chars:
            chars[position] = char
        elif kind == "swap" and len(chars) > position + 1:
            chars[position], chars[position + 1] = chars[position + 1], chars[position]
    return "".join(chars)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_codes_never_raise_anything_else(raw: str) -> None:
    _check_result(raw)


@given(gtins, st.sampled_from([8, 12, 13]))
def test_retail_barcodes_round_trip(gtin: str, length: int) -> None:
    digits = gtin[-length:]
    payload = digits[:-1]
    digits = with_check_digit(payload)
    result = parse_scan(digits)
    assert result == RetailBarcode(gtin=digits.zfill(14), symbology=_symbology(length), digits=digits)


def _symbology(length: int) -> Literal["EAN-13", "EAN-8", "UPC-A"]:
    names: dict[int, Literal["EAN-13", "EAN-8", "UPC-A"]] = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}
    return names[length]
