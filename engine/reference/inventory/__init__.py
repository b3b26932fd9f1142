"""The reference inventory: SKUs, warehouses, stock, reservations and receipts."""

from __future__ import annotations

from engine.reference.inventory.service import Inventory as Inventory
from engine.reference.inventory.service import notify_waiting as notify_waiting
from engine.reference.inventory.stock import StockRow as StockRow

__all__ = ["Inventory", "StockRow", "notify_waiting"]
