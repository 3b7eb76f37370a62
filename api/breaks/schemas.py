"""Break workflow requests and responses (amounts in paise)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=64)
    comment: str | None = Field(default=None, max_length=2000)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class BreakOut(BaseModel):
    break_id: str
    kind: str
    recon: str | None = None
    severity: str | None = None
    amount_at_risk_paise: int
    first_seen_date: date | None = None
    age_business_days: int | None = None
    gateway: str | None = None
    merchant_id: str | None = None
    payment_id: str | None = None
    gateway_payment_id: str | None = None
    refund_id: str | None = None
    settlement_id: str | None = None
    settlement_utr: str | None = None
    payout_id: str | None = None
    bank_utr: str | None = None
    rrn: str | None = None
    ledger_amount_paise: int | None = None
    external_amount_paise: int | None = None
    detail: str | None = None
    status: str
    reason: str | None = None
    assignee: str | None = None
    is_reopened: bool = False  # a final decision was taken for another amount at risk


class BreakQueueOut(BaseModel):
    """One page of the filtered break queue, with the whole filter's count and amount at risk."""

    entity: Literal["collection"] = "collection"
    count: int  # items on this page
    total: int  # breaks matching the filter
    amount_at_risk_paise: int  # their amount at risk
    offset: int
    items: list[BreakOut]


class BreakSummaryOut(BaseModel):
    kind: str
    status: str
    first_seen_date: date | None
    age_business_days: int | None
    breaks: int
    amount_at_risk_paise: int


class DecisionOut(BaseModel):
    break_id: str
    status: str
    reason: str | None
    assignee: str | None
    amount_at_risk_paise: int
    updated_by: str | None
    updated_at: int


class EventOut(BaseModel):
    break_id: str
    action: str
    status: str | None
    reason: str | None
    assignee: str | None
    comment: str | None
    actor: str
    happened_at: int
