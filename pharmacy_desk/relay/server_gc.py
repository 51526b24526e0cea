"""The garbage collector of a relay server process, tuned for thousands of open event streams.

Each open stream keeps long-lived objects (its task, the response's and the connection's state), and
each event fanned out to it makes a few short-lived ones. With CPython's default thresholds
``(700, 10, 10)`` the fan-out of one event to 5,000 streams ran gen-0 collections in the middle of it,
so its temporaries survived into the old generation, and nearly every event then set off a *full*
collection over every stream's objects: ~1.2-1.4 s each on the 2-core benchmark machine (measured
with ``gc.callbacks``), which was the p99 of an event's delivery (``bench/stream_fanout.py``).

:func:`tune_collector` (called by ``pharmacy-desk-relay serve`` before serving):

- gen-0 threshold :data:`THRESHOLDS`\\[0] = 50,000 allocations: a fan-out's temporaries die before a
  collection sees them; a young collection is still cheap (it only walks the young objects);
- gen-2 threshold 100 (full collections ten times rarer; CPython also waits until a quarter more
  long-lived objects appeared);
- ``gc.freeze()``: what start-up made (modules, the app, pydantic models) lives for ever; collections
  skip it.

Cyclic garbage is still collected, only in larger batches (memory is not the constraint here).
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)


def tune_collector() -> None:
    gc.set_threshold(*THRESHOLDS)
    gc.freeze()
