r"""Turn what a keyboard-wedge scanner typed into a typed scan result.

:func:`parse_scan` returns one of

- :class:`DrugPack`: a Russian marking code (MDLP "Честный знак") from a pack's
  DataMatrix: ``01`` + GTIN-14, ``21`` + 13-character serial, then either
  ``91`` + 4-character key and ``92`` + 44-character (or 88-character) crypto
  code, or ``93`` + 4-character verification code; optionally ``17`` expiry
  (YYMMDD) and ``10`` batch;
- :class:`RetailBarcode`: an EAN-13, EAN-8 or UPC-A barcode of unmarked goods;
- :class:`~pharmacy_desk.domain.bag_label.BagLabel`: our own bag-label QR;

or raises :class:`ScanError` (a ``ValueError``) with a stable ``code`` and a
Russian ``message`` for the staff. It raises nothing else, whatever the input.

What a wedge scanner does to a code, and how it is undone, in order:

1. Surrounding whitespace (the scanner's Enter/Tab suffix) is dropped.
2. Russian keyboard layout: every key press came out as the Russian character of
   that key (``F`` → ``А``, ``/`` → ``.``, ``.`` → ``ю``). When the text has a
   Cyrillic letter the whole string is mapped back
   (:func:`~pharmacy_desk.domain.keyboard_layout.ru_to_us`). Without Cyrillic the
   text is tried as it is first, then mapped, in case a code happened to have no
   letters at all.
3. A symbology identifier prefix (``]d2``, ``]C1``, ``]Q3``, ``]E0``...) is
   dropped, and so are separators before the code (a leading FNC1) and after it
   (a trailing GS; in a marking code only where it cannot be data).
4. The GS (``\x1d``) separators between variable-length fields are rebuilt from
   the fixed lengths of the marking code fields (21: 13, 91: 4, 92: 44 or 88,
   93: 4, 17: 6). Between fields the scanner may have sent GS itself, nothing at
   all, or a substitute: ``<GS>``, ``[GS]``, ``{GS}``, ``<FNC1>``, ``[FNC1]``,
   ``{FNC1}``, ``^]`` (Ctrl+] typed literally), the escapes ``\x1d`` /
   ``\u001d`` typed as text, ``␝`` (U+241D), a space, ``|`` or ``~``. Batch
   (10) is the only variable-length field: it must end with a separator or the
   text. A text that splits into fields in more than one way is refused
   (``ambiguous``) rather than guessed.
5. biip parses the rebuilt GS1 message (with real GS) and checks the GTIN check
   digit and the expiry date; :attr:`DrugPack.marking_code` is the message as
   biip renders it, GS between variable-length fields, exactly what Kuper wants
   in ``markingCode``.

A marking code without its crypto tail (91+92 or 93) is refused as truncated:
Kuper needs the whole code.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from typing import Final, Literal

from biip.checksums import gs1_standard_check_digit
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import SymbologyIdentifier

from pharmacy_desk.domain.bag_label import BAG_LABEL_PREFIX, BagLabel, decode_bag_label
from pharmacy_desk.domain.keyboard_layout import looks_russian_layout, ru_to_us

__all__ = [
    "GS",
    "DrugPack",
    "RetailBarcode",
    "Scan",
    "ScanError",
    "ScanErrorCode",
    "parse_scan",
]

GS: Final = "\x1d"

ScanErrorCode = Literal[
    "empty",
    "too_long",
    "unknown_format",
    "truncated",
    "bad_check_digit",
    "bad_expiry",
    "ambiguous",
    "bad_bag_label",
]

MAX_SCAN_LENGTH: Final = 400
"""Longer input is refused before any parsing (the longest code is ~150 characters)."""


class ScanError(ValueError):
    """A scan that is not a usable code.

    ``code`` is stable and meant for programs; ``message`` is Russian and meant
    for the staff at the counter.
    """

    def __init__(self, code: ScanErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ScanErrorCode = code
        self.message = message

    def __reduce__(self) -> tuple[type[ScanError], tuple[ScanErrorCode, str]]:
        return (type(self), (self.code, self.message))


@dataclass(frozen=True, slots=True)
class DrugPack:
    """One marked pack, identified by its marking code."""

    gtin: str
    """GTIN-14, check digit verified."""
    serial: str
    """AI 21."""
    marking_code: str
    """The code to send to Kuper: GS (``\\x1d``) between variable-length fields."""
    crypto_key: str | None = None
    """AI 91."""
    crypto_code: str | None = None
    """AI 92."""
    verification_code: str | None = None
    """AI 93 (used instead of 91/92 by some categories, e.g. dietary supplements)."""
    expiry: dt.date | None = None
    """AI 17, when the code carries it (drug codes usually do not)."""
    batch: str | None = None
    """AI 10, when the code carries it."""

    @property
    def sgtin(self) -> str:
        """GTIN + serial: the pack's identity (MDLP's SGTIN), to detect double scans."""
        return self.gtin + self.serial


@dataclass(frozen=True, slots=True)
class RetailBarcode:
    """A linear retail barcode (unmarked goods), check digit verified."""

    gtin: str
    """The GTIN padded to 14 digits."""
    symbology: Literal["EAN-13", "EAN-8", "UPC-A"]
    digits: str
    """The digits as scanned."""


Scan = DrugPack | RetailBarcode | BagLabel

# --- character sets and marking-code fields -------------------------------------------------

_DIGITS: Final = frozenset(string.digits)
# GS1 AI encodable character set 82 (what biip's "X" fields accept).
_CSET82: Final = frozenset("!\"%&'()*+,-./:;<=>?_" + string.ascii_letters + string.digits)
_BASE64: Final = frozenset(string.ascii_letters + string.digits + "+/=")

_SEPARATORS: Final = (
    GS,
    "\u241d",
    "<FNC1>",
    "[FNC1]",
    "{FNC1}",
    "<GS>",
    "[GS]",
    "{GS}",
    "\\x1d",
    "\\x1D",
    "\\u001d",
    "\\u001D",
    "^]",
    " ",
    "|",
    "~",
)


@dataclass(frozen=True, slots=True)
class _Field:
    lengths: tuple[int, ...]
    """Allowed fixed lengths; empty for a variable-length field."""
    max_length: int
    charset: frozenset[str]


_FIELDS: Final[dict[str, _Field]] = {
    "01": _Field((14,), 14, _DIGITS),
    "21": _Field((13,), 13, _CSET82),
    "91": _Field((4,), 4, _CSET82),
    "92": _Field((44, 88), 88, _BASE64),
    "93": _Field((4,), 4, _CSET82),
    "17": _Field((6,), 6, _DIGITS),
    "10": _Field((), 20, _CSET82),
}

_Elements = tuple[tuple[str, str], ...]

# --- messages -------------------------------------------------------------------------------

_MSG_EMPTY = "Пустой скан: сканер ничего не передал"
_MSG_TOO_LONG = "Слишком длинный скан: это не код маркировки и не штрихкод"
_MSG_UNKNOWN = "Код не распознан: это не код маркировки, не штрихкод и не этикетка пакета"
_MSG_BAD_MARKING = "Код маркировки не распознан: проверьте настройки сканера и отсканируйте ещё раз"
_MSG_TRUNCATED = "Код маркировки неполный (обрезан): отсканируйте ещё раз"
_MSG_NO_CRYPTO = "Код маркировки неполный: нет криптохвоста (91/92 или 93), отсканируйте DataMatrix ещё раз"
_MSG_BAD_GTIN = "Неверная контрольная цифра GTIN"
_MSG_BAD_EAN = "Неверная контрольная цифра штрихкода"
_MSG_BAD_EXPIRY = "Неверная дата срока годности в коде маркировки"
_MSG_AMBIGUOUS = (
    "Код маркировки читается неоднозначно: включите в сканере передачу разделителя GS и отсканируйте ещё раз"
)
_MSG_BAD_LABEL = "Этикетка пакета повреждена или чужая: ожидается PDESK1:<аптека>:<номер заказа>"

_RETAIL_LENGTHS: Final[dict[int, Literal["EAN-13", "EAN-8", "UPC-A"]]] = {
    13: "EAN-13",
    8: "EAN-8",
    12: "UPC-A",
}


def parse_scan(raw: str) -> Scan:
    """Parse one scan (what the scanner typed, up to its Enter) into a typed result.

    Raises ScanError, and only ScanError, when the text is not a usable code.
    """
    if not isinstance(raw, str):
        raise ScanError("unknown_format", _MSG_UNKNOWN)
    text = raw.strip()
    if not text:
        raise ScanError("empty", _MSG_EMPTY)
    if len(text) > MAX_SCAN_LENGTH:
        raise ScanError("too_long", _MSG_TOO_LONG)

    if looks_russian_layout(text):
        candidates = [ru_to_us(text)]
    else:
        candidates = [text]
        mapped = ru_to_us(text)
        if mapped != text:
            candidates.append(mapped)

    first_error: ScanError | None = None
    for candidate in candidates:
        try:
            return _parse_candidate(candidate)
        except ScanError as error:
            if first_error is None:
                first_error = error
    assert first_error is not None
    raise first_error


def _parse_candidate(text: str) -> Scan:
    body = _strip_leading_separators(_strip_symbology_identifier(text))
    if not body:
        raise ScanError("empty", _MSG_EMPTY)
    if body.startswith("01") and not _is_ascii_digits(body):
        # The splitter copes with a trailing separator itself: "<GS>" may also be data.
        return _parse_marking_code(body)
    body = _strip_trailing_separators(body)
    if body.startswith(BAG_LABEL_PREFIX):
        label = decode_bag_label(body)
        if label is None:
            raise ScanError("bad_bag_label", _MSG_BAD_LABEL)
        return label
    if not _is_ascii_digits(body):
        raise ScanError("unknown_format", _MSG_UNKNOWN)
    if len(body) in _RETAIL_LENGTHS:
        return _parse_retail(body)
    if body.startswith("01"):
        return _parse_marking_code(body)
    raise ScanError("unknown_format", f"Штрихкод не распознан (цифр: {len(body)})")


def _is_ascii_digits(text: str) -> bool:
    return all(char in _DIGITS for char in text)


def _strip_symbology_identifier(text: str) -> str:
    if not text.startswith("]"):
        return text
    try:
        identifier = SymbologyIdentifier.extract(text)
    except Exception as error:  # biip raises ParseError, but any failure means "not a code"
        raise ScanError("unknown_format", _MSG_UNKNOWN) from error
    return text[len(identifier.value) :]


def _strip_leading_separators(text: str) -> str:
    """Drop whitespace and separator tokens before the data (a leading FNC1 or GS)."""
    previous = None
    while previous != text:
        previous = text
        text = text.lstrip()
        for token in _SEPARATORS:
            text = text.removeprefix(token)
    return text


def _strip_trailing_separators(text: str) -> str:
    """Drop whitespace and separator tokens after the data (a trailing GS)."""
    previous = None
    while previous != text:
        previous = text
        text = text.rstrip()
        for token in _SEPARATORS:
            text = text.removesuffix(token)
    return text


# --- retail barcodes ------------------------------------------------------------------------


def _parse_retail(digits: str) -> RetailBarcode:
    if gs1_standard_check_digit(digits[:-1]) != int(digits[-1]):
        raise ScanError("bad_check_digit", _MSG_BAD_EAN)
    try:
        gtin = Gtin.parse(digits).as_gtin_14()
    except Exception as error:  # biip: ParseError/EncodeError; defensive, check digit already OK
        raise ScanError("unknown_format", _MSG_UNKNOWN) from error
    return RetailBarcode(gtin=gtin, symbology=_RETAIL_LENGTHS[len(digits)], digits=digits)


# --- marking codes --------------------------------------------------------------------------


def _parse_marking_code(body: str) -> DrugPack:
    gtin = body[2:16]
    if not _is_ascii_digits(gtin):
        raise ScanError("unknown_format", _MSG_BAD_MARKING)
    if len(gtin) < 14:
        raise ScanError("truncated", _MSG_TRUNCATED)
    if gs1_standard_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise ScanError("bad_check_digit", _MSG_BAD_GTIN)

    splitter = _Splitter(body)
    splitter.run()
    if len(splitter.complete) > 1:
        raise ScanError("ambiguous", _MSG_AMBIGUOUS)
    if splitter.complete:
        return _build_drug_pack(splitter.complete[0])
    if splitter.incomplete is not None:
        error = _structure_error(splitter.incomplete)
        assert error is not None
        raise error
    if splitter.truncated:
        raise ScanError("truncated", _MSG_TRUNCATED)
    raise ScanError("unknown_format", _MSG_BAD_MARKING)


class _Splitter:
    """Split a marking code into (AI, value) pairs by the fields' fixed lengths.

    A depth-first search over the few choices a scan leaves open (which
    separator, if any, between two fields; 44 or 88 characters for AI 92; where
    a batch ends). ``complete`` collects splits that are whole marking codes and
    the search stops at two of them: two mean ambiguity. ``incomplete`` keeps the
    first split that used all the text but lacks a required field;
    ``truncated`` tells whether some path ran out of text inside a field.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.complete: list[_Elements] = []
        self.incomplete: _Elements | None = None
        self.truncated = False

    def run(self) -> None:
        self._field(0, ())

    def _field(self, pos: int, done: _Elements) -> None:
        if len(self.complete) >= 2:
            return
        text = self.text
        seen = {ai for ai, _ in done}
        allowed = ["01"] if pos == 0 else [ai for ai in _FIELDS if ai != "01" and ai not in seen]
        if len(text) - pos < 2:
            if any(ai.startswith(text[pos:]) for ai in allowed):
                self.truncated = True
            return
        ai = text[pos : pos + 2]
        if ai not in allowed:
            return
        field = _FIELDS[ai]
        start = pos + 2
        for end in self._value_ends(start, field):
            value = text[start:end]
            if not all(char in field.charset for char in value):
                continue
            if end > len(text):
                self.truncated = True
                continue
            self._after_field(end, (*done, (ai, value)))

    def _value_ends(self, start: int, field: _Field) -> list[int]:
        if field.lengths:
            return [start + length for length in field.lengths]
        # Variable length: ends at a separator or at the end of the text.
        text = self.text
        last = min(start + field.max_length, len(text))
        return [
            end
            for end in range(start + 1, last + 1)
            if end == len(text) or any(text.startswith(token, end) for token in _SEPARATORS)
        ]

    def _after_field(self, pos: int, done: _Elements) -> None:
        rest = self.text[pos:]
        if not rest or rest in _SEPARATORS:  # the end, maybe after a trailing separator
            if _structure_error(done) is not None:
                if self.incomplete is None:
                    self.incomplete = done
            elif done not in self.complete:
                self.complete.append(done)
            return
        self._field(pos, done)  # no separator at all
        for token in _SEPARATORS:
            if rest.startswith(token):
                self._field(pos + len(token), done)
            elif token.startswith(rest):  # the text ends inside a separator
                self.truncated = True


def _structure_error(elements: _Elements) -> ScanError | None:
    """Why a split is not a complete marking code, or None when it is one."""
    ais = {ai for ai, _ in elements}
    if "21" not in ais:
        return ScanError("truncated", _MSG_NO_CRYPTO)
    if "93" in ais or {"91", "92"} <= ais:
        return None
    if "92" in ais:  # a crypto code without its key: not a format we know
        return ScanError("unknown_format", _MSG_BAD_MARKING)
    return ScanError("truncated", _MSG_NO_CRYPTO)


def _build_drug_pack(elements: _Elements) -> DrugPack:
    values = dict(elements)
    if "17" in values:
        try:
            GS1ElementString.parse("17" + values["17"])
        except Exception as error:  # biip: ParseError for an impossible date
            raise ScanError("bad_expiry", _MSG_BAD_EXPIRY) from error

    # Real GS after every field (GS1 allows a separator after any field); biip
    # parses it and renders the canonical form, with GS only where GS1 needs it.
    rebuilt = GS.join(ai + value for ai, value in elements)
    try:
        message = GS1Message.parse(rebuilt)
        marking_code = GS1Message.from_element_strings(message.element_strings).value
    except Exception as error:  # biip: ParseError; defensive, every field was checked above
        raise ScanError("unknown_format", _MSG_BAD_MARKING) from error

    parsed = tuple((element.ai.ai, element.value) for element in message.element_strings)
    gtin_element = message.element_strings.get(ai="01")
    if parsed != elements or gtin_element is None or gtin_element.gtin is None:
        raise ScanError("unknown_format", _MSG_BAD_MARKING)
    expiry_element = message.element_strings.get(ai="17")

    return DrugPack(
        gtin=values["01"],
        serial=values["21"],
        marking_code=marking_code,
        crypto_key=values.get("91"),
        crypto_code=values.get("92"),
        verification_code=values.get("93"),
        expiry=expiry_element.date if expiry_element is not None else None,
        batch=values.get("10"),
    )
