"""Every table of the transaction core, imported in one place for Alembic and tests."""

from api.auth.models import ApiKey
from api.chargebacks.models import Chargeback
from api.db import Base
from api.idempotency.models import IdempotencyKey
from api.ledger.models import JournalEntry, LedgerLine
from api.merchants.models import Merchant
from api.orders.models import Order
from api.payments.models import Payment
from api.recon.models import BreakEvent, BreakStatus
from api.refunds.models import Refund
from api.settlements.models import GatewaySettlement, Settlement
from api.users.models import StaffUser
from api.webhooks.models import WebhookEvent

__all__ = [
    "ApiKey",
    "Base",
    "BreakEvent",
    "BreakStatus",
    "Chargeback",
    "GatewaySettlement",
    "IdempotencyKey",
    "JournalEntry",
    "LedgerLine",
    "Merchant",
    "Order",
    "Payment",
    "Refund",
    "Settlement",
    "StaffUser",
    "WebhookEvent",
]
