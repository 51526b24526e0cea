"""Pickup codes: generation, uniqueness among a store's waiting orders, checking with a lock-out.

The code is what Kuper shows the customer in its app; the customer tells it at the counter. It is a
secret of that order until it is handed over, so:

- it is drawn with :mod:`secrets`, digits only, ``length`` digits (default 4, as in Kuper's example);
- it is unique among the store's orders still waiting for pickup (the caller passes those codes);
- checking it counts failures; after ``max_attempts`` failures the order is locked for
  ``lockout_minutes``; the comparison is constant-time;
- every operation leaves an :class:`AuditEntry` (created, printed, verified, failed, locked).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

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


def generate_pickup_code(taken: Collection[str], *, length: int = 4, rng: secrets.SystemRandom = _SYSTEM_RANDOM) -> str:
    """A fresh digits-only code not in ``taken``.

    Random draws first; when the store's code space is crowded, a uniformly chosen free code.
    """
    space = 10**length
    taken_set = {c for c in taken if len(c) == length}
    if len(taken_set) >= space:
        raise CodeSpaceExhausted(f"all {space} codes of {length} digits are waiting for pickup")
    for _ in range(32):
        code = f"{rng.randrange(space):0{length}d}"
        if code not in taken_set:
            return code
    free = [f"{n:0{length}d}" for n in range(space) if f"{n:0{length}d}" not in taken_set]
    return rng.choice(free)


class AuditKind(StrEnum):
    CREATED = "created"
    PRINTED = "printed"
    VERIFIED = "verified"
    FAILED = "failed"
    LOCKED = "locked"
    EXTENDED = "extended"  # the pickup deadline was moved («Продлить хранение до …»)


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: AuditKind
    at: datetime
    actor: str | None = None  # device name (and operator) that did it
    detail: str | None = None


class PickupCodeState(BaseModel):
    """The pickup code of one order and what happened to it."""

    model_config = ConfigDict(frozen=True)

    code: str
    issued_at: datetime
    failed_attempts: int = 0
    locked_until: datetime | None = None
    verified_at: datetime | None = None
    verified_by: str | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


class CodeCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    tries_left: int
    locked_until: datetime | None = None


def check_pickup_code(
    state: PickupCodeState, entered: str, *, now: datetime, policy: PickupCodePolicy, actor: str | None
) -> tuple[PickupCodeState, CodeCheck, list[AuditEntry]]:
    """Check what the customer said against the order's code.

    A locked order refuses every try (right or wrong) until the lock-out ends; then it gets a fresh
    set of attempts.
    """
    if state.is_locked(now):
        return state, CodeCheck(ok=False, tries_left=0, locked_until=state.locked_until), []
    if state.locked_until is not None:  # lock-out over: start again
        state = state.model_copy(update={"failed_attempts": 0, "locked_until": None})
    entered = entered.strip()
    if hmac.compare_digest(entered.encode(), state.code.encode()):
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
