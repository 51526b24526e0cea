"""What the virtual scanner offers for an order: its packs as their barcodes read, and a few wrong ones.

For each line of the order's composition: one DataMatrix marking code per pack for a marked product
(the sample file's GTIN, a 13-character serial, the 91 key and the 44-character crypto code, as on a
real pack: docs/kuper-protocol.md §4), the EAN-13 for a product sold by its shop barcode; for a line
the shelf cannot fill, a pack of each product with its МНН, form and dose (a substitute); the bag label's
QR text; then the mistakes a pharmacist should see refused: a pack past its expiry date (AI 17), a
product that is not in the order, and a code that is no code at all.

The serials are derived from the order number, the SKU and the pack's index: the same order always
lists the same packs, so scanning one twice is a double scan.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass, replace
from enum import StrEnum

from pharmacy_desk.demo.catalogue import DemoCatalogue, Product
from pharmacy_desk.domain import Order
from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.domain.scans import GS

_SERIAL = string.ascii_uppercase + string.ascii_lowercase + string.digits
_B64 = string.ascii_letters + string.digits + "+/"
GARBAGE = "HELLO-123-WORLD?"


class PackKind(StrEnum):
    MARKED = "marked"  # a DataMatrix of a pack in the order
    EAN = "ean"  # the EAN-13 of a pack in the order
    BAG_LABEL = "bag_label"  # the QR of the order's bag label
    EXPIRED = "expired"  # a pack of an ordered product, expired
    NOT_IN_ORDER = "not_in_order"  # a pack of a product the order does not have
    GARBAGE = "garbage"  # not a code
    SUBSTITUTE = "substitute"  # a pack of a product that may substitute a short line (same МНН, form, dose)


WRONG_KINDS = frozenset({PackKind.EXPIRED, PackKind.NOT_IN_ORDER, PackKind.GARBAGE})


@dataclass(frozen=True, slots=True)
class SamplePack:
    kind: PackKind
    text: str  # what the scanner types (GS as \x1d)
    name: str = ""  # the product's name ("" for a bag label or garbage)
    sku: str | None = None
    index: int = 0  # the pack's number within its line, from 1
    series: str | None = None  # the batch printed on the pack (the app may ask for it)

    @property
    def wrong(self) -> bool:
        return self.kind in WRONG_KINDS


def marking_code(gtin: str, rng: random.Random, *, expiry: dt.date | None = None) -> str:
    """A marking code in the MDLP layout: 01 GTIN 21 serial [GS 17 expiry] GS 91 key GS 92 crypto."""
    serial = "".join(rng.choices(_SERIAL, k=13))
    key = "".join(rng.choices(_SERIAL, k=4))
    crypto = "".join(rng.choices(_B64, k=44))
    expiry_part = f"{GS}17{expiry:%y%m%d}" if expiry is not None else ""
    return f"01{gtin}21{serial}{expiry_part}{GS}91{key}{GS}92{crypto}"


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _pack(product: Product, number: str, index: int, series: str | None) -> SamplePack | None:
    if product.marked and product.gtin:
        code = marking_code(product.gtin, _rng(number, product.sku, index))
        return SamplePack(PackKind.MARKED, code, product.name, product.sku, index, series)
    if product.ean13:
        return SamplePack(PackKind.EAN, product.ean13, product.name, product.sku, index, series)
    return None


def sample_packs(order: Order, catalogue: DemoCatalogue, *, today: dt.date | None = None) -> list[SamplePack]:
    """The order's packs (as many as each line needs), its bag label, then the wrong ones."""
    today = today or dt.date.today()
    found: list[SamplePack] = []
    ordered = [line for line in order.ordered if line.ordered_quantity > 0]
    for line in ordered:
        product = catalogue.get(line.sku)
        if product is None:
            continue
        series = catalogue.series_for(line.sku, today)
        for index in range(1, line.ordered_quantity + 1):
            pack = _pack(product, order.number, index, series)
            if pack is not None:
                found.append(pack)
    in_order = {line.sku for line in ordered}
    for line in ordered:  # a line the shelf cannot fill: the packs of what may substitute it (F4)
        if catalogue.sellable(line.sku, today) >= line.ordered_quantity:
            continue
        for other in catalogue.same_inn(line.sku):
            if other.sku in in_order or not catalogue.sellable(other.sku, today):
                continue
            pack = _pack(other, order.number, 1, catalogue.series_for(other.sku, today))
            if pack is not None:
                found.append(replace(pack, kind=PackKind.SUBSTITUTE))
    found.append(SamplePack(PackKind.BAG_LABEL, encode_bag_label(order.store, order.number)))
    marked = [p for sku in sorted(in_order) if (p := catalogue.get(sku)) is not None and p.marked and p.gtin]
    if marked:
        product = marked[0]
        assert product.gtin is not None
        expired = today - dt.timedelta(days=40)
        code = marking_code(product.gtin, _rng(order.number, product.sku, "expired"), expiry=expired)
        found.append(SamplePack(PackKind.EXPIRED, code, product.name, product.sku))
    others = [p for sku, p in sorted(catalogue.products.items()) if sku not in in_order and p.marked and p.gtin]
    if others:
        other = _rng(order.number, "other").choice(others)
        assert other.gtin is not None
        code = marking_code(other.gtin, _rng(order.number, other.sku, "other"))
        found.append(SamplePack(PackKind.NOT_IN_ORDER, code, other.name, other.sku))
    found.append(SamplePack(PackKind.GARBAGE, GARBAGE))
    return found
