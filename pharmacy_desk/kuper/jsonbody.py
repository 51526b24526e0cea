"""Decoding a request body into a JSON object, with one exception type per direction."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.errors import KuperFormatError

Body = bytes | bytearray | str | Mapping[str, Any]
"""What the parse functions accept: raw bytes, text or an already decoded JSON object."""


def load_object(body: Body, error: type[KuperFormatError]) -> dict[str, Any]:
    """Decode ``body`` into a dict or raise ``error`` with a message for humans."""
    if isinstance(body, Mapping):
        return dict(body)
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise error(f"body is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    elif isinstance(body, str):
        text = body
    else:
        raise error(f"body must be bytes, text or a JSON object, not {type(body).__name__}")
    if not text.strip():
        raise error("body is empty")
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(decoded, dict):
        raise error(f"body must be a JSON object, got {_json_kind(decoded)}")
    return decoded


def read_event_type(data: Mapping[str, Any], error: type[KuperFormatError]) -> str:
    """The envelope's ``event_type``: a non-empty string, or ``error``."""
    event_type = data.get(names.EVENT_TYPE)
    if event_type is None:
        raise error(f"'{names.EVENT_TYPE}' is missing")
    if not isinstance(event_type, str) or not event_type.strip():
        raise error(f"'{names.EVENT_TYPE}' must be a non-empty string, got {event_type!r}")
    return event_type


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
