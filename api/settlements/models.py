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
    # Chargebacks deducted less won chargebacks paid back in this settlement.
    chargebacks_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    amount_paise: Mapped[int] = mapped_column(BigInteger)  # net paid out
    utr: Mapped[str] = mapped_column(String(22), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="processed")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_settlements_merchant_date", "merchant_id", "settlement_date"),)


class GatewaySettlement(Base):
    """A gateway's settlement batch (gateway, merchant, cycle) as credited to our escrow account."""

    __tablename__ = "gateway_settlements"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the gateway's settlement id
    gateway: Mapped[str] = mapped_column(String(32))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    bank_source: Mapped[str] = mapped_column(String(40))
    utr: Mapped[str] = mapped_column(String(40))
    settled_on: Mapped[date] = mapped_column(Date)
    gross_paise: Mapped[int] = mapped_column(BigInteger)
    fee_paise: Mapped[int] = mapped_column(BigInteger)  # excluding GST
    tax_paise: Mapped[int] = mapped_column(BigInteger)
    refunds_paise: Mapped[int] = mapped_column(BigInteger)
    chargebacks_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    net_paise: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_gateway_settlements_gateway_date", "gateway", "settled_on"),)
