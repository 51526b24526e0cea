"""Orders to label, and the readers that check what was printed: PDF pages and barcodes.

Test-only dependencies: ``pypdfium2`` (renders PDF pages, extracts their text; wheels bundle PDFium)
and ``zxing-cpp`` (decodes QR and Code128; wheels bundle the C++ library). No system library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp
from PIL import Image
from PySide6.QtGui import QImage

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.events import NewOrder
from pharmacy_desk.domain.lifecycle import StoreRules, open_order
from pharmacy_desk.domain.order import Customer, Order
from pharmacy_desk.domain.pickup_codes import PickupCodeState, pickup_code_digest

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
STORE_KEY = "apteka-12"
STORE_NAME = "Аптека №12 на Ленина"
NUMBER = "A12-000042"
CODE = "4821"
MM_PER_PT = 25.4 / 72


def order(flow: str = "pickup", *, code: str | None = CODE, original_id: str | None = "H12345678901") -> Order:
    """An order of ``flow`` (``pickup`` gets pickup code ``code``), due 13:00–14:00 Moscow time."""
    new = NewOrder(
        kuper_id="retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f",
        original_order_id=original_id,
        shipment_method=flow,
        customer=Customer(name="Анна Петрова", phone="+79990001122"),
        due_from=T0,
        due_to=T0 + timedelta(hours=1),
        lines=(
            Line(sku="100234", name="Нурофен", quantity=2, ordered_quantity=2, price=Decimal("199.99")),
            Line(sku="100777", name="Аспирин Кардио", quantity=1, ordered_quantity=1, price=Decimal("145.50")),
        ),
    )
    opened = open_order(new, store=STORE_KEY, number=NUMBER, now=T0, rules=StoreRules()).order
    if flow == "pickup" and code is not None:
        return opened.model_copy(update={"pickup": PickupCodeState(digest=pickup_code_digest(code, b""), issued_at=T0)})
    return opened


@dataclass(frozen=True)
class Page:
    """One PDF page as a reader sees it."""

    width_mm: float
    height_mm: float
    text: str
    image: Image.Image


def read_pdf(path: Path, dpi: int = 300) -> list[Page]:
    """Every page of ``path``: size, extracted text, and a rendering at ``dpi``."""
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for index in range(len(doc)):
            page = doc[index]
            width, height = page.get_size()
            text = page.get_textpage().get_text_range()
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            pages.append(Page(width * MM_PER_PT, height * MM_PER_PT, text, image))
        return pages
    finally:
        doc.close()


def qimage_to_pil(image: QImage) -> Image.Image:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(gray.constBits())
    return Image.frombuffer("L", (gray.width(), gray.height()), data, "raw", "L", gray.bytesPerLine(), 1)


def decode(image: Image.Image) -> dict[str, list[str]]:
    """What a scanner reads on ``image``: texts by format name (``QRCode``, ``Code128``)."""
    found: dict[str, list[str]] = {}
    for result in zxingcpp.read_barcodes(image):
        found.setdefault(result.format.name, []).append(result.text)
    return {name: sorted(texts) for name, texts in found.items()}
