"""Structuring under the ₹10 lakh monthly CTR threshold, on a lake written by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import polars as pl

from risk.aml import monitoring
from risk.aml.rulebook import load_rules

LAKH = 100_000 * 100


def _lake(con: duckdb.DuckDBPyConnection, deposits: list[tuple[str, date, int]]) -> None:
    accounts = pl.DataFrame(
        {
            "account_id": ["acc_a1", "acc_a2", "acc_b1", "acc_cash"],
            "owner_type": ["customer", "customer", "customer", "external"],
            "owner_id": ["cust_a", "cust_a", "cust_b", None],
            "country": ["IN"] * 4,
            "mcc": [None] * 4,
            "opened_on": [date(2020, 1, 1)] * 4,
        }
    )
    transfers = pl.DataFrame(
        {
            "transfer_id": [f"trf_{i:014d}" for i in range(len(deposits))],
            "rail": "cash_load",
            "payer_account_id": "acc_cash",
            "payee_account_id": [a for a, _, _ in deposits],
            "amount_paise": [x for _, _, x in deposits],
            "is_cash": True,
            "status": "completed",
            "created_at": [datetime(d.year, d.month, d.day, 6, tzinfo=UTC) for _, d, _ in deposits],
            "business_date": [d for _, d, _ in deposits],
        }
    )
    con.execute("create schema lake")
    con.register("_a", accounts.to_arrow())
    con.register("_t", transfers.to_arrow())
    con.execute("create table lake.ledger_accounts as select * from _a")
    con.execute("create table lake.ledger_transfers as select * from _t")


def test_a_month_of_cash_split_over_connected_accounts_just_under_ten_lakh_is_flagged() -> None:
    # Person A: 9 deposits of ₹1.05 lakh over two accounts (₹9.45 lakh): under the CTR threshold.
    # Person B: 11 deposits of ₹1.05 lakh (₹11.55 lakh): over it, so reported in the CTR instead.
    a = [
        ("acc_a1" if i % 2 else "acc_a2", date(2026, 10, 2 + 3 * i), 105 * 1_000 * 100)
        for i in range(9)
    ]
    b = [("acc_b1", date(2026, 10, 2 + 2 * i), 105 * 1_000 * 100) for i in range(11)]
    rule = next(r for r in load_rules() if r.id == "structuring_monthly_ctr")
    with duckdb.connect() as con:
        _lake(con, a + b)
        monitoring.prepare(con, date(2026, 9, 1), date(2026, 11, 5))
        mid_month = monitoring.evaluate_rule(con, rule, date(2026, 10, 1), date(2026, 10, 30))
        month_end = monitoring.evaluate_rule(con, rule, date(2026, 10, 31), date(2026, 11, 5))
    assert mid_month.is_empty()  # judged when the month is complete
    assert month_end.select("entity_type", "entity_id", "business_date").rows() == [
        ("customer", "cust_a", date(2026, 10, 31))
    ]
    assert month_end["amount_paise"][0] == 9 * 105 * 1_000 * 100
    assert month_end["transfer_ids"][0].len() == 9  # noqa: PLR2004
