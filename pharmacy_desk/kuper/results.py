"""What became of one notification: :class:`SendResult`, classified for the outbox.

================================================================  ===========  ===============================
Kuper's answer / what happened                                    outcome      the outbox should
================================================================  ===========  ===============================
200                                                               DONE         mark sent
202 (already processed)                                           DUPLICATE    mark sent (counts as done)
408, 425, 429, 5xx (``Retry-After`` kept in ``retry_after``)      RETRY        retry with back-off
time-out, connection refused/reset, DNS or TLS failure            RETRY        retry with back-off
400, 404, 422 and any other status                                FAILED       stop; show Kuper's body to staff
token endpoint refuses (4xx but 408/425/429) or answers garbage   AUTH_FAILED  retry with back-off *and* alert
401 again after the one refresh; 403                              AUTH_FAILED  the operator (credentials)
token endpoint 408/425/429/5xx, time-out, connection error        RETRY        retry with back-off
================================================================  ===========  ===============================

A 401 on a notification is never a final outcome by itself: the client refreshes the token and
retries once; only a second 401 (or a 403) becomes ``AUTH_FAILED``. ``AUTH_FAILED`` is retried
because wrong credentials are an operator's problem, not the order's: once the operator fixes them,
every queued notification must still go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

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
    detail = f": {kept}" if kept else ""
    reason = {400: "bad data", 404: "unknown order", 422: "bad data"}.get(status_code, "unexpected answer")
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
