"""Break workflow rules: who may change a break, which actions need a reason, reopening.

Statuses: open, investigating, resolved, written_off. Resolving and writing off need a reason;
every action (including a comment) appends a ``break_events`` row in the same transaction as the
decision. A decision remembers the amount at risk it was taken on; when the warehouse later shows
a different amount the break counts as open again (``effective_status``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.breaks.models import BreakDecision, StaffBreakEvent
from api.db import utcnow
from api.errors import ApiError

STATUSES = ("open", "investigating", "resolved", "written_off")
ACTION_STATUS = {"assign": "investigating", "resolve": "resolved", "write_off": "written_off"}


def effective_status(row: dict[str, Any], decision: BreakDecision | None) -> dict[str, Any]:
    """The break as finance sees it: the warehouse row with the latest decision applied."""
    out = dict(row)
    out.setdefault("reason", None)
    out.setdefault("assignee", None)
    if decision is None:
        return out
    if decision.amount_at_risk_paise != row["amount_at_risk_paise"]:
        out["status"] = "open"  # the amount moved since the decision: look again
        out["reason"] = "reopened: amount at risk changed since the last decision"
        out["assignee"] = decision.assignee
        return out
    out["status"] = decision.status
    out["reason"] = decision.reason
    out["assignee"] = decision.assignee
    return out


def decisions_for(db_session: Session, break_ids: Iterable[str]) -> dict[str, BreakDecision]:
    ids = list(break_ids)
    out: dict[str, BreakDecision] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for d in db_session.scalars(select(BreakDecision).where(BreakDecision.break_id.in_(chunk))):
            out[d.break_id] = d
    return out


def all_decisions(db_session: Session) -> list[BreakDecision]:
    return list(db_session.scalars(select(BreakDecision).order_by(BreakDecision.updated_at)))


def events(db_session: Session, break_id: str) -> list[StaffBreakEvent]:
    return list(
        db_session.scalars(
            select(StaffBreakEvent)
            .where(StaffBreakEvent.break_id == break_id)
            .order_by(StaffBreakEvent.id)
        )
    )


def act(
    db_session: Session,
    brk: dict[str, Any],
    action: str,
    *,
    actor: str,
    reason: str | None = None,
    assignee: str | None = None,
    comment: str | None = None,
) -> BreakDecision | None:
    """Record one analyst action on a break that is in the current queue."""
    break_id = brk["break_id"]
    if action in ("resolve", "write_off") and not (reason and reason.strip()):
        raise ApiError(
            400,
            f"A break is {ACTION_STATUS[action].replace('_', ' ')} only with a reason",
            reason="reason_required",
            field="reason",
        )
    decision = db_session.get(BreakDecision, break_id)
    current = effective_status(brk, decision)["status"]
    if action in ACTION_STATUS and current in ("resolved", "written_off"):
        raise ApiError(
            409,
            f"Break {break_id} is already {current.replace('_', ' ')}",
            reason="break_closed",
        )
    now = utcnow()
    if action in ACTION_STATUS:
        status = ACTION_STATUS[action]
        if decision is None:
            decision = BreakDecision(break_id=break_id)
            db_session.add(decision)
        decision.status = status
        decision.reason = reason
        if assignee is not None:
            decision.assignee = assignee
        decision.amount_at_risk_paise = int(brk["amount_at_risk_paise"])
        decision.updated_by = actor
        decision.updated_at = now
    db_session.add(
        StaffBreakEvent(
            break_id=break_id,
            action=action,
            status=ACTION_STATUS.get(action),
            reason=reason,
            assignee=assignee,
            comment=comment,
            actor=actor,
            happened_at=now,
        )
    )
    db_session.flush()
    return decision
