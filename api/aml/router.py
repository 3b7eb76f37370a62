"""HTTP routes for AML alerts, cases, STR generation, case summaries and report due dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api.aml.schemas import (
    AlertOut,
    AssignCaseIn,
    CaseDetailOut,
    CaseOut,
    CloseIn,
    DueItemOut,
    EscalateIn,
    NoteIn,
    OpenCaseIn,
)
from api.auth.deps import DbDep
from api.db import Database
from api.errors import ApiError
from api.schemas import Collection
from api.users.deps import require_role
from api.users.tokens import StaffClaims
from hisaab.calendar import IST
from risk.aml import cases as svc

router = APIRouter(tags=["aml"])
Compliance = Annotated[StaffClaims, Depends(require_role("compliance"))]


def _ensure_tables(request: Request, db: Database) -> None:
    # The AML tables are risk.aml's own (created by it, outside Alembic), in the same OLTP DB.
    if not getattr(request.app.state, "aml_tables_ready", False):
        svc.Base.metadata.create_all(db.engine)
        request.app.state.aml_tables_ready = True


@contextmanager
def _session(request: Request, db: Database, *, write: bool) -> Iterator[Session]:
    _ensure_tables(request, db)
    try:
        with db.session() if write else db.read_session() as session:
            yield session
    except svc.NotFound as exc:
        raise ApiError(404, str(exc), reason="not_found") from None
    except svc.CaseError as exc:
        raise ApiError(409, str(exc), reason="case_rule") from None


@contextmanager
def _warehouse(request: Request, *, required: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
    path = Path(request.app.state.settings.warehouse)
    if not path.exists():
        if required:
            raise ApiError(
                503,
                f"No warehouse at {path}: run `hisaab aml run` after the batch",
                reason="warehouse_not_built",
                source="NA",
            )
        yield None
        return
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _alert_out(a: svc.AmlAlert) -> AlertOut:
    return AlertOut(
        alert_id=a.alert_id,
        source=a.source,
        entity_type=a.entity_type,
        entity_id=a.entity_id,
        business_date=a.business_date,
        risk_score=a.risk_score,
        priority=a.priority,
        rules=list(a.rules or []),
        typologies=list(a.typologies or []),
        amount_paise=a.amount_paise,
        summary=a.summary,
        transfer_ids=list(a.transfer_ids or []),
        status=a.status,
        case_id=a.case_id,
    )


def _case_out(c: svc.AmlCase) -> dict[str, Any]:
    return {
        "case_id": c.case_id,
        "title": c.title,
        "status": c.status,
        "priority": c.priority,
        "assignee": c.assignee,
        "opened_by": c.opened_by,
        "opened_at": int(c.opened_at.timestamp()),
        "grounds_of_suspicion": c.grounds_of_suspicion,
        "suspicion_established_on": c.suspicion_established_on,
        "close_reason": c.close_reason,
    }


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _detail(case_id: str, session: Session) -> CaseDetailOut:
    c = svc.get_case(case_id, session=session)
    return CaseDetailOut(
        **_case_out(c),
        alerts=[_alert_out(a) for a in svc.case_alerts(case_id, session=session)],
        notes=[
            {"author": n.author, "text": n.text, "at": _ts(n.created_at)}
            for n in svc.case_notes(case_id, session=session)
        ],
        evidence=[
            {"kind": e.kind, "reference": e.reference, "description": e.description}
            for e in svc.case_evidence(case_id, session=session)
        ],
        history=[
            {"actor": h.actor, "action": h.action, "at": _ts(h.at), "detail": str(h.detail)}
            for h in svc.case_history(case_id, session=session)
        ],
    )


@router.get("/aml/alerts", response_model=Collection[AlertOut])
def list_alerts(
    request: Request,
    db: DbDep,
    _staff: Compliance,
    status: Annotated[str | None, Query(max_length=12)] = None,
    typology: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 200,
) -> Collection[AlertOut]:
    """Alerts, highest risk first."""
    with _session(request, db, write=False) as session:
        items = [
            _alert_out(a)
            for a in svc.list_alerts(session=session, status=status, typology=typology, limit=limit)
        ]
    return Collection[AlertOut](count=len(items), items=items)


@router.get("/aml/cases", response_model=Collection[CaseOut])
def list_cases(
    request: Request,
    db: DbDep,
    _staff: Compliance,
    status: Annotated[str | None, Query(max_length=24)] = None,
) -> Collection[CaseOut]:
    with _session(request, db, write=False) as session:
        items = [CaseOut(**_case_out(c)) for c in svc.cases(session=session, status=status)]
    return Collection[CaseOut](count=len(items), items=items)


@router.post("/aml/cases", response_model=CaseDetailOut)
def open_case(body: OpenCaseIn, request: Request, db: DbDep, staff: Compliance) -> CaseDetailOut:
    """Open a case from one or more new alerts."""
    with _session(request, db, write=True) as session:
        case = svc.open_case(
            body.alert_ids, session=session, actor=staff.username, title=body.title
        )
        return _detail(case.case_id, session)


@router.get("/aml/cases/{case_id}", response_model=CaseDetailOut)
def get_case(case_id: str, request: Request, db: DbDep, _staff: Compliance) -> CaseDetailOut:
    with _session(request, db, write=False) as session:
        return _detail(case_id, session)


@router.post("/aml/cases/{case_id}/assign", response_model=CaseDetailOut)
def assign_case(
    case_id: str, body: AssignCaseIn, request: Request, db: DbDep, staff: Compliance
) -> CaseDetailOut:
    with _session(request, db, write=True) as session:
        svc.assign_case(case_id, body.assignee, session=session, actor=staff.username)
        return _detail(case_id, session)


@router.post("/aml/cases/{case_id}/notes", response_model=CaseDetailOut)
def add_note(
    case_id: str, body: NoteIn, request: Request, db: DbDep, staff: Compliance
) -> CaseDetailOut:
    with _session(request, db, write=True) as session:
        svc.add_note(case_id, body.text, session=session, actor=staff.username)
        return _detail(case_id, session)


@router.post("/aml/cases/{case_id}/escalate", response_model=CaseDetailOut)
def escalate_case(
    case_id: str, body: EscalateIn, request: Request, db: DbDep, staff: Compliance
) -> CaseDetailOut:
    """Suspicion established: the STR falls due 7 working days later."""
    with _session(request, db, write=True) as session:
        svc.escalate_case(
            case_id,
            body.grounds_of_suspicion,
            session=session,
            actor=staff.username,
            established_on=body.established_on,
        )
        return _detail(case_id, session)


@router.post("/aml/cases/{case_id}/close", response_model=CaseDetailOut)
def close_case(
    case_id: str, body: CloseIn, request: Request, db: DbDep, staff: Compliance
) -> CaseDetailOut:
    with _session(request, db, write=True) as session:
        svc.close_case(case_id, body.outcome, body.reason, session=session, actor=staff.username)
        return _detail(case_id, session)


@router.post("/aml/cases/{case_id}/str")
def generate_str(case_id: str, request: Request, db: DbDep, staff: Compliance) -> Response:
    """Generate the case's STR (FIU-IND XML, validated against the XSD) and return it."""
    from risk.aml.filing import write_str
    from risk.aml.fiu_reports import ReportError

    out = Path(request.app.state.settings.data_dir) / "reports" / f"STR-{case_id}.xml"
    try:
        with (
            _warehouse(request, required=True) as con,
            _session(request, db, write=True) as session,
        ):
            path, digest = write_str(
                case_id,
                out,
                session=session,
                con=con,  # type: ignore[arg-type]
                actor=staff.username,
                batch_date=datetime.now(IST).date(),
            )
    except ReportError as exc:
        raise ApiError(422, f"STR not generated: {exc}", reason="str_incomplete") from None
    return Response(
        path.read_bytes(),
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="STR-{case_id}.xml"',
            "X-Report-Sha256": digest,
        },
    )


@router.get("/aml/cases/{case_id}/summary")
def case_summary(case_id: str, request: Request, db: DbDep, _staff: Compliance) -> Response:
    """A readable HTML summary of the case."""
    from risk.aml.case_summary import render_case_html

    with (
        _warehouse(request, required=False) as con,
        _session(request, db, write=False) as session,
    ):
        html = render_case_html(case_id, session=session, con=con)
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/aml/due-dates", response_model=Collection[DueItemOut])
def due_dates(request: Request, db: DbDep, _staff: Compliance) -> Collection[DueItemOut]:
    """STRs and CTRs owed to FIU-IND, with their due dates, as of today (IST)."""
    from risk.aml.filing import due_items

    with (
        _warehouse(request, required=False) as con,
        _session(request, db, write=False) as session,
    ):
        items = due_items(session=session, con=con, today=datetime.now(IST).date())
    out = [DueItemOut(**i.__dict__) for i in items]
    return Collection[DueItemOut](count=len(out), items=out)
