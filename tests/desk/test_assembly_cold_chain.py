"""The assembly session lists cold and cool lines last and says which they are (issue 14, item 3)."""

from __future__ import annotations

from pharmacy_desk.desk.assembly import AssemblySession
from pharmacy_desk.domain.product import ProductAttributes, Storage
from tests.desk.book_support import line, order
from tests.desk.desk_support import ASPIRIN_EAN, ASPIRIN_SKU, NUROFEN_GTIN, NUROFEN_SKU

INSULIN_SKU = "102210"


def _session(storage: dict[str, Storage]) -> AssemblySession:
    the_order = order(
        "A12-000002",
        lines=(
            line(INSULIN_SKU, 1, "1890.00", "Хумалог"),
            line(NUROFEN_SKU, 2, "189.99", "Нурофен"),
            line(ASPIRIN_SKU, 1, "100.00", "Аспирин"),
        ),
    )
    catalogue = {NUROFEN_GTIN: NUROFEN_SKU, ASPIRIN_EAN: ASPIRIN_SKU}
    attributes = {sku: ProductAttributes(storage=kind) for sku, kind in storage.items()}
    return AssemblySession(the_order, catalogue=catalogue, attributes=attributes)


def test_cold_lines_come_last_and_carry_their_storage() -> None:
    session = _session({INSULIN_SKU: Storage.COLD, NUROFEN_SKU: Storage.COOL, ASPIRIN_SKU: Storage.ROOM})
    lines = session.lines()
    assert [item.sku for item in lines] == [ASPIRIN_SKU, NUROFEN_SKU, INSULIN_SKU]
    assert [item.storage for item in lines] == [Storage.ROOM, Storage.COOL, Storage.COLD]
    assert session.line(INSULIN_SKU).storage is Storage.COLD  # type: ignore[union-attr]


def test_without_storage_the_order_is_kuper_s() -> None:
    assert [item.sku for item in _session({}).lines()] == [INSULIN_SKU, NUROFEN_SKU, ASPIRIN_SKU]
