"""HTTP routes for finance's break workflow (platform keys: finance, operations)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.auth.deps import DbDep, PlatformPrincipal
from api.errors import ApiError
from api.recon import breaks
from api.schemas import Input
from pipelines.recon.workflow import STATUSES, DecisionClosed, WorkflowError

router = APIRouter(tags=["recon"])

Text = Annotated[StrictStr, Field(min_length=1, max_length=2000)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=80)]


class BreakFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(None, pattern="^(" + "|".join(STATUSES) + ")$")
    kind: str | None = Field(None, max_length=64)
    assignee: str | None = Field(None, max_length=80)
    merchant_id: str | None = Field(None, max_length=32)
    min_age_business_days: int | None = Field(None, ge=0, le=10_000)
    count: int = Field(100, ge=1, le=1000)
    skip: int = Field(0, ge=0, le=1_000_000)


class AssignBody(Input):
    assignee: Name
    comment: Text | None = None


class CommentBody(Input):
    comment: Text


class DecisionBody(Input):
    reason: Text
    comment: Text | None = None


class BreakStatusOut(BaseModel):
    entity: str = "break_status"
    break_id: str
    status: str
    reason: str | None
    assignee: str | None
    amount_at_risk_paise: int | None
    updated_at: int


class BreakEventOut(BaseModel):
    action: str
    status: str | None
    reason: str | None
    assignee: str | None
    comment: str | None
    actor: str
    happened_at: int


def _warehouse(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings.warehouse


@router.get("/recon/breaks")
def list_breaks(
    request: Request,
    db: DbDep,
    _principal: PlatformPrincipal,
    filters: Annotated[BreakFilters, Query()],
) -> dict[str, Any]:
    """The break queue (from the marts) with the latest decisions; filter by status, kind, age."""
    with db.read_session() as session:
        available, message, rows = breaks.list_breaks(
            _warehouse(request), session, **filters.model_dump()
        )
    return {
        "entity": "collection",
        "available": available,
        "message": message,
        "count": len(rows),
        "items": rows,
    }


def _act(
    request: Request,
    db: Any,
    principal: Any,
    break_id: str,
    action: str,
    **kw: Any,
) -> BreakStatusOut:
    try:
        queue_break = breaks.find_break(_warehouse(request), break_id)
    except breaks.BreakNotFound as exc:
        raise ApiError(404, str(exc), reason="not_found", field="break_id") from exc
    try:
        with db.session() as session:
            row = breaks.decide(
                session, queue_break=queue_break, action=action, actor=principal.key_id, **kw
            )
            return BreakStatusOut(
                break_id=row.break_id,
                status=row.status,
                reason=row.reason,
                assignee=row.assignee,
                amount_at_risk_paise=row.amount_at_risk_paise,
                updated_at=int(row.updated_at.timestamp()),
            )
    except DecisionClosed as exc:
        raise ApiError(409, str(exc), reason="decision_closed") from exc
    except WorkflowError as exc:
        raise ApiError(400, str(exc), reason="workflow_refused") from exc


@router.post("/recon/breaks/{break_id}/assign", response_model=BreakStatusOut)
def assign_break(
    request: Request, break_id: str, body: AssignBody, db: DbDep, principal: PlatformPrincipal
) -> BreakStatusOut:
    return _act(
        request, db, principal, break_id, "assign", assignee=body.assignee, comment=body.comment
    )


@router.post("/recon/breaks/{break_id}/comment", response_model=BreakStatusOut)
def comment_break(
    request: Request, break_id: str, body: CommentBody, db: DbDep, principal: PlatformPrincipal
) -> BreakStatusOut:
    return _act(request, db, principal, break_id, "comment", comment=body.comment)


@router.post("/recon/breaks/{break_id}/resolve", response_model=BreakStatusOut)
def resolve_break(
    request: Request, break_id: str, body: DecisionBody, db: DbDep, principal: PlatformPrincipal
) -> BreakStatusOut:
    return _act(
        request, db, principal, break_id, "resolve", reason=body.reason, comment=body.comment
    )


@router.post("/recon/breaks/{break_id}/write_off", response_model=BreakStatusOut)
def write_off_break(
    request: Request, break_id: str, body: DecisionBody, db: DbDep, principal: PlatformPrincipal
) -> BreakStatusOut:
    return _act(
        request, db, principal, break_id, "write_off", reason=body.reason, comment=body.comment
    )


@router.post("/recon/breaks/{break_id}/reopen", response_model=BreakStatusOut)
def reopen_break(
    request: Request, break_id: str, body: DecisionBody, db: DbDep, principal: PlatformPrincipal
) -> BreakStatusOut:
    """Take back a resolution or write-off (with the reason), so the break can be decided again."""
    return _act(
        request, db, principal, break_id, "reopen", reason=body.reason, comment=body.comment
    )


@router.get("/recon/breaks/{break_id}/events")
def break_events(break_id: str, db: DbDep, _principal: PlatformPrincipal) -> dict[str, Any]:
    """Every action taken on a break: who, what, when (the audit trail)."""
    with db.read_session() as session:
        rows = breaks.events(session, break_id=break_id)
        items = [
            BreakEventOut(
                action=e.action,
                status=e.status,
                reason=e.reason,
                assignee=e.assignee,
                comment=e.comment,
                actor=e.actor,
                happened_at=int(e.happened_at.timestamp()),
            ).model_dump()
            for e in rows
        ]
    return {"entity": "collection", "count": len(items), "items": items}
