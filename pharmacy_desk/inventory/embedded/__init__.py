"""The embedded stock: our own tables, loaded from CSV files.

- :mod:`.tables`: the tables, on their own ``MetaData`` (an Alembic revision in the relay creates them)
- :mod:`.csv_format`: the stock CSV file (docs/stock-csv.md)
- :mod:`.importer`: :func:`import_csv`, replace or merge a store's stock
- :mod:`.queries`: the statements and their locking
- :mod:`.source`: :class:`EmbeddedStock`, the :class:`~pharmacy_desk.inventory.protocol.StockSource`
- :mod:`.serials`: series of marked packs recorded on receipt
"""

from pharmacy_desk.inventory.embedded.csv_format import StockRow, parse_stock_csv, read_stock_csv
from pharmacy_desk.inventory.embedded.importer import ImportMode, ImportReport, import_csv, import_rows
from pharmacy_desk.inventory.embedded.serials import remember_pack_serials
from pharmacy_desk.inventory.embedded.source import EmbeddedStock
from pharmacy_desk.inventory.embedded.tables import metadata

__all__ = [
    "EmbeddedStock",
    "ImportMode",
    "ImportReport",
    "StockRow",
    "import_csv",
    "import_rows",
    "metadata",
    "parse_stock_csv",
    "read_stock_csv",
    "remember_pack_serials",
]
