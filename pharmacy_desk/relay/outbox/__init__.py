"""Notifications to Kuper through a durable outbox: FIFO per order, retried until Kuper has them.

- :mod:`.worker`: :class:`~.worker.OutboxWorker`, the sender loop (claims rows, sends, records the answer;
  a 422/405 first asks Kuper for the order's state)
- :mod:`.kuper_wire`: the domain's notifications in the configured format, less what the store does not send
"""
