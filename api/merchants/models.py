"""Merchant rows in the OLTP database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utcnow

METHODS = ("upi", "card", "netbanking", "wallet")


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(40))
    mcc: Mapped[str] = mapped_column(String(4))
    pan: Mapped[str] = mapped_column(String(10))
    gstin: Mapped[str | None] = mapped_column(String(15))
    settlement_ifsc: Mapped[str] = mapped_column(String(11))
    settlement_account_number: Mapped[str] = mapped_column(String(18))
    mdr_bps_upi: Mapped[int] = mapped_column(Integer, default=0)
    mdr_bps_card: Mapped[int] = mapped_column(Integer)
    mdr_bps_netbanking: Mapped[int] = mapped_column(Integer)
    mdr_bps_wallet: Mapped[int] = mapped_column(Integer)
    settlement_cycle_days: Mapped[int] = mapped_column(Integer, default=2)
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("settlement_cycle_days between 0 and 7", name="settlement_cycle"),
    )

    def mdr_bps(self, method: str) -> int:
        """The contracted MDR for a payment method, in basis points."""
        return int(getattr(self, f"mdr_bps_{method}"))
