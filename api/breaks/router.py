"""The break queue for finance staff signed in to the dashboard (Bearer session, finance role).

A thin door onto the one break workflow, ``api.recon.breaks``: the same service the CLI and the
platform-key routes (``/v1/recon/breaks``) use, so a decision taken here is the decision dbt joins
by ``break_id`` on the next recon run, and every action lands in the same audit trail
(``break_events``). Only the authentication (staff role instead of a platform key) and the
response shape the dashboard reads differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from api.auth.deps import DbDep
from api.breaks import repository
from api.breaks.schemas import (
    AssignIn,
    BreakOut,
    BreakQueueOut,
    BreakSummaryOut,
    CommentIn,
    DecisionOut,
    EventOut,
    ReasonIn,
)
from api.errors import ApiError
from api.recon import breaks as workflow
from api.recon.models import BreakEvent, BreakStatus
from api.schemas import Collection
from api.users.deps import require_role
from api.users.tokens import StaffClaims
from pipelines.recon.workflow import DecisionClosed, WorkflowError

router = APIRouter(tags=["recon breaks"])
Finance = Annotated[StaffClaims, Depends(require_role("finance"))]
#: The one input each action's rule checks (named in a refusal's ``error.field``).
_ACTION_FIELD = {
    "resolve": "reason",
    "write_off": "reason",
    "assign": "assignee",
    "comment": "comment",
}


def _warehouse(request: Request) -> Path:
    return Path(request.app.state.settings.warehouse)


def _event_out(e: BreakEvent) -> EventOut:
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


def _with_decision(row: dict[str, Any], decision: BreakStatus | None) -> dict[str, Any]:
    """The warehouse row as finance sees it now: the latest decision applied, unless the amount
    at risk moved since a resolution (then the break is open again)."""
    out = {**row, "reason": None, "assignee": None}
    if decision is None:
        out["status"] = "open"
        return out
    out["assignee"] = decision.assignee
    if workflow.is_reopened(decision, row["amount_at_risk_paise"]):
        out["status"] = "open"
        out["reason"] = repository.REOPENED_REASON
        return out
    out["status"] = decision.status
    out["reason"] = decision.reason
    return out


def _all_decisions(db: Any) -> list[repository.Decision]:
    with db.read_session() as session:
        return workflow.all_decisions(session)


@router.get("/staff/recon/breaks", response_model=BreakQueueOut)
def list_breaks(
    request: Request,
    db: DbDep,
    _staff: Finance,
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
    status: Annotated[list[str] | None, Query(max_length=5)] = None,
    gateway: Annotated[list[str] | None, Query(max_length=50)] = None,
    min_amount_paise: Annotated[int, Query(ge=0, le=10**15)] = 0,
    q: Annotated[str, Query(max_length=64, description="id substring (payment, UTR, RRN, …)")] = "",
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> BreakQueueOut:
    """The break queue with every analyst decision applied, largest amount at risk first.

    Filters (repeat a parameter for several values; ``status=all`` is no status filter) and the
    page are applied in the warehouse: ``total`` and ``amount_at_risk_paise`` are the whole
    filtered queue's, ``items`` the page from ``offset``.
    """
    statuses = [s for s in status or [] if s != "all"]
    flt = repository.QueueFilter(
        kinds=kind or [],
        statuses=statuses,
        gateways=gateway or [],
        min_amount_paise=min_amount_paise,
        text=q,
    )
    page = repository.queue_page(
        _warehouse(request), _all_decisions(db), flt, offset=offset, limit=limit
    )
    items = [BreakOut(**r) for r in page.rows]
    return BreakQueueOut(
        count=len(items),
        total=page.total,
        amount_at_risk_paise=page.amount_at_risk_paise,
        offset=offset,
        items=items,
    )


@router.get("/staff/recon/break-summary", response_model=Collection[BreakSummaryOut])
def break_summary(request: Request, db: DbDep, _staff: Finance) -> Collection[BreakSummaryOut]:
    """Breaks and amount at risk per kind, status (decisions applied), first-seen date and age
    in business days: the recon overview's charts without the whole queue."""
    rows = repository.queue_summary(_warehouse(request), _all_decisions(db))
    items = [BreakSummaryOut(**r) for r in rows]
    return Collection[BreakSummaryOut](count=len(items), items=items)


@router.get("/staff/recon/break-decisions", response_model=Collection[DecisionOut])
def list_decisions(db: DbDep, _staff: Finance) -> Collection[DecisionOut]:
    """Every decision on record (from the CLI, the platform API or the dashboard)."""
    with db.read_session() as session:
        last_actor = dict(
            session.execute(
                select(BreakEvent.break_id, BreakEvent.actor).order_by(BreakEvent.id)
            ).all()
        )
        items = [
            DecisionOut(
                break_id=d.break_id,
                status=d.status,
                reason=d.reason,
                assignee=d.assignee,
                amount_at_risk_paise=d.amount_at_risk_paise,
                updated_by=last_actor.get(d.break_id),
                updated_at=int(d.updated_at.timestamp()),
            )
            for d in session.scalars(select(BreakStatus).order_by(BreakStatus.updated_at))
        ]
    return Collection[DecisionOut](count=len(items), items=items)


@router.get("/staff/recon/breaks/{break_id}/events", response_model=Collection[EventOut])
def break_events(break_id: str, db: DbDep, _staff: Finance) -> Collection[EventOut]:
    """The audit trail of one break."""
    with db.read_session() as session:
        items = [_event_out(e) for e in workflow.events(session, break_id=break_id)]
    return Collection[EventOut](count=len(items), items=items)


def _act(
    request: Request, db: Any, staff: StaffClaims, break_id: str, action: str, **kw: Any
) -> BreakOut:
    brk = repository.get_break(_warehouse(request), break_id)
    if brk is None:
        raise ApiError(
            404,
            f"No break {break_id} in the current break queue (run `hisaab recon`)",
            reason="break_not_found",
        )
    queue_break = workflow.QueueBreak(brk["break_id"], int(brk["amount_at_risk_paise"]))
    with db.session() as session:
        try:
            decision = workflow.decide(
                session, queue_break=queue_break, action=action, actor=staff.username, **kw
            )
        except DecisionClosed as exc:
            raise ApiError(409, str(exc), reason="decision_closed") from None
        except WorkflowError as exc:
            raise ApiError(
                400, str(exc), reason="workflow_refused", field=_ACTION_FIELD.get(action)
            ) from None
        return BreakOut(**_with_decision(brk, decision))


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


@router.post("/staff/recon/breaks/{break_id}/reopen", response_model=BreakOut)
def reopen_break(
    break_id: str, body: ReasonIn, request: Request, db: DbDep, staff: Finance
) -> BreakOut:
    """Take back a resolution or write-off, with the reason (kept for audit)."""
    return _act(request, db, staff, break_id, "reopen", reason=body.reason)
