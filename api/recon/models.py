"""The finance break workflow in the OLTP database: one decision row per break, every action logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class BreakStatus(Base):
    __tablename__ = "break_status"

    break_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(80))
    amount_at_risk_paise: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BreakEvent(Base):
    __tablename__ = "break_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    break_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(80))
    comment: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80))
    happened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
