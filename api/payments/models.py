"""Payment rows and the transitions a payment's status may take."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utcnow

METHODS = ("upi", "card", "netbanking", "wallet")

# pending: the gateway's answer is unknown (timeout); only a status check may settle it —
# never an automatic retry, which could charge the customer twice.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "created": ("authorized", "failed", "pending"),
    "pending": ("authorized", "failed"),
    "authorized": ("captured", "failed"),
    "captured": ("refunded",),
    "refunded": (),
    "failed": (),
}
PAYMENT_STATUSES = tuple(TRANSITIONS)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="created")
    method: Mapped[str] = mapped_column(String(16))
    vpa: Mapped[str | None] = mapped_column(String(256))
    card_token: Mapped[str | None] = mapped_column(String(64))
    bank: Mapped[str | None] = mapped_column(String(16))
    wallet: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    contact: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    gateway: Mapped[str | None] = mapped_column(String(32))
    routing_reason: Mapped[str | None] = mapped_column(String(500))
    # Every gateway the router considered: eligibility, why not, success rate, cost, score.
    routing_candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    rrn: Mapped[str | None] = mapped_column(String(12))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_description: Mapped[str | None] = mapped_column(String(500))
    gateway_latency_ms: Mapped[int | None] = mapped_column(Integer)
    amount_refunded_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_status: Mapped[str | None] = mapped_column(String(8))  # partial | full
    fee_paise: Mapped[int | None] = mapped_column(BigInteger)  # incl. GST, as Razorpay shows it
    tax_paise: Mapped[int | None] = mapped_column(BigInteger)
    mdr_bps: Mapped[int | None] = mapped_column(Integer)
    settlement_id: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    authorized_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    captured_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_payments_merchant_created", "merchant_id", "created_at"),)
