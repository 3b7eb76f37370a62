"""The `hisaab` CLI: help on every command, doctor's advice, and simulate's summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hisaab.cli import app
from hisaab.doctor import run_checks
from hisaab.settings import Settings

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["doctor"], ["simulate"], ["version"]])
def test_every_command_explains_itself_with_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_simulate_builds_a_world_and_prints_its_summary_as_json(tmp_path: Path) -> None:
    args = ["simulate", "--days", "1", "--merchants", "5", "--payments", "3000", "--seed", "3"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["attempts"] == 3000
    assert summary["config"]["merchants"] == 5
    assert (tmp_path / "truth" / "discrepancies.parquet").exists()
    assert set(summary["files"]) >= {"razorpay", "payu", "ccavenue", "upi_switch", "bank_hdfc"}


def test_simulate_clean_reports_no_discrepancies(tmp_path: Path) -> None:
    args = ["simulate", "--days", "1", "--merchants", "5", "--payments", "3000", "--clean"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "clean: no discrepancies" in result.output
    assert "Injected discrepancies" in result.output


def test_simulate_rejects_a_bad_start_date_with_what_to_type(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "--start", "27/11/2026", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_doctor_says_what_to_do_when_a_configured_server_is_down(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql://127.0.0.1:1/none",
        redis_url="redis://127.0.0.1:1/0",
    )
    checks = {c.name: c for c in run_checks(settings)}
    assert not checks["postgres"].ok and "unset DATABASE_URL" in checks["postgres"].fix
    assert not checks["redis"].ok and "REDIS_URL" in checks["redis"].fix
    assert checks["data dir"].ok


def test_doctor_reaches_the_local_postgres_and_redis_when_they_run(tmp_path: Path) -> None:
    checks = {
        c.name: c
        for c in run_checks(
            Settings(
                data_dir=tmp_path,
                database_url="postgresql://postgres@127.0.0.1:5432/test",
                redis_url="redis://127.0.0.1:6379/0",
            )
        )
    }
    # .ci/run starts both servers when they are down; `make test` expects them (see README).
    assert checks["postgres"].ok, checks["postgres"].detail
    assert checks["redis"].ok, checks["redis"].detail


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HISAAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/1")
    s = Settings()
    assert s.data_dir == tmp_path
    assert s.warehouse == tmp_path / "warehouse.duckdb"
    assert s.redis_url == "redis://127.0.0.1:6379/1"
    assert s.oltp_url.startswith("sqlite:///")
