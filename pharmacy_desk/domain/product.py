"""What a pharmacy knows of a product beyond its stock: marking, dispensing rule, storage, МНН, shelf price.

Every stock source answers these per SKU (:class:`ProductAttributes`); each field is ``None`` when the
source does not say. The names are the stock CSV's column names (docs/stock-csv.md) and the 1C
contract's fields (docs/1c-http-service.md).

- ``marked``: packs carry a Честный знак DataMatrix (each pack is scanned by it). Unknown: the old
  rule, "a product with a GTIN is marked" (:func:`is_marked`).
- ``dispensing``: how the drug may be sold. Remote sale (delivery, or reserve-for-pickup through a
  marketplace) is allowed for ``otc`` only (ПП РФ № 697, 61-ФЗ ст. 55): never ``rx``, ``narcotic``,
  ``psychotropic``, ``alcohol`` (more than 25 % ethanol), nor what the pharmacy marks ``no_remote``.
- ``storage``: ``room``, ``cool`` (+8…+15 °C) or ``cold`` (+2…+8 °C); the pharmacy keeps the
  condition during delivery too.
- ``inn`` (МНН), ``form`` (dosage form), ``dose``, ``pack_size`` (units in a pack): what a substitute
  must match.
- ``shelf_price``: the price of one pack in the pharmacy; the online price must not exceed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.money import Money


class Dispensing(StrEnum):
    OTC = "otc"  # без рецепта
    RX = "rx"  # по рецепту
    NARCOTIC = "narcotic"  # наркотическое
    PSYCHOTROPIC = "psychotropic"  # психотропное
    ALCOHOL = "alcohol"  # спиртосодержащее, более 25 % этанола
    NO_REMOTE = "no_remote"  # аптека не продаёт дистанционно


class Storage(StrEnum):
    ROOM = "room"  # комнатная температура
    COOL = "cool"  # +8…+15 °C
    COLD = "cold"  # +2…+8 °C


ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "marked",
    "dispensing",
    "storage",
    "inn",
    "form",
    "dose",
    "pack_size",
    "shelf_price",
)
"""The attribute names, in the order the stock CSV writes them."""


class ProductAttributes(BaseModel):
    """One SKU's attributes as its stock source gives them; ``None``: the source does not say."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    marked: bool | None = None
    dispensing: Dispensing | None = None
    storage: Storage | None = None
    inn: str | None = Field(default=None, min_length=1, max_length=200)
    form: str | None = Field(default=None, min_length=1, max_length=100)
    dose: str | None = Field(default=None, min_length=1, max_length=100)
    pack_size: int | None = Field(default=None, ge=1)
    shelf_price: Money | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in ATTRIBUTE_FIELDS)

    def overlaid(self, newer: ProductAttributes) -> ProductAttributes:
        """These attributes with every field ``newer`` gives replaced by its value."""
        given = {name: getattr(newer, name) for name in ATTRIBUTE_FIELDS if getattr(newer, name) is not None}
        return self.model_copy(update=given) if given else self


NO_ATTRIBUTES = ProductAttributes()


def is_marked(attributes: ProductAttributes, gtins: Iterable[str | None]) -> bool:
    """Whether each pack must be scanned by its DataMatrix.

    As the source says when it says; otherwise the old rule (before sources gave ``marked``): a
    product with a GTIN is marked.
    """
    if attributes.marked is not None:
        return attributes.marked
    return any(gtins)
