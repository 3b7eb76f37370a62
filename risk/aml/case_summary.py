"""A readable HTML summary of a case, for the compliance officer's file and the MLRO's review.

One self-contained page: the case and its status, the grounds of suspicion, the alerts with
their rules and scores, the transactions (amounts in Indian grouping), notes, evidence and the
full audit trail. Everything is escaped; nothing is fetched from outside.
"""

from __future__ import annotations

from html import escape

import duckdb
from sqlalchemy.orm import Session

from hisaab.money import format_inr
from risk.aml import cases as case_svc
from risk.aml.filing import _TXN_SQL, _frame


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none</td></tr>'}</tbody></table>"


def render_case_html(
    case_id: str, *, session: Session, con: duckdb.DuckDBPyConnection | None
) -> str:
    case = case_svc.get_case(case_id, session=session)
    alerts = case_svc.case_alerts(case_id, session=session)
    transfer_ids = sorted({t for a in alerts for t in a.transfer_ids})
    txn_rows: list[list[object]] = []
    if con is not None and transfer_ids:
        txns = _frame(
            con,
            _TXN_SQL
            + " where t.transfer_id in (select unnest(?::varchar[])) order by t.created_at",
            [transfer_ids],
        )
        txn_rows = [
            [
                r["transfer_id"],
                r["business_date"],
                r["rail"],
                r["payer_name"],
                r["payee_name"],
                format_inr(int(r["amount_paise"])),
                "cash" if r["is_cash"] else "",
            ]
            for r in txns.iter_rows(named=True)
        ]
    parts = [
        f"<h1>Case {escape(case.case_id)}</h1>",
        f"<p><b>{escape(case.title)}</b></p>",
        _table(
            ["status", "priority", "assignee", "opened by", "opened at", "suspicion established"],
            [
                [
                    case.status,
                    case.priority,
                    case.assignee or "—",
                    case.opened_by,
                    f"{case.opened_at:%Y-%m-%d %H:%M} UTC",
                    case.suspicion_established_on or "—",
                ]
            ],
        ),
        "<h2>Grounds of suspicion</h2>",
        f"<p>{escape(case.grounds_of_suspicion or 'Not yet established (case not escalated).')}</p>",
        "<h2>Alerts</h2>",
        _table(
            ["alert", "date", "entity", "risk", "rules", "summary"],
            [
                [
                    a.alert_id,
                    a.business_date,
                    a.entity_id,
                    f"{a.risk_score:.2f}",
                    ", ".join(a.rules),
                    a.summary,
                ]
                for a in alerts
            ],
        ),
        "<h2>Transactions</h2>",
        _table(["transfer", "date", "rail", "from", "to", "amount", ""], txn_rows),
        "<h2>Notes</h2>",
        _table(
            ["when", "who", "note"],
            [
                [f"{n.created_at:%Y-%m-%d %H:%M}", n.author, n.text]
                for n in case_svc.case_notes(case_id, session=session)
            ],
        ),
        "<h2>Evidence</h2>",
        _table(
            ["kind", "reference", "description", "added by"],
            [
                [e.kind, e.reference, e.description, e.added_by]
                for e in case_svc.case_evidence(case_id, session=session)
            ],
        ),
        "<h2>Audit trail</h2>",
        _table(
            ["when", "who", "action", "detail"],
            [
                [f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.detail]
                for e in case_svc.case_history(case_id, session=session)
            ],
        ),
    ]
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}"
        "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;"
        "padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Case "
        f"{escape(case.case_id)}</title><style>{style}</style></head><body>"
        + "".join(parts)
        + "</body></html>"
    )
