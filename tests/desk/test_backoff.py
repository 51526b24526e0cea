"""The reconnect back-off: capped, exponential, and spread so that PCs which failed together do not
come back together."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.relay_client import RelayClient
from pharmacy_desk.desk.stream import RECONNECT_BACKOFF, EventStream


def test_delays_grow_and_stay_under_the_cap() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, cap=30.0, jitter=1.0, rng=random.Random(3))
    for attempt in range(12):
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= min(30.0, 2.0**attempt) for d in delays)
    assert backoff.base(200) == 30.0  # no overflow far out


def test_full_jitter_spreads_a_restart_storm_over_the_whole_window() -> None:
    """10,000 PCs lost the relay at the same moment: their first attempts fill the first second evenly."""
    pcs = [random.Random(seed) for seed in range(10_000)]
    first = [Backoff(initial=1.0, jitter=1.0, rng=rng).delay(0) for rng in pcs]
    per_tenth = Counter(min(9, int(d * 10)) for d in first)
    assert sorted(per_tenth) == list(range(10))
    assert all(800 <= n <= 1200 for n in per_tenth.values()), per_tenth  # ~1,000 per 100 ms, none bunched


def test_half_jitter_would_bunch_them() -> None:
    """The old default (upper half random) puts every first attempt into the second half of the window."""
    first = [Backoff(initial=1.0, jitter=0.5, rng=random.Random(seed)).delay(0) for seed in range(1000)]
    assert min(first) >= 0.5


async def test_the_event_stream_reconnects_with_full_jitter_and_its_own_random_source() -> None:
    client = RelayClient("http://127.0.0.1:9", "apteka-12", "token")
    try:
        streams = [
            EventStream(client, on_event=_nothing, on_snapshot=_nothing, on_status=lambda status: None)
            for _ in range(2)
        ]
    finally:
        await client.aclose()
    assert all(s.backoff.jitter == 1.0 and s.backoff.initial == RECONNECT_BACKOFF.initial for s in streams)
    assert streams[0].backoff.rng is not streams[1].backoff.rng


async def _nothing(*_args: object) -> None:
    return None


@pytest.mark.parametrize("bad", [{"initial": 0}, {"cap": 0.1, "initial": 1}, {"jitter": 1.5}, {"factor": 0.5}])
def test_nonsense_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**bad)  # type: ignore[arg-type]
