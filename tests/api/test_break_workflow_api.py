"""The finance break workflow over HTTP: decisions keyed by break id, reasons required, audited."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.api.staff import add_user, login


def write_break_queue(warehouse: Path, amounts: dict[str, int]) -> None:
    """A warehouse holding ``marts.fct_recon_breaks`` with these breaks (id → amount at risk)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("drop table if exists marts.fct_recon_breaks")
        con.execute(
            """create table marts.fct_recon_breaks (
                break_id varchar, kind varchar, recon varchar, severity varchar,
                amount_at_risk_paise bigint, first_seen_date date, age_business_days integer,
                gateway varchar, merchant_id varchar, payment_id varchar,
                gateway_payment_id varchar, refund_id varchar, settlement_id varchar,
                settlement_utr varchar, payout_id varchar, bank_utr varchar, rrn varchar,
                ledger_amount_paise bigint, external_amount_paise bigint, detail varchar,
                status varchar)"""
        )
        for i, (break_id, amount) in enumerate(amounts.items()):
            con.execute(
                "insert into marts.fct_recon_breaks values (?, ?, 'payin', 'high', ?, ?, 3, "
                "'razorpay', 'mer_1', ?, ?, null, null, null, null, null, null, ?, null, "
                "'missing in gateway file', 'open')",
                [
                    break_id,
                    "missing_in_gateway" if i % 2 == 0 else "amount_mismatch",
                    amount,
                    date(2026, 11, 5),
                    f"pay_{i}",
                    f"gw_{i}",
                    amount,
                ],
            )


@pytest.fixture
def finance(client, db, tmp_path):
    write_break_queue(tmp_path / "warehouse.duckdb", {"brk_a": 499_900, "brk_b": 12_000})
    add_user(db, "priya", "finance")
    return login(client, "priya")


def test_resolving_a_break_needs_a_reason_and_is_stored_and_audited(client, finance):
    r = client.post("/v1/staff/recon/breaks/brk_a/resolve", json={"reason": " "}, headers=finance)
    assert r.status_code == 400 and r.json()["error"]["field"] == "reason"
    r = client.post(
        "/v1/staff/recon/breaks/brk_a/resolve",
        json={"reason": "credited next day"},
        headers=finance,
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    open_ids = [
        b["break_id"]
        for b in client.get("/v1/staff/recon/breaks?status=open", headers=finance).json()["items"]
    ]
    assert open_ids == ["brk_b"]
    events = client.get("/v1/staff/recon/breaks/brk_a/events", headers=finance).json()["items"]
    assert [(e["action"], e["actor"]) for e in events] == [("resolve", "priya")]


def test_assign_comment_and_write_off_follow_the_statuses(client, finance):
    r = client.post(
        "/v1/staff/recon/breaks/brk_b/assign",
        json={"assignee": "ravi", "comment": "ask PayU"},
        headers=finance,
    )
    assert r.json()["status"] == "investigating" and r.json()["assignee"] == "ravi"
    client.post(
        "/v1/staff/recon/breaks/brk_b/comment", json={"comment": "PayU says T+3"}, headers=finance
    )
    r = client.post(
        "/v1/staff/recon/breaks/brk_b/write-off",
        json={"reason": "below threshold"},
        headers=finance,
    )
    assert r.json()["status"] == "written_off"
    again = client.post(
        "/v1/staff/recon/breaks/brk_b/resolve", json={"reason": "twice"}, headers=finance
    )
    assert again.status_code == 409
    actions = [
        e["action"]
        for e in client.get("/v1/staff/recon/breaks/brk_b/events", headers=finance).json()["items"]
    ]
    assert actions == ["assign", "comment", "write_off"]


def test_a_break_not_in_the_queue_is_404(client, finance):
    r = client.post("/v1/staff/recon/breaks/nope/resolve", json={"reason": "x"}, headers=finance)
    assert r.status_code == 404


def test_a_resolved_break_reopens_when_its_amount_at_risk_changes(client, finance, tmp_path):
    client.post("/v1/staff/recon/breaks/brk_a/resolve", json={"reason": "ok"}, headers=finance)
    write_break_queue(tmp_path / "warehouse.duckdb", {"brk_a": 500_000, "brk_b": 12_000})
    items = {
        b["break_id"]: b
        for b in client.get("/v1/staff/recon/breaks", headers=finance).json()["items"]
    }
    assert items["brk_a"]["status"] == "open" and "reopened" in items["brk_a"]["reason"]


def test_without_a_warehouse_the_queue_says_to_run_recon(client, db):
    add_user(db, "priya", "finance")
    r = client.get("/v1/staff/recon/breaks", headers=login(client, "priya"))
    assert r.status_code == 503 and "hisaab recon" in r.json()["error"]["description"]


@pytest.fixture
def finance_many(client, db, tmp_path):
    # 10 breaks: even i missing_in_gateway, odd amount_mismatch; amounts 1,000..10,000 rupees.
    write_break_queue(
        tmp_path / "warehouse.duckdb", {f"brk_{i:02d}": 100_000 * (i + 1) for i in range(10)}
    )
    add_user(db, "priya", "finance")
    return login(client, "priya")


def test_the_queue_is_filtered_and_paged_in_the_warehouse_with_the_filters_totals(
    client, finance_many
):
    client.post(
        "/v1/staff/recon/breaks/brk_09/write-off", json={"reason": "dup"}, headers=finance_many
    )
    client.post(
        "/v1/staff/recon/breaks/brk_07/resolve", json={"reason": "ok"}, headers=finance_many
    )
    body = client.get(
        "/v1/staff/recon/breaks",
        params={"kind": "amount_mismatch", "status": "open", "limit": 2, "offset": 1},
        headers=finance_many,
    ).json()
    # amount_mismatch = brk_01,03,05,07,09; open leaves 01,03,05 (largest first: 05,03,01)
    assert body["total"] == 3 and body["amount_at_risk_paise"] == 1_200_000
    assert [b["break_id"] for b in body["items"]] == ["brk_03", "brk_01"]
    assert body["count"] == 2 and body["offset"] == 1

    closed = client.get(
        "/v1/staff/recon/breaks",
        params=[("status", "resolved"), ("status", "written_off")],
        headers=finance_many,
    ).json()
    assert [(b["break_id"], b["status"], b["reason"]) for b in closed["items"]] == [
        ("brk_09", "written_off", "dup"),
        ("brk_07", "resolved", "ok"),
    ]
    found = client.get(
        "/v1/staff/recon/breaks", params={"q": "GW_4", "min_amount_paise": 1}, headers=finance_many
    ).json()
    assert [b["payment_id"] for b in found["items"]] == ["pay_4"]  # ids searched case-blind
    big = client.get(
        "/v1/staff/recon/breaks", params={"min_amount_paise": 900_000}, headers=finance_many
    ).json()
    assert big["total"] == 2


def test_the_summary_counts_breaks_and_amounts_per_kind_and_status(client, finance_many):
    client.post(
        "/v1/staff/recon/breaks/brk_09/write-off", json={"reason": "dup"}, headers=finance_many
    )
    body = client.get("/v1/staff/recon/break-summary", headers=finance_many).json()
    per = {
        (r["kind"], r["status"]): (r["breaks"], r["amount_at_risk_paise"]) for r in body["items"]
    }
    assert per == {
        ("amount_mismatch", "open"): (4, 200_000 + 400_000 + 600_000 + 800_000),
        ("amount_mismatch", "written_off"): (1, 1_000_000),
        ("missing_in_gateway", "open"): (5, 100_000 + 300_000 + 500_000 + 700_000 + 900_000),
    }
