"""Pickup codes: generation, uniqueness among a store's waiting orders, checking with a lock-out.

The code is what Kuper shows the customer in its app; the customer tells it at the counter. It is a
secret of that order until it is handed over, so:

- it is drawn with :mod:`secrets`, digits only, ``length`` digits (default 4, as in Kuper's example);
- it is unique among the store's orders still waiting for pickup (the caller passes their digests);
- **the order never holds the code itself**, only its keyed digest (:func:`pickup_code_digest`, HMAC-SHA256
  with the relay's key): the code leaves the lifecycle once, in the ``order.pickup_code_created``
  notification to Kuper. The digest is written only into the relay's stored snapshot
  (``model_dump(context={"secrets": True})``); every other dump of an order (API answers, the stream)
  leaves it out, so a counter PC sees "code issued / locked until", never anything derived from the code;
- checking it counts failures; after ``max_attempts`` failures the order is locked for
  ``lockout_minutes``; the digests are compared in constant time;
- every operation leaves an :class:`AuditEntry` (created, printed, verified, failed, locked).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from pharmacy_desk.domain.states import CancelReason

_SYSTEM_RANDOM = secrets.SystemRandom()


class PickupCodePolicy(BaseModel):
    """A store's pickup rules (``stores[].rules.pickup``): the code, and how long a ready order is held.

    ``hold_hours`` (fractions allowed): a pickup order waiting longer is a no-show
    (:mod:`pharmacy_desk.domain.no_show`); ``auto_cancel``: the relay then cancels it by itself
    (else the pharmacist does, with one key), with Kuper's slug ``no_show_slug``.
    """

    model_config = ConfigDict(frozen=True)

    length: int = Field(default=4, ge=4, le=8)
    max_attempts: int = Field(default=5, ge=1, le=20)
    lockout_minutes: int = Field(default=15, ge=1)
    hold_hours: float = Field(default=48.0, gt=0, le=24 * 30)
    auto_cancel: bool = False
    no_show_slug: CancelReason = CancelReason.ORDER_NOT_PAID


class CodeSpaceExhausted(Exception):
    """Every code of this length is taken by a waiting order of the store."""


SECRETS_CONTEXT = {"secrets": True}
"""Serialization context that keeps the code's digest (the relay's stored snapshot only)."""


def pickup_code_digest(code: str, key: bytes) -> str:
    """The keyed digest of a code (HMAC-SHA256, hex): what the relay keeps instead of the code."""
    return hmac.new(key, code.strip().encode(), hashlib.sha256).hexdigest()


def generate_pickup_code(
    taken: Collection[str],
    *,
    length: int = 4,
    rng: secrets.SystemRandom = _SYSTEM_RANDOM,
    key: bytes | None = None,
) -> str:
    """A fresh digits-only code not in ``taken``.

    ``taken`` holds codes, or (with ``key``) the digests of the codes taken. Random draws first; when
    the store's code space is crowded, a uniformly chosen free code.
    """
    space = 10**length
    if key is None:
        taken_set = {c for c in taken if len(c) == length}
        is_taken: Callable[[str], bool] = taken_set.__contains__
    else:
        taken_set = set(taken)
        is_taken = lambda code: pickup_code_digest(code, key) in taken_set  # noqa: E731
    if len(taken_set) >= space:
        raise CodeSpaceExhausted(f"all {space} codes of {length} digits are waiting for pickup")
    for _ in range(32):
        code = f"{rng.randrange(space):0{length}d}"
        if not is_taken(code):
            return code
    free = [f"{n:0{length}d}" for n in range(space) if not is_taken(f"{n:0{length}d}")]
    if not free:
        raise CodeSpaceExhausted(f"all {space} codes of {length} digits are waiting for pickup")
    return rng.choice(free)


class AuditKind(StrEnum):
    CREATED = "created"
    PRINTED = "printed"
    VERIFIED = "verified"
    FAILED = "failed"
    LOCKED = "locked"
    EXTENDED = "extended"  # the pickup deadline was moved («Продлить хранение до …»)
    COURIER = "courier"  # a delivery bag given to the courier (detail: «в термосумке» for the cold chain)


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: AuditKind
    at: datetime
    actor: str | None = None  # device name (and operator) that did it
    detail: str | None = None


class PickupCodeState(BaseModel):
    """That a pickup code was issued for one order, and what happened to it (never the code itself).

    ``digest`` is the code's keyed digest; it is dumped only with :data:`SECRETS_CONTEXT` (the relay's
    stored snapshot) and is ``None`` in every order a counter PC receives.
    """

    model_config = ConfigDict(frozen=True)

    digest: str | None = Field(default=None, repr=False)
    issued_at: datetime
    failed_attempts: int = 0
    locked_until: datetime | None = None
    verified_at: datetime | None = None
    verified_by: str | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    @model_serializer(mode="wrap")
    def _without_secret(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        context = info.context
        if isinstance(data, dict) and not (isinstance(context, dict) and context.get("secrets")):
            data.pop("digest", None)
        return data


class CodeCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    tries_left: int
    locked_until: datetime | None = None


def check_pickup_code(
    state: PickupCodeState,
    entered: str,
    *,
    now: datetime,
    policy: PickupCodePolicy,
    actor: str | None,
    key: bytes = b"",
) -> tuple[PickupCodeState, CodeCheck, list[AuditEntry]]:
    """Check what the customer said against the order's code (its digest under ``key``).

    A locked order refuses every try (right or wrong) until the lock-out ends; then it gets a fresh
    set of attempts.
    """
    if state.is_locked(now):
        return state, CodeCheck(ok=False, tries_left=0, locked_until=state.locked_until), []
    if state.locked_until is not None:  # lock-out over: start again
        state = state.model_copy(update={"failed_attempts": 0, "locked_until": None})
    said = pickup_code_digest(entered, key)
    if state.digest is not None and hmac.compare_digest(said.encode(), state.digest.encode()):
        new = state.model_copy(update={"verified_at": now, "verified_by": actor})
        left = policy.max_attempts - state.failed_attempts
        return (
            new,
            CodeCheck(ok=True, tries_left=left),
            [AuditEntry(kind=AuditKind.VERIFIED, at=now, actor=actor)],
        )
    failed = state.failed_attempts + 1
    audit = [AuditEntry(kind=AuditKind.FAILED, at=now, actor=actor, detail=f"попытка {failed}")]
    if failed >= policy.max_attempts:
        until = now + timedelta(minutes=policy.lockout_minutes)
        new = state.model_copy(update={"failed_attempts": failed, "locked_until": until})
        audit.append(AuditEntry(kind=AuditKind.LOCKED, at=now, actor=actor, detail=f"до {until.isoformat()}"))
        return new, CodeCheck(ok=False, tries_left=0, locked_until=until), audit
    new = state.model_copy(update={"failed_attempts": failed})
    return new, CodeCheck(ok=False, tries_left=policy.max_attempts - failed), audit
