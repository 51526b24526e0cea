"""``pharmacy-desk --demo``: the counter app with no hardware and no Kuper account.

- :mod:`.catalogue`: the sample stock file's products with prices (what the simulated customers order)
- :mod:`.packs`: the packs of an order as the virtual scanner offers them (and wrong ones)
- :mod:`.environment`: the embedded relay, the fake Kuper, the order generator, the sample stock
- :mod:`.app`: the Qt application: the real counter app on that environment, with the virtual scanner

Only :mod:`.app` imports Qt.
"""
