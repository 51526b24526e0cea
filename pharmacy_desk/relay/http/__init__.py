"""The relay's HTTP surface: routes, authentication and the access log.

- :mod:`.webhooks`: ``POST /kuper/webhooks[/{store}]``, the door Kuper knocks on
- :mod:`.orders`: the counter PCs' orders, staff actions and notification retries
- :mod:`.store`: store info, marking-code owners, acknowledgements
- :mod:`.catalogue`: stock for the counter PCs (catalogue, batches to pick, a pack's series)
- :mod:`.pick_list`: the pick list (сборочный лист) of one or several orders
- :mod:`.stream`: ``GET /stores/{store}/events``, the store's event log as Server-Sent Events
- :mod:`.auth`: Kuper's webhook credentials, device tokens, the admin token
- :mod:`.deps`: the dependencies the counter PCs' routes share (state, store, device, error answers)
- :mod:`.access_log`: every request in and out, secrets masked
- :mod:`.ready`: ``GET /ready``, readiness (database writable, schema current, outbox running)
- :mod:`.openapi_doc`: ``/openapi.json`` documents the 400/413 the relay answers (not FastAPI's 422)

Handlers parse, authorise and call a service (intake, counter actions, stock); no business rule lives here.
The answer models are the contract package's (:mod:`pharmacy_desk.api`).
"""
