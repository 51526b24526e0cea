"""Exponential back-off with jitter, capped: how long to wait before the next reconnect or replay."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``delay(n)`` for the n-th retry (0-based): ``min(cap, initial * factor**n)``, the upper
    ``jitter`` fraction of it random, so PCs that lost the relay together do not come back in step."""

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial or not 0 <= self.jitter <= 1:
            raise ValueError("backoff: need 0 < initial <= cap, factor >= 1, 0 <= jitter <= 1")

    def base(self, attempt: int) -> float:
        # Bounded exponent: factor**attempt overflows a float long before attempt reaches 10_000.
        exponent = min(max(attempt, 0), 64)
        return min(self.cap, self.initial * self.factor**exponent)

    def delay(self, attempt: int) -> float:
        base = self.base(attempt)
        return base * (1 - self.jitter) + self.rng.uniform(0, base * self.jitter)
