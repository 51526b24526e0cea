"""pharmacy_desk: fulfil Kuper marketplace orders at a pharmacy counter.

Layers (each depends only on the ones above it):

- ``domain``: pure rules (orders, lifecycle of both flows, composition, money, pickup codes, scans, FEFO)
- ``kuper``: Kuper wire models and the HTTP client
- ``inventory``: stock sources behind one protocol
- ``relay``: the merchant server Kuper talks to
- ``desk``, ``printing``, ``ui``: the counter app
- ``sim``: the Kuper simulator
"""

__version__ = "0.1.0"
