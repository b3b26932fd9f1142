"""The reference payment gateway (Yes!Cart's test gateways) and the payment ledger."""

from __future__ import annotations

from engine.reference.payments.faults import FAULTS as FAULTS
from engine.reference.payments.ledger import Balance as Balance
from engine.reference.payments.ledger import Payment as Payment
from engine.reference.payments.service import Payments as Payments

__all__ = ["FAULTS", "Balance", "Payment", "Payments"]
