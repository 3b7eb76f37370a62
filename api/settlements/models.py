"""Settlement rows; payments and refunds point at the settlement that paid them out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utcnow


class Settlement(Base):
    __tablename__ = "settlements"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    settlement_date: Mapped[date] = mapped_column(Date)
    gross_paise: Mapped[int] = mapped_column(BigInteger)
    fees_paise: Mapped[int] = mapped_column(BigInteger)  # incl. GST, as Razorpay reports it
    tax_paise: Mapped[int] = mapped_column(BigInteger)
    refunds_paise: Mapped[int] = mapped_column(BigInteger)
    amount_paise: Mapped[int] = mapped_column(BigInteger)  # net paid out
    utr: Mapped[str] = mapped_column(String(22), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="processed")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_settlements_merchant_date", "merchant_id", "settlement_date"),)
