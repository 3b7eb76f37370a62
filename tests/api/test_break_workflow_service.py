"""Finance's break workflow through the API: filters, assign, comment, resolve, write off, audit.

The queue itself comes from the warehouse's ``marts.fct_recon_breaks`` (read-only); decisions are
owned by the OLTP database and copied back into the warehouse for dbt's join by ``break_id``.
"""

from __future__ import annotations

import duckdb
import pytest

from api.breaks.repository import BREAK_COLUMNS
from pipelines.recon.workflow import ensure_tables, refresh_from_oltp, set_status
from tests.api.test_errors_and_health import assert_razorpay_error

BREAKS = [
    ("brk_aaaa1111", "settlement_short", 1_250_00, 5),
    ("brk_bbbb2222", "missing_in_gateway", 4_999_00, 1),
]


def _write_queue(warehouse, breaks=BREAKS):
    con = duckdb.connect(str(warehouse))
    con.execute("create schema if not exists marts")
    cols = ", ".join(
        f"{c} {'bigint' if c.endswith('_paise') or c == 'age_business_days' else 'varchar'}"
        for c in BREAK_COLUMNS
        if c != "first_seen_date"
    )
    con.execute(f"create or replace table marts.fct_recon_breaks ({cols}, first_seen_date date)")
    for break_id, kind, amount, age in breaks:
        con.execute(
            "insert into marts.fct_recon_breaks (break_id, kind, recon, severity, "
            "amount_at_risk_paise, age_business_days, merchant_id, first_seen_date) "
            "values (?, ?, 'payin', 'high', ?, ?, 'mer_x', date '2026-11-05')",
            [break_id, kind, amount, age],
        )
    con.close()


@pytest.fixture
def warehouse(app):
    path = app.state.settings.warehouse
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_queue(path)
    return path


def test_without_a_warehouse_the_queue_says_what_to_run(client, platform_auth):
    body = client.get("/v1/recon/breaks", headers=platform_auth).json()
    assert body["available"] is False and "hisaab recon" in body["message"]


def test_queue_lists_breaks_with_filters(client, platform_auth, warehouse):
    body = client.get("/v1/recon/breaks", headers=platform_auth).json()
    assert [b["break_id"] for b in body["items"]] == ["brk_bbbb2222", "brk_aaaa1111"]
    assert {b["status"] for b in body["items"]} == {"open"}
    aged = client.get("/v1/recon/breaks?min_age_business_days=3", headers=platform_auth).json()
    assert [b["break_id"] for b in aged["items"]] == ["brk_aaaa1111"]
    kind = client.get("/v1/recon/breaks?kind=missing_in_gateway", headers=platform_auth).json()
    assert kind["count"] == 1
    assert_razorpay_error(client.get("/v1/recon/breaks?status=closed", headers=platform_auth), 422)


def test_queue_pages_by_amount_at_risk_after_filtering(client, platform_auth, warehouse):
    """skip/count page the filtered queue, largest amount at risk first (paged in the
    warehouse, like the staff queue), and a status filter sees the OLTP's latest decision."""
    _write_queue(
        warehouse,
        [(f"brk_{i:04d}eeee", "amount_mismatch", (i + 1) * 100_00, i) for i in range(5)],
    )
    page = client.get("/v1/recon/breaks?count=2&skip=1", headers=platform_auth).json()
    assert [b["break_id"] for b in page["items"]] == ["brk_0003eeee", "brk_0002eeee"]
    client.post(
        "/v1/recon/breaks/brk_0004eeee/assign", json={"assignee": "asha"}, headers=platform_auth
    )
    mine = client.get(
        "/v1/recon/breaks?status=investigating&assignee=asha", headers=platform_auth
    ).json()
    assert [b["break_id"] for b in mine["items"]] == ["brk_0004eeee"]
    none = client.get("/v1/recon/breaks?merchant_id=mer_other", headers=platform_auth).json()
    assert none["available"] is True and none["items"] == []


def test_assign_comment_resolve_are_audited(client, platform_auth, warehouse):
    r = client.post(
        "/v1/recon/breaks/brk_aaaa/assign", json={"assignee": "priya"}, headers=platform_auth
    )
    assert r.status_code == 200 and r.json()["status"] == "investigating", r.text
    client.post(
        "/v1/recon/breaks/brk_aaaa1111/comment",
        json={"comment": "asked Razorpay for the UTR"},
        headers=platform_auth,
    )
    resolved = client.post(
        "/v1/recon/breaks/brk_aaaa1111/resolve",
        json={"reason": "credited next day, UTR HDFCN26314000001"},
        headers=platform_auth,
    )
    assert resolved.json()["status"] == "resolved" and resolved.json()["assignee"] == "priya"
    events = client.get("/v1/recon/breaks/brk_aaaa1111/events", headers=platform_auth).json()
    assert [e["action"] for e in events["items"]] == ["assign", "comment", "resolve"]
    assert all(e["actor"].startswith("rzp_live_") for e in events["items"])
    only = client.get("/v1/recon/breaks?status=resolved", headers=platform_auth).json()
    assert [b["break_id"] for b in only["items"]] == ["brk_aaaa1111"]
    mine = client.get("/v1/recon/breaks?assignee=priya", headers=platform_auth).json()
    assert mine["count"] == 1


def test_resolving_or_writing_off_needs_a_reason(client, platform_auth, warehouse):
    r = client.post("/v1/recon/breaks/brk_bbbb2222/write_off", json={}, headers=platform_auth)
    assert assert_razorpay_error(r, 422)["field"] == "reason"
    r = client.post(
        "/v1/recon/breaks/brk_bbbb2222/write_off", json={"reason": "   "}, headers=platform_auth
    )
    assert assert_razorpay_error(r, 400)["reason"] == "workflow_refused"


def test_unknown_or_ambiguous_break_is_404(client, platform_auth, warehouse):
    for break_id in ("brk_zzzz", "brk_"):
        r = client.post(
            f"/v1/recon/breaks/{break_id}/resolve", json={"reason": "x"}, headers=platform_auth
        )
        assert_razorpay_error(r, 404)


def test_a_resolved_break_whose_amount_changes_reopens(client, platform_auth, warehouse):
    client.post(
        "/v1/recon/breaks/brk_aaaa1111/resolve", json={"reason": "timing"}, headers=platform_auth
    )
    _write_queue(warehouse, [("brk_aaaa1111", "settlement_short", 2_000_00, 6)])
    (row,) = client.get("/v1/recon/breaks", headers=platform_auth).json()["items"]
    assert row["status"] == "open" and row["is_reopened"] is True


def test_decisions_are_copied_to_the_warehouse_for_dbt(client, db, platform_auth, warehouse):
    client.post(
        "/v1/recon/breaks/brk_bbbb2222/write_off",
        json={"reason": "below threshold"},
        headers=platform_auth,
    )
    con = duckdb.connect(str(warehouse))
    assert refresh_from_oltp(con, db.url) == 1
    assert con.execute("select break_id, status, reason from workflow.break_status").fetchall() == [
        ("brk_bbbb2222", "written_off", "below threshold")
    ]
    assert con.execute("select action from workflow.break_events").fetchall() == [("write_off",)]
    con.close()


def test_legacy_warehouse_decisions_are_adopted_into_the_oltp(client, db, platform_auth, warehouse):
    con = duckdb.connect(str(warehouse))
    ensure_tables(con)
    set_status(con, "brk_aaaa1111", "resolved", reason="decided before the move", actor="cli")
    assert refresh_from_oltp(con, db.url) == 1
    con.close()
    events = client.get("/v1/recon/breaks/brk_aaaa1111/events", headers=platform_auth).json()
    assert [(e["action"], e["reason"]) for e in events["items"]] == [
        ("set_status", "decided before the move")
    ]
    (row,) = [
        b
        for b in client.get("/v1/recon/breaks", headers=platform_auth).json()["items"]
        if b["break_id"] == "brk_aaaa1111"
    ]
    assert row["status"] == "resolved"


def test_a_final_decision_is_not_overwritten_until_the_break_is_reopened(
    client, platform_auth, warehouse
) -> None:
    base = "/v1/recon/breaks/brk_aaaa1111"
    assert client.post(f"{base}/write_off", json={"reason": "below ₹5,000"}, headers=platform_auth)
    again = client.post(f"{base}/resolve", json={"reason": "credited"}, headers=platform_auth)
    assert again.status_code == 409
    assert again.json()["error"]["reason"] == "decision_closed"
    assert "reopen" in again.json()["error"]["description"]
    no_reason = client.post(f"{base}/reopen", json={"reason": " "}, headers=platform_auth)
    assert no_reason.status_code in (400, 422)
    reopened = client.post(
        f"{base}/reopen", json={"reason": "bank says not credited"}, headers=platform_auth
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert (
        client.post(
            f"{base}/resolve", json={"reason": "credited"}, headers=platform_auth
        ).status_code
        == 200
    )
    assert (
        client.post(f"{base}/write_off", json={"reason": "x"}, headers=platform_auth).status_code
        == 409
    )
    # A new amount at risk makes it a new question: the analyst may decide again.
    _write_queue(warehouse, [("brk_aaaa1111", "settlement_short", 1_300_00, 6)])
    later = client.post(f"{base}/resolve", json={"reason": "credited"}, headers=platform_auth)
    assert later.status_code == 200, later.text
    assert later.json()["status"] == "resolved"
