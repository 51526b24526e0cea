"""What became of one notification: :class:`SendResult`, classified for the outbox.

================================================================  ===========  ===============================
Kuper's answer / what happened                                    outcome      the outbox should
================================================================  ===========  ===============================
200                                                               DONE         mark sent
202 (already processed)                                           DUPLICATE    mark sent (counts as done)
408, 425, 429, 5xx (``Retry-After`` kept in ``retry_after``)      RETRY        retry with back-off
time-out, connection refused/reset, DNS or TLS failure            RETRY        retry with back-off
400, 404, 405, 422 and any other status                           FAILED       stop; show Kuper's error to staff
token endpoint refuses (4xx but 408/425/429) or answers garbage   AUTH_FAILED  retry with back-off *and* alert
401 again after the one refresh; 403                              AUTH_FAILED  the operator (credentials)
token endpoint 408/425/429/5xx, time-out, connection error        RETRY        retry with back-off
================================================================  ===========  ===============================

A 401 on a notification is never a final outcome by itself: the client refreshes the token and
retries once; only a second 401 (or a 403) becomes ``AUTH_FAILED``. ``AUTH_FAILED`` is retried
because wrong credentials are an operator's problem, not the order's: once the operator fixes them,
every queued notification must still go out.

Kuper answers a repeated or out-of-order notification (and an unknown type) with **422**, and one the
store's integration type does not take with **405** (SberMarket's QA suite): the client only
classifies; the outbox asks Kuper for the order's state before it calls either a failure. The error
text shown is Kuper's own, read from either shape it uses (:func:`describe_kuper_error`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from pharmacy_desk.kuper import names

_RETRYABLE_STATUSES = frozenset({408, 425, 429})
MAX_BODY_KEPT = 4000
"""Characters of Kuper's answer kept in a result."""


class SendOutcome(StrEnum):
    """How one attempt to send a notification ended."""

    DONE = "done"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    FAILED = "failed"
    AUTH_FAILED = "auth_failed"


@dataclass(frozen=True, slots=True)
class SendResult:
    """One attempt's outcome with what the outbox and the staff need to know."""

    outcome: SendOutcome
    message: str
    status_code: int | None = None
    response_body: str | None = None
    retry_after: float | None = None

    @property
    def is_done(self) -> bool:
        """Kuper has the notification (``DONE`` or ``DUPLICATE``)."""
        return self.outcome in (SendOutcome.DONE, SendOutcome.DUPLICATE)

    @property
    def should_retry(self) -> bool:
        """Send again later (``RETRY`` or ``AUTH_FAILED``), no sooner than :attr:`retry_after`."""
        return self.outcome in (SendOutcome.RETRY, SendOutcome.AUTH_FAILED)

    @property
    def needs_attention(self) -> bool:
        """A human must look (``FAILED``: the data; ``AUTH_FAILED``: the credentials)."""
        return self.outcome in (SendOutcome.FAILED, SendOutcome.AUTH_FAILED)


def classify_response(
    status_code: int, body: str, retry_after: str | None = None, *, what: str = "notification"
) -> SendResult:
    """Classify Kuper's HTTP answer to a notification (a 401 here is final: the refresh already ran)."""
    kept = body[:MAX_BODY_KEPT] if body else None
    if status_code == 200:
        return SendResult(SendOutcome.DONE, f"Kuper accepted the {what}", status_code, kept)
    if status_code == 202:
        return SendResult(SendOutcome.DUPLICATE, f"Kuper already had the {what} (202)", status_code, kept)
    if status_code in _RETRYABLE_STATUSES or status_code >= 500:
        delay = parse_retry_after(retry_after)
        when = f", retry after {delay:g} s" if delay is not None else ""
        return SendResult(SendOutcome.RETRY, f"Kuper is unavailable ({status_code}){when}", status_code, kept, delay)
    if status_code in (401, 403):
        refusal = "refused our access token (401) even after a refresh" if status_code == 401 else "forbids it (403)"
        return SendResult(
            SendOutcome.AUTH_FAILED,
            f"Kuper {refusal}: check the API credentials and the store's rights",
            status_code,
            kept,
        )
    parsed = describe_kuper_error(body) if body else None
    detail = f": {parsed or kept}" if kept else ""
    reason = {
        400: "bad data",
        404: "unknown order",
        405: "not accepted for this store's integration type",
        422: "refused: repeated, out of order or invalid",
    }.get(status_code, "unexpected answer")
    message = f"Kuper rejected the {what} ({status_code}, {reason}){detail}"
    return SendResult(SendOutcome.FAILED, message, status_code, kept)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; ``None`` when absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds)


def describe_kuper_error(body: str) -> str | None:
    """Kuper's error as one line, from either shape it answers in; ``None`` when the body is neither.

    - ``{"errors": [{"type"?, "field", "message"}]}`` → ``field: message; ...``
    - ``{"error": {"type", "detail", "invalid_params": [{"name", "reason"}]}}`` → ``type: detail (name: reason)``
    """
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    errors = data.get(names.ERRORS)
    if isinstance(errors, list) and errors:
        parts = []
        for item in errors:
            if not isinstance(item, dict):
                continue
            message = str(item.get(names.ERROR_MESSAGE) or item.get(names.ERROR_TYPE) or "").strip()
            field = item.get(names.ERROR_FIELD)
            parts.append(f"{field}: {message}" if field else message)
        return "; ".join(part for part in parts if part) or None
    error = data.get(names.ERROR)
    if isinstance(error, dict):
        head = ": ".join(str(error[key]) for key in (names.ERROR_TYPE, names.ERROR_DETAIL) if error.get(key))
        params = error.get(names.ERROR_INVALID_PARAMS)
        if isinstance(params, list):
            listed = [
                f"{item.get(names.ERROR_PARAM_NAME)}: {item.get(names.ERROR_PARAM_REASON)}"
                for item in params
                if isinstance(item, dict)
            ]
            if listed:
                head = f"{head} ({'; '.join(listed)})" if head else "; ".join(listed)
        return head or None
    if isinstance(error, str) and error.strip():
        return error.strip()
    return None
