"""A pharmacy's assortment as the simulator's customers see it on Kuper: SKU, name, price, discount.

The SKU is the pharmacy's own (``positions[].id``); prices are roubles with kopecks. Drugs with a
``gtin`` are marked (MDLP): a pharmacist scans one DataMatrix code per pack, made here by
:func:`marking_code` in the layout of docs/kuper-protocol.md §4.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desk.kuper import GS


@dataclass(frozen=True, slots=True)
class Drug:
    """One catalogue item."""

    sku: str
    name: str
    price: Decimal
    discount_price: Decimal | None = None
    gtin: str | None = None  # set for drugs that carry a marking code on every pack
    max_per_order: int = 3

    @property
    def unit_price(self) -> Decimal:
        """What the customer pays per pack."""
        return self.discount_price if self.discount_price is not None else self.price

    @property
    def is_marked(self) -> bool:
        return self.gtin is not None


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (weights 3, 1, 3, ... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _drug(sku: str, name: str, price: str, discount: str | None = None, gtin: str | None = None, most: int = 3) -> Drug:
    # The catalogue lists GTINs by their first 13 digits' look; the check digit is always recomputed.
    valid_gtin = f"{gtin[:13]}{gs1_check_digit(gtin[:13])}" if gtin else None
    return Drug(sku, name, Decimal(price), Decimal(discount) if discount else None, valid_gtin, most)


CATALOGUE: tuple[Drug, ...] = (
    _drug("100234", "Нурофен таб. п/о 200мг №20", "199.99", "189.99", "04607143560598"),
    _drug("100301", "Парацетамол таб. 500мг №20", "39.90", most=5),
    _drug("100377", "Ибупрофен таб. п/о 400мг №20", "89.50", "79.50"),
    _drug("100412", "Цитрамон П таб. №10", "24.30", most=5),
    _drug("100458", "Но-шпа таб. 40мг №24", "219.00", "199.00", "04602521010315"),
    _drug("100509", "Смекта пор. д/сусп. 3г пак. №10", "289.00", gtin="03574661327364"),
    _drug("100555", "Лоперамид капс. 2мг №20", "59.80"),
    _drug("100623", "Мезим форте таб. п/о №20", "96.40", gtin="04013054020125"),
    _drug("100678", "Активированный уголь таб. 250мг №50", "45.00", most=4),
    _drug("100702", "Терафлю пор. д/р-ра лимон пак. №10", "549.00", "499.00", "07612076352411"),
    _drug("100744", "Називин спрей наз. 0,05% 10мл", "229.00", gtin="04607027760121"),
    _drug("100789", "Аквамарис спрей наз. 30мл", "379.00", "349.00", "03858881056135"),
    _drug("100833", "Стрепсилс пастилки мёд-лимон №24", "419.00", "389.00", "05000158062948"),
    _drug("100861", "Лизобакт таб. д/расс. №30", "399.00", gtin="03838989600108"),
    _drug("100905", "Амбробене таб. 30мг №20", "149.00"),
    _drug("100947", "АЦЦ пор. д/р-ра 200мг пак. №20", "369.00", "339.00", "04601669002342"),
    _drug("101012", "Лоратадин таб. 10мг №10", "64.70", most=2),
    _drug("101056", "Зодак таб. п/о 10мг №10", "229.00", gtin="08594739030316"),
    _drug("101098", "Супрастин таб. 25мг №20", "169.00", "155.00", "05997001302059"),
    _drug("101144", "Эналаприл таб. 10мг №20", "58.00", most=2),
    _drug("101187", "Лозартан таб. п/о 50мг №30", "189.00", gtin="04602565011705", most=2),
    _drug("101233", "Кардиомагнил таб. п/о 75мг №100", "299.00", "279.00", "04602193004214", most=2),
    _drug("101276", "Аторвастатин таб. п/о 20мг №30", "329.00", gtin="04601969004582", most=2),
    _drug("101319", "Метформин таб. 850мг №60", "219.00", gtin="04607031372419", most=2),
    _drug("101362", "Омепразол капс. 20мг №30", "119.00", "99.00"),
    _drug("101408", "Фосфалюгель гель 20г пак. №20", "459.00", "429.00", "04601969003660"),
    _drug("101451", "Гастал таб. д/расс. №24", "319.00", gtin="05997001300819"),
    _drug("101497", "Аскорбиновая кислота драже 50мг №200", "79.00", most=4),
    _drug("101532", "Компливит таб. п/о №60", "339.00", "309.00", most=2),
    _drug("101578", "Магне B6 таб. п/о №50", "719.00", "679.00", "03582910078225", most=2),
    _drug("101614", "Витамин D3 Аквадетрим капли 15мл", "249.00", gtin="05909990098028"),
    _drug("101659", "Пантенол спрей 5% 130г", "449.00", "399.00"),
    _drug("101703", "Левомеколь мазь 40г", "139.00", gtin="04602784000145"),
    _drug("101746", "Бепантен крем 5% 30г", "599.00", "559.00", "04008500120158"),
    _drug("101790", "Вольтарен эмульгель 1% 50г", "529.00", "489.00", "04607008130211"),
    _drug("101834", "Фастум гель 2,5% 50г", "489.00", gtin="04013054012786"),
    _drug("101877", "Хлоргексидин р-р 0,05% 100мл", "29.90", most=5),
    _drug("101913", "Перекись водорода р-р 3% 100мл", "24.50", most=5),
    _drug("101958", "Пластырь бактерицидный 2,5×7,2 №20", "119.00", most=3),
    _drug("102004", "Бинт стерильный 7м×14см", "49.00", most=4),
    _drug("102047", "Тест на беременность Эвитест №1", "159.00", "139.00", most=2),
    _drug("102091", "Термометр электронный MT-101", "329.00", most=1),
    _drug("102135", "Регидрон пор. д/р-ра пак. №20", "469.00", gtin="06438011000237", most=2),
    _drug("102178", "Глицин таб. подъязычн. 100мг №50", "69.00", "62.00", most=3),
    _drug("102214", "Валерианы экстракт таб. п/о 20мг №50", "54.00", most=3),
    _drug("102259", "Афобазол таб. 10мг №60", "499.00", "459.00", "04602883004061", most=2),
)
"""The simulated pharmacy's assortment."""

BY_SKU: dict[str, Drug] = {drug.sku: drug for drug in CATALOGUE}

UNSTOCKED = _drug("199999", "Ксефокам таб. п/о 8мг №10", "489.00", gtin="04607014580015", most=1)
"""An item on Kuper's shelf that the pharmacy does not have (the out-of-stock scenario)."""

_B64 = string.ascii_letters + string.digits + "+/"
_SERIAL = string.ascii_uppercase + string.digits


def marking_code(drug: Drug, rng: random.Random) -> str:
    """A fresh MDLP DataMatrix text for one pack of ``drug``: GTIN, serial, key, crypto code."""
    if drug.gtin is None:
        raise ValueError(f"{drug.name} carries no marking code")
    serial = "".join(rng.choices(_SERIAL, k=13))
    key = "".join(rng.choices(_SERIAL, k=4))
    crypto = "".join(rng.choices(_B64, k=44))
    return f"01{drug.gtin}21{serial}{GS}91{key}{GS}92{crypto}"
