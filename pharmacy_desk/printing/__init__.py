"""Bag labels: what they say (:mod:`.label`), their paper (:mod:`.layout`), how they are drawn.

- :mod:`.label`: :class:`BagLabel` from a domain order (pure);
- :mod:`.layout`: paper formats 58 mm, 80 mm, A4 and the label geometry in mm (pure);
- :mod:`.barcodes`: Code128 and QR modules, drawn as pixel-snapped rectangles;
- :mod:`.fonts`: the shipped Cyrillic font (DejaVu Sans, ``resources/fonts``);
- :mod:`.render`: :func:`paint_label` (the one painting function) and :func:`export_pdf`;
- :mod:`.printer`: :func:`print_labels` and the print-preview slot (QtPrintSupport).
"""

from pharmacy_desk.printing.label import BagLabel, labels_for_order, short_kuper_id
from pharmacy_desk.printing.layout import A4, FORMATS, THERMAL_58, THERMAL_80, LabelFormat
from pharmacy_desk.printing.printer import prepare_printer, preview_handler, print_labels
from pharmacy_desk.printing.render import export_pdf, page_layout, paint_label, paint_pages

__all__ = [
    "A4",
    "FORMATS",
    "THERMAL_58",
    "THERMAL_80",
    "BagLabel",
    "LabelFormat",
    "export_pdf",
    "labels_for_order",
    "page_layout",
    "paint_label",
    "paint_pages",
    "prepare_printer",
    "preview_handler",
    "print_labels",
    "short_kuper_id",
]
