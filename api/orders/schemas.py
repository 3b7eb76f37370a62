"""Order payloads in Razorpay's shape (amounts in paise)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import StrictBool

from api.schemas import AmountPaise, Currency, Input, Notes, Output, ShortText


class OrderCreate(Input):
    amount: AmountPaise
    currency: Currency = "INR"
    receipt: ShortText | None = None
    notes: Notes = {}
    partial_payment: StrictBool = False


class OrderOut(Output):
    id: str
    entity: Literal["order"] = "order"
    amount: int
    amount_paid: int
    amount_due: int
    currency: str
    receipt: str | None
    offer_id: None = None
    status: str
    attempts: int
    notes: dict[str, Any]
    partial_payment: bool
    created_at: int
