"""Alerts worked into cases by the compliance officer, every action audited (SQLAlchemy 2).

The OLTP side of AML: alerts from the daily batch and from screening are published here; a
compliance officer opens a case from one or more alerts, assigns it, adds notes and evidence,
escalates it once suspicion is established (that date starts the 7-working-day STR clock) and
closes it as a false positive or as reported (only once an STR was generated for it). Each of
those actions writes an ``aml_audit_events`` row in the same transaction.

Tables are this module's own (``aml_*``) in the OLTP database: SQLite under the data dir by
default, Postgres when ``DATABASE_URL`` is set. Service functions take a keyword-only
``session`` and never commit: the caller (CLI, API route, test) owns the transaction. The API
routes are not wired yet (the API lives on another branch).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from hisaab.calendar import ist_date
from hisaab.ids import new_id

CASE_STATUSES = ("open", "assigned", "escalated", "closed_false_positive", "closed_reported")
CLOSED = frozenset({"closed_false_positive", "closed_reported"})
ALERT_STATUSES = ("new", "in_case", "closed")
EVIDENCE_KINDS = ("transfer", "account", "document", "screening", "note")


class Base(DeclarativeBase):
    pass


class AmlAlert(Base):
    __tablename__ = "aml_alerts"
    alert_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    risk_score: Mapped[float] = mapped_column(Float)
    priority: Mapped[str] = mapped_column(String(10))
    rules: Mapped[list[str]] = mapped_column(JSON)
    typologies: Mapped[list[str]] = mapped_column(JSON)
    amount_paise: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text)
    transfer_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("aml_cases.case_id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AmlCase(Base):
    __tablename__ = "aml_cases"
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), index=True)
    priority: Mapped[str] = mapped_column(String(10))
    assignee: Mapped[str | None] = mapped_column(String(80))
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    grounds_of_suspicion: Mapped[str | None] = mapped_column(Text)
    suspicion_established_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)


class AmlCaseNote(Base):
    __tablename__ = "aml_case_notes"
    note_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("aml_cases.case_id"), index=True)
    author: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AmlCaseEvidence(Base):
    __tablename__ = "aml_case_evidence"
    evidence_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("aml_cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AmlReport(Base):
    __tablename__ = "aml_reports"
    report_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))  # STR or CTR
    case_id: Mapped[str | None] = mapped_column(ForeignKey("aml_cases.case_id"), index=True)
    period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM for a CTR
    due_on: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    generated_by: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(Text)


class AmlAuditEvent(Base):
    __tablename__ = "aml_audit_events"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)
    alert_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)


class CaseError(ValueError):
    """A case action that the workflow does not allow (the message says why)."""


class NotFound(LookupError):
    """No such case or alert."""


def make_engine(url: str) -> Engine:
    """An engine on ``url`` with the AML tables created (SQLite or Postgres)."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    Base.metadata.create_all(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    maker = sessionmaker(engine, expire_on_commit=False)
    with maker() as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def _now() -> datetime:
    return datetime.now(UTC)


def _audit(
    session: Session,
    actor: str,
    action: str,
    case_id: str | None = None,
    alert_id: str | None = None,
    **detail: Any,
) -> None:
    if not actor or not actor.strip():
        raise CaseError("every action needs the name of who did it (actor)")
    session.add(
        AmlAuditEvent(
            at=_now(),
            actor=actor,
            action=action,
            case_id=case_id,
            alert_id=alert_id,
            detail=json.dumps(detail, default=str, sort_keys=True),
        )
    )


def publish_alerts(alerts: pl.DataFrame, *, session: Session, actor: str = "aml-batch") -> int:
    """Insert new alerts and refresh the scores of ones still ``new``; returns inserted count.

    An alert already in a case keeps what the officer saw when the case was opened.
    """
    ids = alerts["alert_id"].to_list()
    existing = (
        {
            a.alert_id: a
            for a in session.scalars(select(AmlAlert).where(AmlAlert.alert_id.in_(ids))).all()
        }
        if ids
        else {}
    )
    inserted = 0
    for r in alerts.iter_rows(named=True):
        row = existing.get(r["alert_id"])
        fields = {
            "source": r["source"],
            "entity_type": r["entity_type"],
            "entity_id": r["entity_id"],
            "business_date": r["business_date"],
            "risk_score": float(r["risk_score"]),
            "priority": r["priority"],
            "rules": list(r["rules"] or []),
            "typologies": list(r["typologies"] or []),
            "amount_paise": r["amount_paise"],
            "summary": r["summary"] or "",
            "transfer_ids": list(r["transfer_ids"] or []),
        }
        if row is None:
            session.add(
                AmlAlert(alert_id=r["alert_id"], status="new", published_at=_now(), **fields)
            )
            inserted += 1
        elif row.status == "new":
            for k, v in fields.items():
                setattr(row, k, v)
    if inserted:
        _audit(session, actor, "alerts_published", inserted=inserted, total=alerts.height)
    return inserted


def list_alerts(
    *,
    session: Session,
    status: str | None = None,
    source: str | None = None,
    entity_id: str | None = None,
    typology: str | None = None,
    since: date | None = None,
    until: date | None = None,
    min_score: float | None = None,
    limit: int = 100,
) -> list[AmlAlert]:
    """Alerts filtered, highest risk first."""
    q = select(AmlAlert)
    if status:
        q = q.where(AmlAlert.status == status)
    if source:
        q = q.where(AmlAlert.source == source)
    if entity_id:
        q = q.where(AmlAlert.entity_id == entity_id)
    if since:
        q = q.where(AmlAlert.business_date >= since)
    if until:
        q = q.where(AmlAlert.business_date <= until)
    if min_score is not None:
        q = q.where(AmlAlert.risk_score >= min_score)
    q = q.order_by(AmlAlert.risk_score.desc(), AmlAlert.business_date, AmlAlert.alert_id)
    rows = list(session.scalars(q).all())
    if typology:  # JSON containment differs per engine: filter in Python, alerts are few
        rows = [a for a in rows if typology in (a.typologies or [])]
    return rows[:limit]


def get_case(case_id: str, *, session: Session) -> AmlCase:
    case = session.get(AmlCase, case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case


def _open_case_or_raise(case_id: str, session: Session) -> AmlCase:
    case = get_case(case_id, session=session)
    if case.status in CLOSED:
        raise CaseError(f"case {case_id} is {case.status}; a closed case cannot change")
    return case


def open_case(
    alert_ids: Sequence[str], *, session: Session, actor: str, title: str | None = None
) -> AmlCase:
    """Open a case from one or more alerts that are not in another open case."""
    if not alert_ids:
        raise CaseError("a case is opened from at least one alert")
    alerts = []
    for aid in dict.fromkeys(alert_ids):
        alert = session.get(AmlAlert, aid)
        if alert is None:
            raise NotFound(f"no alert {aid!r}")
        if alert.status != "new":
            raise CaseError(f"alert {aid} is already {alert.status} (case {alert.case_id})")
        alerts.append(alert)
    case = AmlCase(
        case_id=new_id("case"),
        title=title
        or f"{', '.join(sorted({t for a in alerts for t in a.typologies}) or ['alert'])}: "
        f"{', '.join(sorted({a.entity_id for a in alerts}))}",
        status="open",
        priority="high" if any(a.priority == "high" for a in alerts) else "normal",
        opened_by=actor,
        opened_at=_now(),
    )
    session.add(case)
    session.flush()
    for a in alerts:
        a.status = "in_case"
        a.case_id = case.case_id
    _audit(session, actor, "case_opened", case.case_id, alerts=[a.alert_id for a in alerts])
    return case


def assign_case(case_id: str, assignee: str, *, session: Session, actor: str) -> AmlCase:
    case = _open_case_or_raise(case_id, session)
    if not assignee.strip():
        raise CaseError("assign to someone: the assignee is empty")
    previous = case.assignee
    case.assignee = assignee
    if case.status == "open":
        case.status = "assigned"
    _audit(session, actor, "case_assigned", case_id, assignee=assignee, previous=previous)
    return case


def add_note(case_id: str, text: str, *, session: Session, actor: str) -> AmlCaseNote:
    _open_case_or_raise(case_id, session)
    if not text.strip():
        raise CaseError("a note needs text")
    note = AmlCaseNote(case_id=case_id, author=actor, text=text.strip(), created_at=_now())
    session.add(note)
    _audit(session, actor, "note_added", case_id, text=text.strip())
    return note


def add_evidence(
    case_id: str, kind: str, reference: str, description: str, *, session: Session, actor: str
) -> AmlCaseEvidence:
    _open_case_or_raise(case_id, session)
    if kind not in EVIDENCE_KINDS:
        raise CaseError(f"evidence kind {kind!r} unknown; use one of {', '.join(EVIDENCE_KINDS)}")
    if not reference.strip():
        raise CaseError("evidence needs a reference (transfer id, account id, document name)")
    ev = AmlCaseEvidence(
        case_id=case_id,
        kind=kind,
        reference=reference.strip(),
        description=description.strip(),
        added_by=actor,
        added_at=_now(),
    )
    session.add(ev)
    _audit(session, actor, "evidence_added", case_id, kind=kind, reference=reference)
    return ev


def escalate_case(
    case_id: str,
    grounds_of_suspicion: str,
    *,
    session: Session,
    actor: str,
    established_on: date | None = None,
) -> AmlCase:
    """Suspicion is established: record the grounds; the STR is due 7 working days later."""
    case = _open_case_or_raise(case_id, session)
    if len(grounds_of_suspicion.strip()) < 20:
        raise CaseError(
            "grounds of suspicion must say, in a sentence or more, why (20+ characters)"
        )
    case.status = "escalated"
    case.grounds_of_suspicion = grounds_of_suspicion.strip()
    case.suspicion_established_on = established_on or ist_date(_now())
    _audit(
        session,
        actor,
        "case_escalated",
        case_id,
        established_on=case.suspicion_established_on,
        grounds=case.grounds_of_suspicion,
    )
    return case


def close_case(case_id: str, outcome: str, reason: str, *, session: Session, actor: str) -> AmlCase:
    """Close as ``false_positive`` or ``reported`` (the latter needs a generated STR)."""
    case = _open_case_or_raise(case_id, session)
    if outcome not in ("false_positive", "reported"):
        raise CaseError("outcome is false_positive or reported")
    if not reason.strip():
        raise CaseError("closing a case needs a reason")
    if outcome == "reported":
        has_str = session.scalar(
            select(func.count())
            .select_from(AmlReport)
            .where(AmlReport.case_id == case_id, AmlReport.kind == "STR")
        )
        if not has_str:
            raise CaseError(
                f"case {case_id} has no STR yet: generate it before closing as reported"
            )
    case.status = f"closed_{outcome}"
    case.closed_at = _now()
    case.close_reason = reason.strip()
    for alert in session.scalars(select(AmlAlert).where(AmlAlert.case_id == case_id)).all():
        alert.status = "closed"
    _audit(session, actor, "case_closed", case_id, outcome=outcome, reason=reason.strip())
    return case


def record_report(
    kind: str,
    *,
    session: Session,
    actor: str,
    sha256: str,
    due_on: date,
    case_id: str | None = None,
    period: str | None = None,
    path: str | None = None,
) -> AmlReport:
    report = AmlReport(
        report_id=new_id("rpt"),
        kind=kind,
        case_id=case_id,
        period=period,
        due_on=due_on,
        generated_at=_now(),
        generated_by=actor,
        sha256=sha256,
        path=path,
    )
    session.add(report)
    _audit(session, actor, f"{kind.lower()}_generated", case_id, period=period, sha256=sha256)
    return report


def case_alerts(case_id: str, *, session: Session) -> list[AmlAlert]:
    return list(
        session.scalars(
            select(AmlAlert).where(AmlAlert.case_id == case_id).order_by(AmlAlert.business_date)
        ).all()
    )


def case_history(case_id: str, *, session: Session) -> list[AmlAuditEvent]:
    return list(
        session.scalars(
            select(AmlAuditEvent)
            .where(AmlAuditEvent.case_id == case_id)
            .order_by(AmlAuditEvent.event_id)
        ).all()
    )


def case_notes(case_id: str, *, session: Session) -> list[AmlCaseNote]:
    return list(
        session.scalars(
            select(AmlCaseNote).where(AmlCaseNote.case_id == case_id).order_by(AmlCaseNote.note_id)
        ).all()
    )


def case_evidence(case_id: str, *, session: Session) -> list[AmlCaseEvidence]:
    return list(
        session.scalars(
            select(AmlCaseEvidence)
            .where(AmlCaseEvidence.case_id == case_id)
            .order_by(AmlCaseEvidence.evidence_id)
        ).all()
    )


def reports(*, session: Session, kind: str | None = None) -> list[AmlReport]:
    q = select(AmlReport).order_by(AmlReport.generated_at)
    if kind:
        q = q.where(AmlReport.kind == kind)
    return list(session.scalars(q).all())


def cases(*, session: Session, status: str | None = None) -> list[AmlCase]:
    q = select(AmlCase).order_by(AmlCase.opened_at)
    if status:
        q = q.where(AmlCase.status == status)
    return list(session.scalars(q).all())
