"""The helpers the DAGs call, without Airflow: which day a run reads, and what a task reports."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines import orchestration as orch
from pipelines.ingest import FileReport


def test_a_run_reads_the_landing_folder_of_its_ist_date() -> None:
    # 23:00 IST on 3 Nov is 17:30 UTC the same day; 00:30 IST on 4 Nov is 19:00 UTC on 3 Nov.
    assert orch.business_day(datetime(2026, 11, 3, 17, 30, tzinfo=UTC)) == date(2026, 11, 3)
    assert orch.business_day(datetime(2026, 11, 3, 19, 0, tzinfo=UTC)) == date(2026, 11, 4)
    with pytest.raises(ValueError):
        orch.business_day(None)


def test_gateways_and_banks_send_nothing_on_a_bank_holiday_but_upi_does() -> None:
    sunday = date(2026, 11, 8)
    assert not orch.expects_files("payu", sunday)
    assert not orch.expects_files("bank_hdfc", sunday)
    assert orch.expects_files("upi_switch", sunday)
    assert orch.expects_files("payu", date(2026, 11, 10))


def test_the_summary_names_each_file_its_reasons_and_the_files_quarantined_whole() -> None:
    ok = FileReport("razorpay/2026-11-03/a.csv", "razorpay", date(2026, 11, 3), "a" * 64, 10)
    ok.rows_in = ok.rows_loaded = 290
    partial = FileReport("payu/2026-11-03/b.csv", "payu", date(2026, 11, 3), "b" * 64, 10)
    partial.outcome = "partially_quarantined"
    partial.rows_in, partial.rows_loaded, partial.rows_quarantined = 10, 8, 2
    partial.reasons = {"bad_amount": 2}
    summary = orch.RunSummary("gateways 2026-11-03", [ok, partial])
    lines = summary.lines()
    assert lines[0].startswith("razorpay/2026-11-03/a.csv: loaded; rows in 290")
    assert "bad_amount×2" in lines[1]
    assert "rows in 300 = loaded 298 + quarantined 2" in lines[-1]
    assert '{"bad_amount": 2}' in lines[-1]
    summary.raise_if_quarantined()  # rows quarantined, no file refused whole: the task succeeds

    summary.quarantined = [orch.FileProblem("payu/2026-11-03/b.csv", "bad_encoding", "UTF-16")]
    assert summary.lines()[-1] == "QUARANTINED payu/2026-11-03/b.csv: bad_encoding (UTF-16)"
    with pytest.raises(orch.FileQuarantined, match="payu/2026-11-03/b.csv: bad_encoding"):
        summary.raise_if_quarantined()


def test_the_dbt_manifest_is_stale_once_the_project_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "manifest.json"
    monkeypatch.setenv("HISAAB_DBT_MANIFEST", str(manifest))
    assert orch.dbt_manifest_path() == manifest
    assert not orch.dbt_manifest_is_fresh()
    manifest.write_text("{}")
    assert orch.dbt_manifest_is_fresh()  # newer than every file of the project
    os.utime(manifest, (0, 0))
    assert not orch.dbt_manifest_is_fresh()
