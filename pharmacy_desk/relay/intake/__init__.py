"""Kuper's webhooks in: stored durably before the answer, deduplicated, applied through the domain.

- :mod:`.webhooks`: :class:`~.webhooks.WebhookIntake` — store, dedupe, apply, answer ``order.created``
  with our number
"""
