"""The relay's stock integration: which source each store uses and what the relay does with outcomes.

- :mod:`.runner`: :class:`~.runner.StockRunner` applies the domain's stock effects within a time budget
- :mod:`.wiring`: :class:`~.wiring.StockWiring` builds the sources from the configuration, decides outcomes
- :mod:`.order_effects`: flags and alerts on an order, the automatic out-of-stock cancellation
- :mod:`.retries`: failed effects retried until the source has the order's current state
- :mod:`.remote_sale`: the remote-sale rules at ``order.created`` (forbidden lines, prices above the shelf)
- :mod:`.pick_list`: the pick list of orders (their stock, the domain's ordering rule)
- :mod:`.cli`: ``pharmacy-desk-relay stock import|show|export`` (the embedded stock from / to a CSV file)
"""
