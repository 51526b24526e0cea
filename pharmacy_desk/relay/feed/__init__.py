"""The stock and price feed to Kuper, and the store pause.

- :mod:`.source`: what a store may sell, per SKU, from its stock source (the seam for the product
  attributes ``dispensing`` / ``shelf_price``);
- :mod:`.queue`: the ``feed_items`` table: the latest value per store + SKU + kind, staged,
  claimed, recorded (nothing lost across a crash, never an older value after a newer one);
- :mod:`.worker`: sends due rows in batches through the shared request pacer;
- :mod:`.scheduler`: deltas every ``feed.interval_minutes`` and right after a stock import, a full
  resend every ``feed.full_hours``;
- :mod:`.status`: what ``pharmacy-desk-relay feed status``, ``check`` and the desk show;
- :mod:`.service`: the pieces wired for the relay's lifespan;
- :mod:`.pause`: pausing a store's orders at Kuper (``store_pauses``), with its auto-resume.
"""
