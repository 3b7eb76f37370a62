"""Alerts to cases on SQLite and on the local Postgres: the workflow and its audit trail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import polars as pl
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk.aml import cases as svc
from risk.aml.scoring import ALERT_SCHEMA

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        eng = svc.make_engine(f"sqlite:///{tmp_path_factory.mktemp('oltp') / 'oltp.sqlite3'}")
        yield eng
        eng.dispose()
        return
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the case workflow on Postgres too, but the server is down: {exc}")
        pytest.skip(f"no local Postgres server: {exc}")
    name = f"hisaab_aml_{uuid.uuid4().hex[:10]}"
    admin.execute(f'create database "{name}"')
    eng = svc.make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    try:
        yield eng
    finally:
        eng.dispose()
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.fixture
def engine(database: Engine) -> Engine:
    """The module's database, emptied before each test."""
    with database.begin() as con:
        for table in reversed(svc.Base.metadata.sorted_tables):
            con.execute(table.delete())
    return database


def _alerts(n: int = 3) -> pl.DataFrame:
    now = datetime.now(UTC)
    return pl.DataFrame(
        [
            {
                "alert_id": f"alrt_test{i:010d}",
                "source": "monitoring",
                "entity_type": "account",
                "entity_id": f"acc_subject{i}",
                "business_date": date(2026, 11, 2 + i),
                "risk_score": 0.9 - i / 10,
                "rule_score": 0.75,
                "anomaly_score": 0.5,
                "priority": "high" if i == 0 else "normal",
                "rules": ["fan_in"],
                "typologies": ["fan_in"],
                "amount_paise": 12_345_600,
                "summary": "15 payers (15 new) in 2 days",
                "transfer_ids": [f"trf_{i:014d}"],
                "created_at": now,
            }
            for i in range(n)
        ],
        schema=ALERT_SCHEMA,
    )


def _actions(engine: Engine, case_id: str) -> list[str]:
    with svc.session_scope(engine) as s:
        return [e.action for e in svc.case_history(case_id, session=s)]


def test_alerts_are_published_once_and_listed_by_filter(engine: Engine) -> None:
    with svc.session_scope(engine) as s:
        assert svc.publish_alerts(_alerts(), session=s) == 3
    with svc.session_scope(engine) as s:
        assert svc.publish_alerts(_alerts(), session=s) == 0  # re-publishing is a no-op
        assert len(svc.list_alerts(session=s)) == 3
        assert [a.alert_id for a in svc.list_alerts(session=s, min_score=0.75)] == [
            "alrt_test0000000000",
            "alrt_test0000000001",
        ]
        assert len(svc.list_alerts(session=s, since=date(2026, 11, 4))) == 1
        assert len(svc.list_alerts(session=s, typology="structuring")) == 0


def test_a_case_goes_from_alerts_to_reported_with_every_step_audited(engine: Engine) -> None:
    with svc.session_scope(engine) as s:
        svc.publish_alerts(_alerts(), session=s)
    with svc.session_scope(engine) as s:
        case = svc.open_case(
            ["alrt_test0000000000", "alrt_test0000000001"], session=s, actor="priya"
        )
        case_id = case.case_id
        assert case.priority == "high" and case.status == "open"
    with svc.session_scope(engine) as s:
        svc.assign_case(case_id, "arjun", session=s, actor="priya")
        svc.add_note(case_id, "Payers are unrelated; KYC says student.", session=s, actor="arjun")
        svc.add_evidence(
            case_id, "transfer", "trf_00000000000000", "largest credit", session=s, actor="arjun"
        )
        svc.escalate_case(
            case_id,
            "Mule account collecting from strangers and paying out the same night.",
            session=s,
            actor="arjun",
            established_on=date(2026, 11, 6),
        )
    with svc.session_scope(engine) as s, pytest.raises(svc.CaseError, match="no STR yet"):
        svc.close_case(case_id, "reported", "filed", session=s, actor="arjun")
    with svc.session_scope(engine) as s:
        svc.record_report(
            "STR",
            session=s,
            actor="arjun",
            sha256="0" * 64,
            due_on=date(2026, 11, 17),
            case_id=case_id,
        )
        svc.close_case(case_id, "reported", "STR filed with FIU-IND", session=s, actor="arjun")
    with svc.session_scope(engine) as s:
        case = svc.get_case(case_id, session=s)
        assert case.status == "closed_reported"
        assert case.suspicion_established_on == date(2026, 11, 6)
        assert {a.status for a in svc.case_alerts(case_id, session=s)} == {"closed"}
    assert _actions(engine, case_id) == [
        "case_opened",
        "case_assigned",
        "note_added",
        "evidence_added",
        "case_escalated",
        "str_generated",
        "case_closed",
    ]


def test_a_closed_case_cannot_change(engine: Engine) -> None:
    with svc.session_scope(engine) as s:
        svc.publish_alerts(_alerts(1), session=s)
        case_id = svc.open_case(["alrt_test0000000000"], session=s, actor="priya").case_id
        svc.close_case(
            case_id, "false_positive", "Salary run of a known employer", session=s, actor="priya"
        )
    with svc.session_scope(engine) as s, pytest.raises(svc.CaseError, match="closed"):
        svc.add_note(case_id, "late thought", session=s, actor="priya")


def test_an_alert_cannot_be_in_two_cases(engine: Engine) -> None:
    with svc.session_scope(engine) as s:
        svc.publish_alerts(_alerts(2), session=s)
        svc.open_case(["alrt_test0000000000"], session=s, actor="priya")
    with svc.session_scope(engine) as s, pytest.raises(svc.CaseError, match="already in_case"):
        svc.open_case(["alrt_test0000000000", "alrt_test0000000001"], session=s, actor="priya")
    with svc.session_scope(engine) as s:  # the failed attempt left nothing behind
        assert len(svc.cases(session=s)) == 1
        assert svc.list_alerts(session=s, status="new")[0].alert_id == "alrt_test0000000001"


def test_workflow_refuses_empty_reasons_unknown_evidence_and_missing_actors(engine: Engine) -> None:
    with svc.session_scope(engine) as s:
        svc.publish_alerts(_alerts(1), session=s)
        case_id = svc.open_case(["alrt_test0000000000"], session=s, actor="priya").case_id
    for call, match in (
        (
            lambda s: svc.close_case(case_id, "false_positive", " ", session=s, actor="priya"),
            "reason",
        ),
        (
            lambda s: svc.add_evidence(case_id, "rumour", "x", "", session=s, actor="priya"),
            "evidence kind",
        ),
        (lambda s: svc.escalate_case(case_id, "odd", session=s, actor="priya"), "grounds"),
        (lambda s: svc.add_note(case_id, "hello", session=s, actor=""), "actor"),
        (lambda s: svc.open_case(["alrt_nope"], session=s, actor="priya"), "no alert"),
    ):
        with (
            svc.session_scope(engine) as s,
            pytest.raises((svc.CaseError, svc.NotFound), match=match),
        ):
            call(s)
    with svc.session_scope(engine) as s:
        events = s.scalars(select(svc.AmlAuditEvent.action)).all()
    assert "case_closed" not in events and "evidence_added" not in events
