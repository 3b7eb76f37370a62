"""Settlement payloads in Razorpay's shape, and the recon report's rows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Output


class SettlementOut(Output):
    id: str
    entity: Literal["settlement"] = "settlement"
    amount: int
    status: str
    fees: int
    tax: int
    utr: str
    gross_amount: int
    refunds: int
    chargebacks: int = 0  # disputes deducted less won disputes paid back
    settlement_date: str
    created_at: int


class ReconItem(BaseModel):
    """One settled transaction, as in Razorpay's settlement recon report."""

    entity_id: str
    type: Literal["payment", "refund", "adjustment"]  # adjustment: a dispute deducted or paid back
    debit: int
    credit: int
    amount: int
    currency: str
    fee: int
    tax: int
    on_hold: bool = False
    settled: bool
    created_at: int
    settled_at: int | None
    settlement_id: str | None
    settlement_utr: str | None
    payment_id: str
    order_id: str
    order_receipt: str | None
    method: str
    description: str | None = None
    notes: dict[str, Any]
    recon_status: str | None = Field(
        None, description="Our reconciliation's verdict on this payment, from the warehouse"
    )


class ReconQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)
    day: int | None = Field(None, ge=1, le=31)
    count: int = Field(100, ge=1, le=1000)
    skip: int = Field(0, ge=0)


class SettleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="IST date, YYYY-MM-DD")
