"""The finance break workflow: assign, comment, resolve with a reason, write off — audited.

One code path for the CLI (``hisaab recon assign|resolve|write-off``) and the API
(``/v1/recon/breaks``): decisions are written to the OLTP database, which owns them; every action
appends a ``break_events`` row (who, what, when). dbt still joins the decisions by ``break_id``:
``pipelines.recon.workflow.refresh_from_oltp`` copies them into the warehouse's
``workflow.break_status`` / ``workflow.break_events`` before each recon run (and the CLI right
after a decision), so resolutions survive every rebuild as before.

The break must be in the current break queue (``marts.fct_recon_breaks``, read-only here); the
amount at risk at decision time is kept, so a resolved break whose amount changes reopens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.breaks import repository
from api.db import utcnow
from api.errors import ApiError
from api.recon.models import BreakEvent, BreakStatus
from pipelines.recon.workflow import NEEDS_REASON, STATUSES, DecisionClosed, WorkflowError

ACTIONS = ("assign", "comment", "resolve", "write_off", "reopen")
_ACTION_STATUS = {"resolve": "resolved", "write_off": "written_off", "reopen": "open"}


class BreakNotFound(LookupError):
    """No such break (or an ambiguous prefix) in the current break queue."""


@dataclass(frozen=True)
class QueueBreak:
    break_id: str
    amount_at_risk_paise: int


def _connect(warehouse: Path):  # type: ignore[no-untyped-def]
    import duckdb

    if not warehouse.exists():
        raise BreakNotFound("No break queue yet: run `hisaab recon` first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise BreakNotFound(f"The break queue cannot be read now: {exc}") from exc


def find_break(warehouse: Path, break_id: str) -> QueueBreak:
    """The break whose id is, or starts with, ``break_id`` in the current queue."""
    con = _connect(warehouse)
    try:
        rows = con.execute(
            "select break_id, amount_at_risk_paise from marts.fct_recon_breaks "
            "where starts_with(break_id, ?) limit 2",
            [break_id],
        ).fetchall()
    except Exception as exc:  # no marts yet
        raise BreakNotFound("No break queue yet: run `hisaab recon` first") from exc
    finally:
        con.close()
    if len(rows) != 1:
        raise BreakNotFound(
            f"{'No' if not rows else 'More than one'} break in the current queue matches {break_id!r}"
        )
    return QueueBreak(rows[0][0], int(rows[0][1]))


def is_reopened(decision: BreakStatus | None, amount_at_risk_paise: int | None) -> bool:
    """A resolution or write-off taken for another amount at risk than the break shows now: the
    break is open again (the rule dbt's ``fct_recon_breaks`` and the staff queue apply too)."""
    return (
        decision is not None
        and decision.status in NEEDS_REASON
        and decision.amount_at_risk_paise != amount_at_risk_paise
    )


def decide(
    db_session: Session,
    *,
    queue_break: QueueBreak,
    action: str,
    actor: str,
    reason: str | None = None,
    assignee: str | None = None,
    comment: str | None = None,
) -> BreakStatus:
    """Record one analyst action on a break; raises ``WorkflowError`` when it is not allowed."""
    if action not in ACTIONS:
        raise WorkflowError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    row = db_session.get(BreakStatus, queue_break.break_id, with_for_update=True)
    current = row.status if row else "open"
    status = _ACTION_STATUS.get(action, "investigating" if action == "assign" else current)
    if status not in STATUSES:  # pragma: no cover - the table above only holds known statuses
        raise WorkflowError(f"unknown status {status!r}")
    if status in NEEDS_REASON and not (reason and reason.strip()):
        raise WorkflowError(f"a break is {status.replace('_', ' ')} only with a reason")
    if action == "reopen" and not (reason and reason.strip()):
        raise WorkflowError("a break is reopened only with a reason")
    if action == "assign" and not (assignee and assignee.strip()):
        raise WorkflowError("assign needs the analyst to assign the break to")
    if action == "comment" and not (comment and comment.strip()):
        raise WorkflowError("a comment needs text")
    is_closed = (
        row is not None
        and row.status in NEEDS_REASON
        and not is_reopened(row, queue_break.amount_at_risk_paise)
    )
    if is_closed and action in ("assign", "resolve", "write_off"):
        raise DecisionClosed(
            f"break {queue_break.break_id} is already {row.status.replace('_', ' ')} "  # type: ignore[union-attr]
            "for this amount; reopen it first to change the decision"
        )
    now = utcnow()
    if row is None:
        row = BreakStatus(break_id=queue_break.break_id, status=status)
        db_session.add(row)
    row.status = status
    if action in ("resolve", "write_off", "reopen"):
        row.reason = reason
    if assignee:
        row.assignee = assignee
    row.amount_at_risk_paise = queue_break.amount_at_risk_paise
    row.updated_at = now
    db_session.add(
        BreakEvent(
            break_id=queue_break.break_id,
            action=action,
            status=status,
            reason=reason,
            assignee=assignee,
            comment=comment,
            actor=actor,
            happened_at=now,
        )
    )
    db_session.flush()
    return row


def events(db_session: Session, *, break_id: str) -> list[BreakEvent]:
    return list(
        db_session.scalars(
            select(BreakEvent).where(BreakEvent.break_id == break_id).order_by(BreakEvent.id)
        )
    )


def all_decisions(db_session: Session) -> list[repository.Decision]:
    """Every decision on record, to overlay on the warehouse's queue inside DuckDB."""
    return [
        tuple(r)  # type: ignore[misc]
        for r in db_session.execute(
            select(
                BreakStatus.break_id,
                BreakStatus.status,
                BreakStatus.reason,
                BreakStatus.assignee,
                BreakStatus.amount_at_risk_paise,
            )
        ).all()
    ]


def list_breaks(
    warehouse: Path,
    db_session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    assignee: str | None = None,
    merchant_id: str | None = None,
    min_age_business_days: int | None = None,
    count: int = 100,
    skip: int = 0,
) -> tuple[bool, str | None, list[dict[str, Any]]]:
    """The break queue from the marts with the OLTP decisions overlaid (the freshest status),
    filtered and paged in DuckDB by the staff queue's repository.

    Returns ``(available, message, rows)``; no warehouse yet is ``(False, hint, [])``.
    """
    flt = repository.QueueFilter(
        kinds=[kind] if kind is not None else [],
        statuses=[status] if status is not None else [],
        merchant_ids=[merchant_id] if merchant_id is not None else [],
        assignees=[assignee] if assignee is not None else [],
        min_age_business_days=min_age_business_days,
    )
    try:
        page = repository.queue_page(
            warehouse, all_decisions(db_session), flt, offset=skip, limit=count
        )
    except ApiError as exc:
        if exc.reason != "warehouse_not_built":
            raise
        return False, "No break queue yet: run `hisaab recon` first", []
    rows = []
    for r in page.rows:
        r = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in r.items()}
        r["status_reason"] = r.pop("reason")
        rows.append(r)
    return True, None, rows
