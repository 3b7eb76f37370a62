"""From a case to an STR file, from a month's cash to a CTR file, and when each is due.

Serves the compliance officer's deadlines under PMLA: an STR within 7 working days of the
suspicion being established (the day the case was escalated), a CTR for each month by the
15th of the next. Working days come from the kernel's business calendar
(``hisaab.calendar``). Reports are built from the case (OLTP) and the lake (DuckDB), validated
against the XSD, written, and recorded (with their sha256 and due date) in ``aml_reports``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from hisaab.calendar import add_business_days, business_days_between
from risk.aml import cases as case_svc
from risk.aml.fiu_reports import (
    CTR_THRESHOLD_PAISE,
    Batch,
    Person,
    ReportBody,
    Suspicion,
    Transaction,
    build,
)

STR_WORKING_DAYS = 7
CTR_DAY_OF_NEXT_MONTH = 15
LAYERING = frozenset({"cycle", "scatter_gather", "rapid_pass_through", "fan_in", "fan_out"})


def str_due_on(established_on: date) -> date:
    return add_business_days(established_on, STR_WORKING_DAYS)


def ctr_due_on(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt.replace(day=CTR_DAY_OF_NEXT_MONTH)


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> pl.DataFrame:
    out = pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def _persons(accounts: pl.DataFrame, relation: str) -> list[Person]:
    return [
        Person(
            name=r["holder_name"],
            person_type="ENT" if r["owner_type"] == "merchant" else "IND",
            customer_id=r["owner_id"] or r["account_id"],
            account_id=r["account_id"],
            nationality=r["country"],
            relation=relation,
            date_of_birth=r["date_of_birth"],
        )
        for r in accounts.iter_rows(named=True)
    ]


def _transactions(txns: pl.DataFrame, subjects: set[str]) -> list[Transaction]:
    out = []
    for r in txns.iter_rows(named=True):
        debit = r["payer_account_id"] in subjects
        mine = r["payer_account_id"] if debit else r["payee_account_id"]
        other = "payee" if debit else "payer"
        out.append(
            Transaction(
                transaction_id=r["transfer_id"],
                at=r["created_at"],
                mode=r["rail"],
                debit_credit="D" if debit else "C",
                amount_paise=int(r["amount_paise"]),
                account_id=mine,
                counterparty_account=r[f"{other}_account_id"],
                counterparty_country=r[f"{other}_country"] or "IN",
                counterparty_name=r[f"{other}_name"],
                is_cash=bool(r["is_cash"]),
            )
        )
    return out


_TXN_SQL = """
select t.transfer_id, t.rail, t.created_at, t.amount_paise, t.is_cash, t.business_date,
    t.payer_account_id, p.holder_name as payer_name, p.country as payer_country,
    t.payee_account_id, q.holder_name as payee_name, q.country as payee_country
from lake.ledger_transfers t
left join lake.ledger_accounts p on p.account_id = t.payer_account_id
left join lake.ledger_accounts q on q.account_id = t.payee_account_id
"""


def str_batch_for_case(
    case_id: str, *, session: Session, con: duckdb.DuckDBPyConnection, batch_date: date
) -> Batch:
    """The STR batch of one case (built, not yet validated)."""
    case = case_svc.get_case(case_id, session=session)
    alerts = case_svc.case_alerts(case_id, session=session)
    evidence = case_svc.case_evidence(case_id, session=session)
    notes = case_svc.case_notes(case_id, session=session)
    entity_ids = sorted({a.entity_id for a in alerts})
    subjects = _frame(
        con,
        """select account_id, owner_type, owner_id, holder_name, country, date_of_birth
        from lake.ledger_accounts
        where account_id in (select unnest(?::varchar[])) or owner_id in (select unnest(?::varchar[]))
        order by account_id""",
        [entity_ids, entity_ids],
    )
    subject_ids = set(subjects["account_id"].to_list())
    transfer_ids = sorted(
        {t for a in alerts for t in a.transfer_ids}
        | {e.reference for e in evidence if e.kind == "transfer"}
    )
    txns = _frame(
        con,
        _TXN_SQL + " where t.transfer_id in (select unnest(?::varchar[])) order by t.created_at",
        [transfer_ids],
    ).filter(
        pl.col("payer_account_id").is_in(sorted(subject_ids))
        | pl.col("payee_account_id").is_in(sorted(subject_ids))
    )
    typologies = sorted({t for a in alerts for t in a.typologies})
    rules = sorted({r for a in alerts for r in a.rules})
    screening = any(a.source == "screening" for a in alerts)
    details = [f"{n.created_at:%Y-%m-%d} {n.author}: {n.text}" for n in notes]
    details += [f"evidence {e.kind} {e.reference}: {e.description}" for e in evidence]
    details += [f"alert {a.alert_id} ({a.business_date}): {a.summary}" for a in alerts]
    suspicion = Suspicion(
        source_of_alert="WL" if screening else "TM",
        alert_indicators=tuple(typologies or rules),
        grounds_of_suspicion=case.grounds_of_suspicion,
        details_of_investigation="\n".join(details) or None,
        complex_transactions=bool(set(typologies) & LAYERING),
        financing_of_terrorism=screening,
        priority="P1" if case.priority == "high" else "P2",
    )
    main = subjects["holder_name"][0] if subjects.height else None
    prior = len(case_svc.reports(session=session, kind="STR"))
    on = case.suspicion_established_on or batch_date
    return Batch(
        kind="STR",
        batch_number=prior + 1,
        month=on.month,
        year=on.year,
        batch_date=batch_date,
        reports=[
            ReportBody(
                main_person_name=main or "",
                persons=_persons(subjects, "subject"),
                transactions=_transactions(txns, subject_ids),
                suspicion=suspicion,
            )
        ],
    )


def write_str(
    case_id: str,
    out: Path,
    *,
    session: Session,
    con: duckdb.DuckDBPyConnection,
    actor: str,
    batch_date: date,
) -> tuple[Path, str]:
    """Build, validate, write and record the STR of a case; returns (path, sha256)."""
    batch = str_batch_for_case(case_id, session=session, con=con, batch_date=batch_date)
    xml = build(batch)  # raises ReportError naming what is missing; nothing is written
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(xml)
    digest = hashlib.sha256(xml).hexdigest()
    case = case_svc.get_case(case_id, session=session)
    case_svc.record_report(
        "STR",
        session=session,
        actor=actor,
        sha256=digest,
        due_on=str_due_on(case.suspicion_established_on or batch_date),
        case_id=case_id,
        path=str(out),
    )
    return out, digest


def ctr_batch(con: duckdb.DuckDBPyConnection, year: int, month: int, batch_date: date) -> Batch:
    """Everyone whose cash in the month reached ₹10 lakh across connected accounts."""
    first = date(year, month, 1)
    last = ctr_due_on(year, month).replace(day=1) - timedelta(days=1)
    cash = _frame(
        con,
        _TXN_SQL
        + """ join lake.ledger_accounts a on a.account_id = t.payee_account_id
        where t.is_cash and t.status = 'completed' and t.business_date between ? and ?
            and a.owner_type <> 'external'""",
        [first, last],
    )
    accounts = _frame(
        con,
        """select account_id, owner_type, coalesce(owner_id, account_id) as owner_id, holder_name,
            country, date_of_birth from lake.ledger_accounts where owner_type <> 'external'""",
        [],
    )
    cash = cash.join(
        accounts.select("account_id", pl.col("owner_id").alias("owner")),
        left_on="payee_account_id",
        right_on="account_id",
    )
    totals = cash.group_by("owner").agg(pl.col("amount_paise").sum().alias("cash_paise"))
    reportable = totals.filter(pl.col("cash_paise") >= CTR_THRESHOLD_PAISE).sort("owner")
    bodies = []
    for owner in reportable["owner"].to_list():
        own_accounts = accounts.filter(pl.col("owner_id") == owner)
        txns = cash.filter(pl.col("owner") == owner).sort("created_at")
        bodies.append(
            ReportBody(
                main_person_name=own_accounts["holder_name"][0],
                persons=_persons(
                    own_accounts.filter(
                        pl.col("account_id").is_in(txns["payee_account_id"].unique().to_list())
                    ),
                    "account holder",
                ),
                transactions=_transactions(txns, set(own_accounts["account_id"].to_list())),
            )
        )
    return Batch("CTR", 1, month, year, batch_date, bodies)


def write_ctr(
    year: int,
    month: int,
    out: Path,
    *,
    session: Session,
    con: duckdb.DuckDBPyConnection,
    actor: str,
    batch_date: date,
) -> tuple[Path, str, int]:
    """Build, validate, write and record the month's CTR; returns (path, sha256, reports)."""
    batch = ctr_batch(con, year, month, batch_date)
    xml = build(batch)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(xml)
    digest = hashlib.sha256(xml).hexdigest()
    case_svc.record_report(
        "CTR",
        session=session,
        actor=actor,
        sha256=digest,
        due_on=ctr_due_on(year, month),
        period=f"{year:04d}-{month:02d}",
        path=str(out),
    )
    return out, digest, len(batch.reports)


@dataclass(frozen=True)
class DueItem:
    kind: str  # STR or CTR
    reference: str  # case id or YYYY-MM
    starts_on: date  # suspicion established / month end
    due_on: date
    filed_on: date | None
    status: str  # filed, filed_late, due, overdue
    working_days_left: int | None


def _status(due: date, filed: date | None, today: date) -> tuple[str, int | None]:
    if filed is not None:
        return ("filed" if filed <= due else "filed_late"), None
    if today > due:
        return "overdue", -business_days_between(due, today)
    return "due", business_days_between(today, due)


def due_items(
    *, session: Session, con: duckdb.DuckDBPyConnection | None, today: date
) -> list[DueItem]:
    """Every STR owed (escalated cases) and every CTR owed (ended months with cash)."""
    items: list[DueItem] = []
    filed_str: dict[str, date] = {}
    filed_ctr: dict[str, date] = {}
    for r in case_svc.reports(session=session):
        on = r.generated_at.date()
        if r.kind == "STR" and r.case_id:
            filed_str.setdefault(r.case_id, on)
        elif r.kind == "CTR" and r.period:
            filed_ctr.setdefault(r.period, on)
    owed = session.scalars(
        select(case_svc.AmlCase).where(case_svc.AmlCase.suspicion_established_on.is_not(None))
    ).all()
    for c in owed:
        if c.status == "closed_false_positive":
            continue
        assert c.suspicion_established_on is not None
        due = str_due_on(c.suspicion_established_on)
        status, left = _status(due, filed_str.get(c.case_id), today)
        items.append(
            DueItem(
                "STR",
                c.case_id,
                c.suspicion_established_on,
                due,
                filed_str.get(c.case_id),
                status,
                left,
            )
        )
    if con is not None:
        months = con.sql(
            """select distinct year(business_date) as y, month(business_date) as m
            from lake.ledger_transfers where is_cash order by y, m"""
        ).fetchall()
        for y, m in months:
            month_end = ctr_due_on(y, m).replace(day=1) - timedelta(days=1)
            if month_end >= today:
                continue  # the month is not over: nothing owed yet
            period = f"{y:04d}-{m:02d}"
            due = ctr_due_on(y, m)
            status, left = _status(due, filed_ctr.get(period), today)
            items.append(
                DueItem("CTR", period, month_end, due, filed_ctr.get(period), status, left)
            )
    return sorted(items, key=lambda i: (i.due_on, i.kind, i.reference))
