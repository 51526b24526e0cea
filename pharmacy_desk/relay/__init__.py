"""The relay: the merchant server Kuper talks to, and the counter PCs' server.

Kuper's webhooks are stored before they are answered; staff actions come from the counter PCs; Kuper's
notifications leave through a durable outbox. Kuper credentials live only here.

Module map:

- :mod:`.app`: the FastAPI application and its lifespan (workers started and stopped)
- :mod:`.config`: the relay's settings (TOML + environment), validated
- :mod:`.state`: what the running relay holds (engine, bus, stock runner, outbox worker)
- :mod:`.errors`: the relay's exception tree, drawn once
- :mod:`.cli`: ``pharmacy-desk-relay`` (serve, migrate, check, devices, stock)
- :mod:`.server_gc`: the server process's garbage-collector settings (thousands of streams)
- :mod:`.checks`: ``pharmacy-desk-relay check``
- :mod:`.after_answer`: work that waits until the current answer has left
- :mod:`.timeutil`: the relay's clock
- :mod:`.http`: routes, authentication, access log, the thin SSE response (:mod:`.http.sse`)
- :mod:`.intake`: Kuper's webhooks in
- :mod:`.counter`: counter PCs, staff actions, acknowledgements
- :mod:`.outbox`: notifications to Kuper
- :mod:`.stock`: the stock integration
- :mod:`.stream`: the per-store event log and stream wake-ups
- :mod:`.storage`: engine, tables, migrations, repositories

The relay imports the domain, the contract (:mod:`pharmacy_desk.api`), ``kuper`` and ``inventory``; never the
counter app (``desk``, ``ui``).
"""
