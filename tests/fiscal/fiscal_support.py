"""Helpers for the register tests: the simulated ATOL Web Server on loopback and an adapter talking to it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desk.domain.receipts import ReceiptKind
from pharmacy_desk.fiscal.atol import AtolWebServer
from pharmacy_desk.fiscal.models import CodeCheck, ReceiptItem, ReceiptRequest
from pharmacy_desk.fiscal.permit import PermitClient, PermitSource
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.serving import serve


def mark(serial: str) -> str:
    """A drug's DataMatrix code (GTIN, serial, crypto tail; GS as \\x1d)."""
    return f"0104607143560598215{serial:>12}\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="


CODE_A = mark("FGXEAGA5A1GA")
CODE_B = mark("FGXEAGA5A1GB")
CODE_C = mark("FGXEAGA5A1GC")


@dataclass
class Rig:
    sim: AtolSimulator
    url: str
    register: AtolWebServer


@contextlib.asynccontextmanager
async def atol_rig(
    sim: AtolSimulator | None = None, *, permit: PermitSource | None = PermitSource.LOCAL_MODULE, **kw: float
) -> AsyncIterator[Rig]:
    sim = sim or AtolSimulator()
    async with serve(sim.app) as url:
        client = PermitClient(permit, url) if permit is not None else None
        register = AtolWebServer(url, permit=client, poll_interval=0.01, **kw)
        try:
            yield Rig(sim=sim, url=url, register=register)
        finally:
            await register.aclose()
            if client is not None:
                await client.aclose()


def sale(
    checks: list[CodeCheck],
    *,
    request_id: str = "order-1-1",
    payment: str = "cash",
    tendered: Decimal | None = None,
    kind: ReceiptKind = ReceiptKind.SELL,
    price: Decimal = Decimal("245.50"),
    extra: bool = False,
) -> ReceiptRequest:
    items = [
        ReceiptItem(sku="nurofen", name="Нурофен 200 мг №20", price=price, quantity=1, marking_code=c.code, check=c)
        for c in checks
    ]
    if extra:
        items.append(ReceiptItem(sku="plaster", name="Пластырь", price=Decimal("30.00"), quantity=2))
    return ReceiptRequest(
        request_id=request_id,
        kind=kind,
        items=tuple(items),
        payment=payment,  # type: ignore[arg-type]
        tendered=tendered,
        order_number="000001",
    )
