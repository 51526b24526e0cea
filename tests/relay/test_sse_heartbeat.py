"""The heartbeats of a process's streams on one timer (``_HeartbeatRing``), driven by a recording loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pharmacy_desk.relay.http import sse
from pharmacy_desk.relay.http.sse import _Heartbeat, _HeartbeatRing, ping_frame
from pharmacy_desk.relay.stream.fanout import Subscription


class _Handle:
    def __init__(self, loop: _RecordingLoop, callback: Callable[[], None]) -> None:
        self.loop = loop
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _RecordingLoop:
    """Only ``call_later``: what the ring asks of the event loop; ``tick`` runs the pending timers."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.pending: list[_Handle] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> _Handle:
        self.delays.append(delay)
        handle = _Handle(self, callback)
        self.pending.append(handle)
        return handle

    def tick(self) -> None:
        due, self.pending = [h for h in self.pending if not h.cancelled], []
        for handle in due:
            handle.callback()


@pytest.fixture(autouse=True)
def _no_rings_left() -> Any:
    yield
    assert _HeartbeatRing._rings == {}  # every ring leaves the registry with its last stream
    _HeartbeatRing._rings.clear()


def _heartbeat(loop: _RecordingLoop, sub: Subscription, seconds: float) -> _Heartbeat:
    return _Heartbeat(loop, sub, seconds)  # type: ignore[arg-type]  # the ring uses call_later only


async def test_each_stream_is_pinged_once_per_interval_on_one_timer_for_all() -> None:
    loop = _RecordingLoop()
    subs = [Subscription("apteka-12", f"pc-{i}") for i in range(45)]
    beats: list[_Heartbeat] = []
    joined: dict[int, int] = {}
    pinged: dict[int, list[int]] = {i: [] for i in range(len(subs))}
    for tick in range(60):
        if tick < len(subs):  # a stream joins in each of the first 45 ticks
            beats.append(_heartbeat(loop, subs[tick], 15.0))
            joined[tick] = tick
        loop.tick()
        for i, sub in enumerate(subs):
            if sub.ping:
                assert sub.wake.is_set()
                pinged[i].append(tick)
                sub.ping = False
                sub.wake.clear()
        assert len([h for h in loop.pending if not h.cancelled]) <= 1  # one timer, whatever the streams
    assert set(loop.delays) == {1.0}  # 15 slots of a second
    assert len(loop.delays) == 1 + 60  # started by the first stream, then one per tick: not one per ping
    for i, ticks in pinged.items():
        first = joined[i] + 14  # joined before tick `joined`: its slot comes round 15 ticks later
        assert ticks == list(range(first, 60, 15)), (i, ticks)
    for beat in beats:
        beat.cancel()
    assert all(h.cancelled for h in loop.pending)  # the last stream gone: no timer left


async def test_a_stream_that_leaves_is_not_pinged_and_the_others_still_are() -> None:
    loop = _RecordingLoop()
    stays, leaves = Subscription("s", "a"), Subscription("s", "b")
    keep = _heartbeat(loop, stays, 3.0)
    gone = _heartbeat(loop, leaves, 3.0)
    gone.cancel()
    gone.cancel()  # twice: harmless
    for _ in range(3):
        loop.tick()
    assert stays.ping and not leaves.ping
    keep.cancel()


async def test_streams_with_another_interval_get_their_own_ring_and_short_intervals_one_slot() -> None:
    loop = _RecordingLoop()
    fast, slow = Subscription("s", "fast"), Subscription("s", "slow")
    a = _heartbeat(loop, fast, 0.2)
    b = _heartbeat(loop, slow, 2.0)
    assert sorted(loop.delays) == [0.2, 1.0]
    loop.tick()
    assert fast.ping and not slow.ping  # 0.2 s: one slot, every tick; 2 s: two slots of a second
    loop.tick()
    assert slow.ping
    a.cancel()
    b.cancel()


async def test_no_heartbeat_when_the_interval_is_zero() -> None:
    loop = _RecordingLoop()
    beat = _heartbeat(loop, Subscription("s", "a"), 0)
    assert loop.delays == []
    beat.cancel()


async def test_the_ping_frame_is_a_comment_with_the_utc_time_made_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1_796_000_000.25]
    monkeypatch.setattr(sse.time, "time", lambda: now[0])
    first = ping_frame()
    assert first == b": ping - 2026-11-30 00:53:20+00:00\r\n\r\n"
    now[0] += 0.5
    assert ping_frame() is first  # the same second: the same bytes
    now[0] += 1
    assert ping_frame() == b": ping - 2026-11-30 00:53:21+00:00\r\n\r\n"


async def test_real_loop_pings_through_the_ring() -> None:
    """On the running loop: a short interval pings, and the ring stops with its last stream."""
    loop = asyncio.get_running_loop()
    sub = Subscription("s", "a")
    beat = _Heartbeat(loop, sub, 0.05)
    await asyncio.wait_for(sub.wake.wait(), timeout=5)
    assert sub.ping
    beat.cancel()
