"""What the counter says after each scan while assembling: ok (which line), or a loud refusal.

``code`` is stable (for sounds, tests, the log); ``message`` is Russian, for the screen. ``ok`` false
means: the pack does not go into the bag. ``series_needed`` is an ok: the pack is counted but its
series (and so its expiry) must be chosen from ``series_choices`` with
:meth:`~pharmacy_desk.desk.assembly.AssemblySession.confirm_series`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pharmacy_desk.domain.fefo import Batch


class FeedbackCode(StrEnum):
    OK = "ok"
    SERIES_NEEDED = "series_needed"
    NOT_IN_ORDER = "not_in_order"  # a product the order does not have
    UNKNOWN_PRODUCT = "unknown_product"  # no SKU known for this GTIN: assign it to a line (assign_unknown)
    EXPIRED = "expired"  # expired or expiring today
    SHORT_SHELF_LIFE = "short_shelf_life"  # less than the store's minimum shelf life left
    ALREADY_SCANNED = "already_scanned"  # this very pack is in this order already
    IN_OTHER_ORDER = "in_other_order"  # this very pack is in another order of the store
    LINE_COMPLETE = "line_complete"  # the line has all its packs
    MARKING_REQUIRED = "marking_required"  # a marked product: scan its DataMatrix, not its barcode
    REMOTE_SALE_FORBIDDEN = "remote_sale_forbidden"  # the line may not be sold remotely (Rx…): leave it out
    NOT_A_PRODUCT = "not_a_product"  # a bag label
    GARBAGE = "garbage"  # not a code (ScanError: see ``scan_error``)
    REMOVED = "removed"  # a pack taken out of the order (undo, a series that cannot be sold)


@dataclass(frozen=True, slots=True)
class ScanFeedback:
    ok: bool
    code: FeedbackCode
    message: str
    sku: str | None = None
    marking_code: str | None = None  # the pack, exactly as it will go to Kuper (GS as \x1d)
    gtin: str | None = None
    series_choices: tuple[Batch, ...] = ()
    other_order: str | None = None
    scan_error: str | None = None  # ScanError.code for ``garbage``
    pack: str | None = None  # ``series_needed``: which pack it is (product + serial tail or GTIN), Russian

    @property
    def loud(self) -> bool:
        """Refusals are meant to be heard: a distinct sound and a red banner."""
        return not self.ok
