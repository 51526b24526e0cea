"""What the store's counter PCs do on the relay.

- :mod:`.actions`: staff actions decided by the domain, saved with their notifications in one transaction
- :mod:`.acknowledgements`: "someone at this pharmacy has seen the new order", shared by the PCs

The PCs themselves (devices and their tokens) are kept by :mod:`pharmacy_desk.relay.storage.devices`.
"""
