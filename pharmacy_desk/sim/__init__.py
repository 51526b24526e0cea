"""The simulator (``pharmacy-desk-sim``): plays Kuper, and the staff, for demos and tests.

- :mod:`.kuper_stub`: a strict fake of Kuper's API (auth, notifications), switchable failures
- :mod:`.webhook_sender`: sends Kuper's webhooks to a relay as Kuper would
- :mod:`.catalogue`, :mod:`.orders`, :mod:`.generator`: what customers order, and a steady stream of orders
- :mod:`.staff`: the pharmacist's side (actions through the relay's API)
- :mod:`.harness`, :mod:`.scenarios`, :mod:`.runner`, :mod:`.checks`, :mod:`.report`: the protocol
  scenarios end to end, and their report
- :mod:`.relay_process`: a relay in a process of its own; :mod:`.serving`: uvicorn on loopback
- :mod:`.cli`: ``pharmacy-desk-sim``
"""
