"""Refund payloads in Razorpay's shape."""

from __future__ import annotations

from typing import Any, Literal

from api.schemas import Input, Notes, Output, RefundAmountPaise, ShortText


class RefundCreate(Input):
    amount: RefundAmountPaise | None = None  # absent: refund everything still refundable
    speed: Literal["normal", "optimum"] = "normal"
    receipt: ShortText | None = None
    notes: Notes = {}


class RefundOut(Output):
    id: str
    entity: Literal["refund"] = "refund"
    amount: int
    currency: str
    payment_id: str
    notes: dict[str, Any]
    receipt: str | None
    acquirer_data: dict[str, Any]
    status: str
    speed_requested: str
    speed_processed: str | None
    created_at: int
