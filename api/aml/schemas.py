"""AML case requests and responses (amounts in paise)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class OpenCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alert_ids: list[str] = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=300)


class AssignCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=80)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=5000)


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grounds_of_suspicion: str = Field(min_length=1, max_length=5000)
    established_on: date | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(pattern="^(false_positive|reported)$")
    reason: str = Field(min_length=1, max_length=2000)


class AlertOut(BaseModel):
    alert_id: str
    source: str
    entity_type: str
    entity_id: str
    business_date: date
    risk_score: float
    priority: str
    rules: list[str]
    typologies: list[str]
    amount_paise: int | None
    summary: str
    transfer_ids: list[str]
    status: str
    case_id: str | None


class CaseOut(BaseModel):
    case_id: str
    title: str
    status: str
    priority: str
    assignee: str | None
    opened_by: str
    opened_at: int
    grounds_of_suspicion: str | None
    suspicion_established_on: date | None
    close_reason: str | None


class CaseDetailOut(CaseOut):
    alerts: list[AlertOut]
    notes: list[dict[str, str]]
    evidence: list[dict[str, str]]
    history: list[dict[str, str]]


class DueItemOut(BaseModel):
    kind: str
    reference: str
    starts_on: date
    due_on: date
    filed_on: date | None
    status: str
    working_days_left: int | None
