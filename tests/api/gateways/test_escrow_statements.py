"""Escrow statements for emulated settlements: one credit per UTR, in each bank's format."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from api.gateways.escrow import settlements_frame, write_escrow_statements
from api.gateways.settlement import write_settlement_files
from pipelines.ingest import ingest_landing
from tests.api.gateways.conftest import World, make_world
from tests.api.gateways.test_settlement_files import THURSDAY, TUESDAY, WEDNESDAY, emulate_day


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = make_world(tmp_path / "journal.sqlite3")
    emulate_day(w)
    return w


def test_gateway_files_and_escrow_statements_load_and_every_settlement_is_credited(
    world: World, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    for g in ("razorpay", "payu", "ccavenue"):
        for d in (WEDNESDAY, THURSDAY):
            write_settlement_files(g, d, data / "landing", journal=world.journal, seed=7)
    files = write_escrow_statements(
        TUESDAY, THURSDAY, data / "landing", journal=world.journal, seed=7
    )
    assert len(files) == 9, "three accounts, three days (Tuesday has no credits but a statement)"
    reports = ingest_landing(data, run_gx=False)
    assert [r for r in reports if r.outcome != "loaded" or r.rows_quarantined] == []
    lake = data / "lake"
    entries = pl.read_parquet(lake / "bank_statement_entries" / "**" / "*.parquet")
    settlements = settlements_frame(TUESDAY, THURSDAY, journal=world.journal, seed=7)
    assert settlements.height == 9, "3 gateways x 3 merchants"
    credits = entries.filter(pl.col("direction") == "CR")
    merged = settlements.join(
        credits.select("utr", "amount_paise"), left_on="settlement_utr", right_on="utr", how="left"
    )
    assert merged["amount_paise"].null_count() == 0, "every settlement UTR is on a statement"
    assert (merged["amount_paise"] == merged["net_paise"]).all()
    assert credits.height == settlements.height, "and nothing else was credited"


def test_statements_written_day_by_day_chain_their_balances(world: World, tmp_path: Path) -> None:
    whole = write_escrow_statements(
        TUESDAY, THURSDAY, tmp_path / "a", journal=world.journal, seed=7
    )
    parts = [
        *write_escrow_statements(TUESDAY, WEDNESDAY, tmp_path / "b", journal=world.journal, seed=7),
        *write_escrow_statements(THURSDAY, THURSDAY, tmp_path / "b", journal=world.journal, seed=7),
    ]
    assert sorted(p.relative_to(tmp_path / "a") for p in whole) == sorted(
        p.relative_to(tmp_path / "b") for p in parts
    )
    for p in whole:
        assert p.read_bytes() == (tmp_path / "b" / p.relative_to(tmp_path / "a")).read_bytes()


def test_a_short_credit_hook_changes_exactly_that_settlements_credit(
    world: World, tmp_path: Path
) -> None:
    settlements = settlements_frame(WEDNESDAY, WEDNESDAY, journal=world.journal, seed=7)
    victim = settlements.filter(pl.col("gateway") == "payu").row(0, named=True)
    files = write_escrow_statements(
        WEDNESDAY, WEDNESDAY, tmp_path, journal=world.journal, seed=7,
        credit_adjustments={victim["settlement_id"]: -5_000},
    )  # fmt: skip
    (icici,) = [f for f in files if f.parent.parent.name == "bank_icici"]
    assert icici.suffix == ".sta"
    text = icici.read_text()
    short = victim["net_paise"] - 5_000
    assert f"C{short // 100},{short % 100:02d}NTRF" in text, "MT940 :61: amount with comma decimals"
    with pytest.raises(KeyError, match="not in range"):
        write_escrow_statements(
            WEDNESDAY, WEDNESDAY, tmp_path / "x", journal=world.journal, seed=7,
            credit_adjustments={"setl_NotThere": 1},
        )  # fmt: skip
