"""Notifications to Kuper through a durable outbox: FIFO per order, retried until Kuper has them.

- :mod:`.worker`: :class:`~.worker.OutboxWorker`, the sender loop (claims rows, sends, records the answer)
"""
