"""HTTP routes for the break queue (finance role): list, show, assign, comment, resolve, write off."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.auth.deps import DbDep
from api.breaks import repository, service
from api.breaks.models import BreakDecision, StaffBreakEvent
from api.breaks.schemas import AssignIn, BreakOut, CommentIn, DecisionOut, EventOut, ReasonIn
from api.errors import ApiError
from api.schemas import Collection
from api.users.deps import require_role
from api.users.tokens import StaffClaims

router = APIRouter(tags=["recon breaks"])
Finance = Annotated[StaffClaims, Depends(require_role("finance"))]


def _warehouse(request: Request) -> Path:
    return Path(request.app.state.settings.warehouse)


def _decision_out(d: BreakDecision) -> DecisionOut:
    return DecisionOut(
        break_id=d.break_id,
        status=d.status,
        reason=d.reason,
        assignee=d.assignee,
        amount_at_risk_paise=d.amount_at_risk_paise,
        updated_by=d.updated_by,
        updated_at=int(d.updated_at.timestamp()),
    )


def _event_out(e: StaffBreakEvent) -> EventOut:
    return EventOut(
        break_id=e.break_id,
        action=e.action,
        status=e.status,
        reason=e.reason,
        assignee=e.assignee,
        comment=e.comment,
        actor=e.actor,
        happened_at=int(e.happened_at.timestamp()),
    )


def _break_or_404(request: Request, break_id: str) -> dict[str, Any]:
    brk = repository.get_break(_warehouse(request), break_id)
    if brk is None:
        raise ApiError(
            404,
            f"No break {break_id} in the current break queue (run `hisaab recon`)",
            reason="break_not_found",
        )
    return brk


@router.get("/staff/recon/breaks", response_model=Collection[BreakOut])
def list_breaks(
    request: Request,
    db: DbDep,
    _staff: Finance,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Collection[BreakOut]:
    """The break queue with every analyst decision applied, largest amount at risk first."""
    where, params = ["1=1"], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    rows = repository.query_breaks(_warehouse(request), " and ".join(where), params, limit=100_000)
    with db.read_session() as session:
        decisions = service.decisions_for(session, (r["break_id"] for r in rows))
    items = [service.effective_status(r, decisions.get(r["break_id"])) for r in rows]
    if status and status != "all":
        items = [i for i in items if i["status"] == status]
    out = [BreakOut(**i) for i in items[:limit]]
    return Collection[BreakOut](count=len(out), items=out)


@router.get("/staff/recon/break-decisions", response_model=Collection[DecisionOut])
def list_decisions(db: DbDep, _staff: Finance) -> Collection[DecisionOut]:
    """Every decision taken through the API (the dashboard joins them to the warehouse queue)."""
    with db.read_session() as session:
        items = [_decision_out(d) for d in service.all_decisions(session)]
    return Collection[DecisionOut](count=len(items), items=items)


@router.get("/staff/recon/breaks/{break_id}/events", response_model=Collection[EventOut])
def break_events(break_id: str, db: DbDep, _staff: Finance) -> Collection[EventOut]:
    """The audit trail of one break."""
    with db.read_session() as session:
        items = [_event_out(e) for e in service.events(session, break_id)]
    return Collection[EventOut](count=len(items), items=items)


def _act(
    request: Request, db: Any, staff: StaffClaims, break_id: str, action: str, **kw: Any
) -> BreakOut:
    brk = _break_or_404(request, break_id)
    with db.session() as session:
        decision = service.act(session, brk, action, actor=staff.username, **kw)
        if decision is None:
            decision = session.get(BreakDecision, break_id)
        return BreakOut(**service.effective_status(brk, decision))


@router.post("/staff/recon/breaks/{break_id}/assign", response_model=BreakOut)
def assign_break(
    break_id: str, body: AssignIn, request: Request, db: DbDep, staff: Finance
) -> BreakOut:
    """Give a break to an analyst (status investigating)."""
    return _act(
        request, db, staff, break_id, "assign", assignee=body.assignee, comment=body.comment
    )


@router.post("/staff/recon/breaks/{break_id}/comment", response_model=BreakOut)
def comment_break(
    break_id: str, body: CommentIn, request: Request, db: DbDep, staff: Finance
) -> BreakOut:
    """Add a note to a break's audit trail."""
    return _act(request, db, staff, break_id, "comment", comment=body.comment)


@router.post("/staff/recon/breaks/{break_id}/resolve", response_model=BreakOut)
def resolve_break(
    break_id: str, body: ReasonIn, request: Request, db: DbDep, staff: Finance
) -> BreakOut:
    """Mark a break resolved, with the reason (kept for audit)."""
    return _act(request, db, staff, break_id, "resolve", reason=body.reason)


@router.post("/staff/recon/breaks/{break_id}/write-off", response_model=BreakOut)
def write_off_break(
    break_id: str, body: ReasonIn, request: Request, db: DbDep, staff: Finance
) -> BreakOut:
    """Write a break off, with the reason (kept for audit)."""
    return _act(request, db, staff, break_id, "write_off", reason=body.reason)
