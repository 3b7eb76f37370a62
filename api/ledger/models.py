"""Journal entries and their lines: the only place balances come from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UtcDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class JournalEntry(Base):
    """One business event (a capture, its fee, a refund), posted once: (kind, ref_id) is unique."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref_type: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(String(200))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lines: Mapped[list[LedgerLine]] = relationship(back_populates="entry")

    __table_args__ = (UniqueConstraint("kind", "ref_id"),)


class LedgerLine(Base):
    """A debit or credit of a positive paise amount to one account."""

    __tablename__ = "ledger_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(80), index=True)
    side: Mapped[str] = mapped_column(String(6))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    entry: Mapped[JournalEntry] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("amount_paise > 0", name="positive_amount"),
        CheckConstraint("side in ('debit', 'credit')", name="side"),
    )
