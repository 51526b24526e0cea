"""Bag labels and pick lists: what they say (:mod:`.label`, :mod:`.pick_list`), their paper, how they are drawn.

- :mod:`.label`: :class:`BagLabel` from a domain order (pure);
- :mod:`.layout`: paper formats 58 mm, 80 mm, A4 and the label geometry in mm (pure);
- :mod:`.barcodes`: Code128 and QR modules, drawn as pixel-snapped rectangles;
- :mod:`.fonts`: the shipped Cyrillic font (DejaVu Sans, ``resources/fonts``);
- :mod:`.render`: :func:`paint_label` (the one painting function) and :func:`export_pdf`;
- :mod:`.printer`: :func:`print_labels` and the print-preview slot (QtPrintSupport);
- :mod:`.pick_list`: the pick list's rows and pages in mm, 80 mm roll and A4 (pure);
- :mod:`.pick_render`: the pick list painted with the labels' code: printer, preview, PDF.
"""

from pharmacy_desk.printing.label import BagLabel, labels_for_order, short_kuper_id
from pharmacy_desk.printing.layout import A4, FORMATS, THERMAL_58, THERMAL_80, LabelFormat
from pharmacy_desk.printing.pick_list import (
    PICK_A4,
    PICK_FORMATS,
    PICK_ROLL_80,
    PickListFormat,
    PickPage,
    pick_list_pages,
)
from pharmacy_desk.printing.pick_render import export_pick_list_pdf, pick_list_preview_handler, print_pick_list
from pharmacy_desk.printing.printer import prepare_printer, preview_handler, print_labels
from pharmacy_desk.printing.render import export_pdf, page_layout, paint_label, paint_pages

__all__ = [
    "A4",
    "FORMATS",
    "PICK_A4",
    "PICK_FORMATS",
    "PICK_ROLL_80",
    "THERMAL_58",
    "THERMAL_80",
    "BagLabel",
    "LabelFormat",
    "PickListFormat",
    "PickPage",
    "export_pdf",
    "export_pick_list_pdf",
    "labels_for_order",
    "page_layout",
    "paint_label",
    "paint_pages",
    "pick_list_pages",
    "pick_list_preview_handler",
    "prepare_printer",
    "preview_handler",
    "print_labels",
    "print_pick_list",
    "short_kuper_id",
]
