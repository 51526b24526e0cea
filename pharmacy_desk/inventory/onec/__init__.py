"""1C:Retail (Аптека) behind the stock protocol.

- :mod:`.settings`: where 1C is (HTTP service root, OData, user, time-outs)
- :mod:`.transport`: HTTP with a deadline on every call; failures → StockUnavailable
- :mod:`.wire`: the service's JSON answers, validated
- :mod:`.source`: :class:`OneCStock`, the StockSource
- :mod:`.odata`: stock reads through the standard OData interface (read-only option)
- :mod:`.reference`: the contract's behaviour in memory (what the 1C extension must do)
- :mod:`.stub`: that behaviour served over HTTP, with faults, for tests and demos

The contract itself: docs/1c-http-service.md.
"""

from pharmacy_desk.inventory.onec.settings import ODataSettings, OneCSettings
from pharmacy_desk.inventory.onec.source import OneCStock

__all__ = ["ODataSettings", "OneCSettings", "OneCStock"]
