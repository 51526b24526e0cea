"""Exceptions of the Kuper package, drawn once::

    KuperError                       base of everything raised here
    └── KuperFormatError (ValueError)   a body that does not fit the wire contract
        ├── WebhookFormatError           incoming webhook: answer 400 (or log and drop)
        └── NotificationFormatError      a stored/received notification that we would never send

Building a model with bad values raises pydantic's ``ValidationError`` (also a ``ValueError``).
The HTTP client raises nothing for Kuper's answers or network trouble: it classifies them into a
:class:`~pharmacy_desk.kuper.results.SendResult` for the outbox.
"""

from __future__ import annotations

from pydantic import ValidationError

_MAX_ERRORS_SHOWN = 5


class KuperError(Exception):
    """Base of the exceptions raised by :mod:`pharmacy_desk.kuper`."""


class KuperFormatError(KuperError, ValueError):
    """A body that does not fit the wire contract; ``str(exc)`` is a message for humans."""

    def __init__(self, message: str, *, event_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.event_type = event_type


class WebhookFormatError(KuperFormatError):
    """An incoming webhook body that cannot be understood (not JSON, no ``event_type``, ...)."""


class NotificationFormatError(KuperFormatError):
    """A notification body that breaks the strict rules for what we send."""


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, ``location: message``, for logs and the staff's screen."""
    parts: list[str] = []
    details = error.errors(include_url=False, include_input=False)
    for detail in details[:_MAX_ERRORS_SHOWN]:
        location = ".".join(str(item) for item in detail["loc"]) or "body"
        if detail["type"] in ("model_type", "dict_type", "model_attributes_type"):
            message = "must be a JSON object"
        else:
            message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}")
    if len(details) > _MAX_ERRORS_SHOWN:
        parts.append(f"... and {len(details) - _MAX_ERRORS_SHOWN} more")
    return "; ".join(parts)
