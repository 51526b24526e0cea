"""Cyclic garbage is collected on Qt's thread only (:mod:`pharmacy_desk.ui.main_thread_gc`).

Without it a collection set off by another thread's allocations (aiosqlite's, the executor's) destroys a
widget or a running timer there: "QObject::~QObject: Timers cannot be stopped from another thread", then a
crash or a hang. Each test here would fail if collection ran where the allocation happened.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pharmacy_desk.ui.main_thread_gc import MainThreadCollector


class _Cycle:
    """A reference cycle holding a running QTimer; says on which thread it was destroyed."""

    def __init__(self, died_on: list[int]) -> None:
        self.me = self
        self.died_on = died_on
        self.timer = QTimer()
        self.timer.start(60_000)

    def __del__(self) -> None:
        self.died_on.append(threading.get_ident())


def _allocate_in_a_thread() -> None:
    """Enough container allocations to set off several gen-0 collections on that thread (threshold 700)."""

    def churn() -> None:
        keep = [[i] for i in range(50_000)]
        del keep

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()


@pytest.fixture
def collector(qapp: QApplication) -> Iterator[MainThreadCollector]:
    # The UI tests' own autouse collector is stopped first, so this one is the one that runs.
    made = MainThreadCollector(qapp, interval_ms=10)
    yield made
    made.stop()
    made.deleteLater()


def test_another_threads_allocations_do_not_collect_a_cycle_holding_a_timer(
    main_thread_gc: MainThreadCollector, collector: MainThreadCollector
) -> None:
    main_thread_gc.stop()
    assert gc.isenabled()
    collector.start()
    assert not gc.isenabled() and collector.running
    died_on: list[int] = []
    _Cycle(died_on)
    _allocate_in_a_thread()
    assert died_on == []  # still garbage: the worker's allocations collected nothing
    thresholds = gc.get_threshold()
    gc.set_threshold(1, *thresholds[1:])  # past the threshold at once
    try:
        collector.check()
    finally:
        gc.set_threshold(*thresholds)
    assert died_on == [threading.get_ident()]  # destroyed on Qt's thread
    assert collector.collections >= 1


async def test_the_timer_collects_by_itself_on_qts_thread(
    main_thread_gc: MainThreadCollector,
    collector: MainThreadCollector,
) -> None:
    main_thread_gc.stop()
    thresholds = gc.get_threshold()
    gc.set_threshold(100, *thresholds[1:])
    try:
        collector.start()
        died_on: list[int] = []
        _Cycle(died_on)
        _allocate_in_a_thread()
        kept: list[list[list[int]]] = []
        for _ in range(200):  # the loop runs Qt's timers; the collector's fires every 10 ms
            if died_on:
                break
            kept.append([[i] for i in range(50)])  # live allocations on this thread, past the threshold
            await asyncio.sleep(0.01)
        assert died_on == [threading.get_ident()]
    finally:
        gc.set_threshold(*thresholds)


def test_stop_collects_what_is_garbage_and_restores_what_was_there(
    main_thread_gc: MainThreadCollector, collector: MainThreadCollector
) -> None:
    main_thread_gc.stop()
    gc.disable()  # someone turned automatic collection off before: it stays off
    try:
        collector.start()
        died_on: list[int] = []
        _Cycle(died_on)
        collector.stop()
        assert died_on == [threading.get_ident()]
        assert not gc.isenabled() and not collector.running
    finally:
        gc.enable()
    collector.start()
    collector.stop()
    assert gc.isenabled()


def test_the_app_runs_with_the_collector_and_gives_automatic_collection_back() -> None:
    """``run_app`` (the counter app and the demo): automatic collection is off while the program runs."""
    script = textwrap.dedent(
        """
        import gc
        from pharmacy_desk.ui.app import run_app

        async def program(run):
            print("during", gc.isenabled())
            return 0

        print("before", gc.isenabled())
        code = run_app(["x"], program, lang="ru")
        print("after", gc.isenabled(), code)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["before True", "during False", "after True 0"]
