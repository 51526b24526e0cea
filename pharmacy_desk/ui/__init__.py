"""The counter app's Qt widgets: thin, over the desk services (:mod:`pharmacy_desk.desk`).

No business rules here: what a scan means, whether an order may be assembled, totals and reasons come
from :mod:`pharmacy_desk.desk` and :mod:`pharmacy_desk.domain`; these modules show them and forward
the pharmacist's keys. Among the modules:

- :mod:`.app`: QApplication, the qasync loop, error hooks, first run, start and shutdown
- :mod:`.main_window`: banners, the two screens, the status bar; routes the desk's signals and scans
- :mod:`.queue_model`, :mod:`.queue_view`: the order queue (sorted table model, filter proxy, tabs)
- :mod:`.assembly_view`, :mod:`.assembly_lines`, :mod:`.line_dialogs`: the assembly screen
- :mod:`.connect_dialog`: relay URL, store, device token (tested, kept in the keyring)
- :mod:`.status_bar`, :mod:`.alerts`, :mod:`.return_to_shelf`: what the pharmacist must notice
- :mod:`.scanner_filter`: the keyboard-wedge scanner, application-wide
- :mod:`.sounds`, :mod:`.i18n`, :mod:`.paths`: resources; :mod:`.qt_async`, :mod:`.tasks`,
  :mod:`.async_dialog`, :mod:`.outcome`: small helpers; :mod:`.main_thread_gc`: garbage collected on
  Qt's thread only
"""
