"""How an action's answer looks on screen: calm (done), pending (queued offline) or loud (refused)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pharmacy_desk.desk.relay_client import Accepted, Refused, Rejected, Stale, Unreachable
from pharmacy_desk.desk.service import ActOutcome, Queued


class Tone(StrEnum):
    OK = "ok"
    PENDING = "pending"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Shown:
    tone: Tone
    message: str


def shown(outcome: ActOutcome, done: str) -> Shown:
    """``done`` is the screen's text for success; every other answer brings its own Russian message."""
    if isinstance(outcome, Accepted):
        return Shown(Tone.OK, done)
    if isinstance(outcome, Queued):
        return Shown(Tone.PENDING, outcome.message)
    if isinstance(outcome, Refused | Stale | Unreachable | Rejected):
        return Shown(Tone.REFUSED, outcome.message)
    return Shown(Tone.REFUSED, str(outcome))
