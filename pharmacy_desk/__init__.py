"""pharmacy_desk: fulfil Kuper marketplace orders at a pharmacy counter.

Layers, top to bottom; each imports only the layers below it (``[tool.importlinter]`` in
``pyproject.toml``, checked in CI):

- ``counter_cli``: the ``pharmacy-desk`` entry point (counter app, demo, self-test)
- ``selftest``, ``demo``: the installation check; the demo (embedded relay, simulator, counter app)
- ``sim``: the Kuper simulator
- ``ui``: the counter app's Qt widgets
- ``relay`` | ``desk``: the merchant server | the counter app's services (never import each other)
- ``api``: the relay ↔ counter app contract (every model on their wire)
- ``kuper`` | ``inventory`` | ``printing`` | ``fiscal``: Kuper's wire models and client | stock sources |
  labels | cash registers
- ``domain``: pure rules (orders, lifecycle of both flows, composition, money, pickup codes, scans, FEFO)

``resources`` (bundled files) and ``sqltables`` (table helpers) are leaves anyone may use.
"""

__version__ = "0.1.0"
