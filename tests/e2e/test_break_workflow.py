"""Finance's break workflow through the CLI: decisions need reasons and survive rebuilds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from hisaab.cli import app
from pipelines.extract import extract_books
from pipelines.ingest import ingest_landing
from pipelines.recon.runner import run_recon
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("workflow")
    build_world(WorldConfig(days=2, merchants=10, payments=6_000, seed=21, discrepancy_scale=3), d)
    ingest_landing(d, run_gx=False)
    extract_books(d, run_gx=False)
    assert run_recon(d, d / "warehouse.duckdb").dbt.success
    return d


def _one_break(world: Path, kind: str) -> str:
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select break_id from marts.fct_recon_breaks where kind = ? order by break_id limit 1",
            [kind],
        ).fetchone()[0]


def _status(world: Path, break_id: str) -> tuple[str, str | None]:
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select status, status_reason from marts.fct_recon_breaks where break_id = ?",
            [break_id],
        ).fetchone()


def test_a_break_cannot_be_resolved_without_a_reason(world: Path) -> None:
    break_id = _one_break(world, "missing_in_gateway")
    result = runner.invoke(
        app, ["recon", "resolve", break_id[:12], "--reason", " ", "--data-dir", str(world)]
    )
    assert result.exit_code == 1
    assert "only with a reason" in result.output


def test_a_resolution_survives_the_next_rebuild_and_is_audited(world: Path) -> None:
    break_id = _one_break(world, "fee_mismatch")
    reason = "Razorpay refunded the excess fee in the next settlement"
    result = runner.invoke(
        app, ["recon", "resolve", break_id[:12], "--reason", reason, "--data-dir", str(world)]
    )
    assert result.exit_code == 0, result.output
    assert run_recon(world, world / "warehouse.duckdb").dbt.success  # a full rebuild
    assert _status(world, break_id) == ("resolved", reason)
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        events = con.execute(
            "select action, status, reason from workflow.break_events where break_id = ?",
            [break_id],
        ).fetchall()
    assert events == [("resolve", "resolved", reason)]  # decided in the OLTP, copied here


def test_the_break_queue_exports_to_csv_for_audit(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "breaks.csv"
    result = runner.invoke(
        app, ["recon", "breaks", "--status", "all", "--csv", str(out), "--data-dir", str(world)]
    )
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0].split(",")
    assert {"break_id", "kind", "amount_at_risk_paise", "age_business_days", "status"} <= set(
        header
    )
    assert len(out.read_text().splitlines()) > 10
