"""The outbox back-off schedule (pure arithmetic, no I/O)."""

from __future__ import annotations

import random

import pytest

from pharmacy_desk.relay.outbox.worker import ExponentialBackoff


def test_default_schedule_doubles_from_5_s_and_caps_at_10_min() -> None:
    backoff = ExponentialBackoff()
    assert [backoff.nominal(n) for n in range(1, 11)] == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]
    assert backoff.nominal(10_000) == 600  # retried for ever without overflow


@pytest.mark.parametrize("seed", range(20))
def test_jitter_stays_in_bounds_and_delays_still_grow(seed: int) -> None:
    backoff = ExponentialBackoff(rng=random.Random(seed))
    delays = [backoff(n) for n in range(1, 13)]
    for n, delay in enumerate(delays, start=1):
        assert 0.75 * backoff.nominal(n) < delay <= backoff.nominal(n) <= 600
    growing = delays[:8]  # strictly growing until the cap is reached
    assert growing == sorted(growing) and len(set(growing)) == len(growing)


def test_retry_after_is_respected_and_bounded() -> None:
    backoff = ExponentialBackoff(jitter=0.0)
    assert backoff(1, 30.0) == 30.0  # Kuper asks for more than our schedule: wait that long
    assert backoff(8, 30.0) == 600.0  # our schedule is longer already
    assert backoff(1, 0.0) == 5.0 and backoff(1, None) == 5.0
    assert backoff(1, 86_400.0) == 3600.0  # an absurd Retry-After is cut to an hour


@pytest.mark.parametrize("kwargs", [{"base": 0.0}, {"base": 10.0, "cap": 5.0}, {"jitter": 1.0}, {"jitter": -0.1}])
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ExponentialBackoff(**kwargs)  # type: ignore[arg-type]
