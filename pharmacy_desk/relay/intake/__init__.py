"""Kuper's webhooks in: stored durably before the answer, deduplicated, applied through the domain.

- :mod:`.webhooks`: :class:`~.webhooks.WebhookIntake` — store, dedupe, apply, answer ``order.created``
  with our number
- :mod:`.reconcile`: :class:`~.reconcile.Reconciler` — the pull of Kuper's shipments list that applies
  what the webhooks missed (and runs a ``pull``-mode store alone)
- :mod:`.assembly_time`: ``expectedAssemblyTime`` for the answer to ``order.created``
"""
