"""How to reach a pharmacy's 1C:Retail: the HTTP service of the Kuper extension, and optionally OData.

The HTTP service (docs/1c-http-service.md) does everything; the standard OData interface may serve
stock reads instead (read-only: reservations always go through the HTTP service). Both use the same
1C user (HTTP Basic).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_trailing_slash(value: str) -> str:
    text = value.strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return text


class ODataSettings(_Section):
    """Where the standard OData interface is and the names of the objects the stock read uses.

    Defaults follow 1C:Retail 2.x; a configuration that names them differently changes them here.
    """

    base_url: str  # …/<infobase>/odata/standard.odata
    warehouses: dict[str, str]  # store key → Ref_Key (GUID) of its Справочник.Склады item
    stock_register: str = "ТоварыНаСкладах"  # РегистрНакопления, balance kind
    quantity_resource: str = "Количество"
    item_dimension: str = "Номенклатура"
    series_dimension: str = "Серия"
    warehouse_dimension: str = "Склад"
    items_catalog: str = "Номенклатура"
    sku_field: str = "Code"  # the SKU Kuper knows: Code (Код) or e.g. Артикул
    name_field: str = "Description"
    series_catalog: str = "СерииНоменклатуры"
    series_number_field: str = "Номер"
    expiry_field: str = "ГоденДо"
    reserve_register: str | None = None  # the extension's reserve register, e.g. "РезервыKuper"
    # Product attributes read from the items catalogue: attribute → the catalogue's own field
    # (docs/1c-http-service.md §6), e.g. {marked = "Маркируемый", dispensing = "РецептурныйОтпуск"}.
    item_attributes: dict[str, str] = Field(default_factory=dict)

    _base = field_validator("base_url")(_no_trailing_slash)

    @field_validator("item_attributes")
    @classmethod
    def _known_attributes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(ODATA_ATTRIBUTES))
        if unknown:
            raise ValueError(f"not read through OData: {', '.join(unknown)} (known: {', '.join(ODATA_ATTRIBUTES)})")
        if any(not field.strip() for field in value.values()):
            raise ValueError("an empty field name")
        return {name: field.strip() for name, field in value.items()}


ODATA_ATTRIBUTES = ("marked", "dispensing", "storage", "inn", "form", "dose", "pack_size")
"""Attributes a field of the items catalogue can give (the shelf price is a price register's)."""


class OneCSettings(_Section):
    base_url: str  # the HTTP service root, e.g. https://1c.apteka.local/retail/hs/kuper
    username: str = ""
    password: SecretStr = SecretStr("")
    timeout_seconds: float = Field(default=5.0, gt=0)  # the whole call, answer included
    connect_timeout_seconds: float = Field(default=3.0, gt=0)
    verify_tls: bool = True
    odata: ODataSettings | None = None  # read stock through OData instead of the HTTP service

    _base = field_validator("base_url")(_no_trailing_slash)
