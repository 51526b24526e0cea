"""Events for the counter PCs' streams: what is appended to the store's log, and the wake-ups.

- :mod:`.events`: the events a store's PCs receive (built from the contract's payloads,
  :mod:`pharmacy_desk.api.stream`), appended to the log (:mod:`pharmacy_desk.relay.storage.store_log`)
  in the same transaction as the change
- :mod:`.bus`: in-process wake-ups of the open streams
- :mod:`.fanout`: one reader per store and process, the new events fanned out in memory to every
  stream of the store (replays after ``Last-Event-ID`` from the same reader), revocations
- :mod:`.listener`: the process's one PostgreSQL ``LISTEN`` connection (the writers' ``NOTIFY``), and
  the polling fallback while it is down
"""
