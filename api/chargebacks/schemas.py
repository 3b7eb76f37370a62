"""Chargeback payloads: what a gateway reports about a dispute, and what we show."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr

from api.schemas import Input, Output, RefundAmountPaise

DisputeId = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
ReasonCode = Annotated[StrictStr, Field(min_length=1, max_length=64)]


class ChargebackCreate(Input):
    """A dispute the gateway reported on one of our captured payments."""

    payment_id: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    gateway_dispute_id: DisputeId
    amount: RefundAmountPaise | None = None  # absent: the whole payment is disputed
    reason_code: ReasonCode


class ChargebackResolve(Input):
    status: Literal["under_review", "won", "lost"]


class ChargebackOut(Output):
    id: str
    entity: Literal["chargeback"] = "chargeback"
    payment_id: str
    merchant_id: str
    gateway: str
    gateway_dispute_id: str
    amount: int
    currency: str
    reason_code: str
    status: str
    created_at: int
    resolved_at: int | None
