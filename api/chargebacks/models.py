"""Chargeback rows: one per gateway dispute on a captured payment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utcnow

# open and under_review keep the amount with the gateway; won returns it; lost keeps it.
CHARGEBACK_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("under_review", "won", "lost"),
    "under_review": ("won", "lost"),
    "won": (),
    "lost": (),
}
CHARGEBACK_STATUSES = tuple(CHARGEBACK_TRANSITIONS)


class Chargeback(Base):
    __tablename__ = "chargebacks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    gateway_dispute_id: Mapped[str] = mapped_column(String(64))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The merchant settlement that deducted the amount, and the one that paid it back (won).
    settlement_id: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"), index=True)
    returned_settlement_id: Mapped[str | None] = mapped_column(ForeignKey("settlements.id"))

    __table_args__ = (
        UniqueConstraint("gateway", "gateway_dispute_id"),
        Index("ix_chargebacks_merchant_created", "merchant_id", "created_at"),
    )
