"""Issue 3 acceptance on whole simulated worlds: every clean or merely discrepant world loads with
zero quarantined rows, and a corrupted world quarantines exactly what the simulator corrupted.

The ground truth is the simulator's ``truth/corruptions.parquet``: for every corruption the
landing file, the physical line (row corruptions), the outcome ingestion must reach and the
reason code. It is compared with three views of the result: the per-file reports, the
``quarantine/`` folder, and the warehouse's ``ingest.quarantined_rows`` view.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines import warehouse
from pipelines.ingest import FileReport, ingest_landing
from tests.pipelines.ingest_support import assert_accounting, build, lake_rows


def _ingest(data_dir: Path, *, run_gx: bool) -> dict[str, FileReport]:
    reports = ingest_landing(data_dir, run_gx=run_gx)
    assert_accounting(reports)
    with warehouse.connect(data_dir / "warehouse.duckdb") as con:
        warehouse.refresh_views(con, data_dir)
        warehouse.store_reports(con, reports)
    return {r.landing_path: r for r in reports}


@pytest.fixture(scope="module")
def clean_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, FileReport]]:
    out = build(tmp_path_factory.mktemp("clean"), clean=True)
    return out, _ingest(out, run_gx=True)  # Great Expectations on: it must agree


@pytest.fixture(scope="module")
def default_world(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, FileReport]]:
    out = build(tmp_path_factory.mktemp("default"))
    return out, _ingest(out, run_gx=False)


@pytest.fixture(scope="module")
def corrupt_world(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, FileReport], pl.DataFrame]:
    out = build(tmp_path_factory.mktemp("corrupt"), corrupt=True)
    reports = _ingest(out, run_gx=False)
    return out, reports, pl.read_parquet(out / "truth" / "corruptions.parquet")


def _assert_reports_stored(data_dir: Path, reports: dict[str, FileReport]) -> None:
    """Every file's report is in the warehouse, and each accounts for every row."""
    with warehouse.connect(data_dir / "warehouse.duckdb") as con:
        bad = con.execute(
            "select count(*) from ingest.file_reports where rows_in <> rows_loaded + rows_quarantined"
        ).fetchone()
        stored = con.execute("select count(*) from ingest.file_reports").fetchone()
    assert bad == (0,)
    assert stored == (len(reports),)


def _quarantined_view(data_dir: Path) -> pl.DataFrame:
    with warehouse.connect(data_dir / "warehouse.duckdb") as con:
        return warehouse.query_frame(
            con, "select landing_path, row_number, reason_code from ingest.quarantined_rows"
        )


def test_a_clean_world_loads_every_row_and_great_expectations_agrees(
    clean_world: tuple[Path, dict[str, FileReport]],
) -> None:
    out, reports = clean_world
    assert reports
    assert {r.outcome for r in reports.values()} == {"loaded"}
    assert sum(r.rows_quarantined for r in reports.values()) == 0
    assert sum(r.rows_loaded for r in reports.values()) > 10_000
    # GE validated every file that loaded rows, and found what the contract's row rules found.
    with_rows = [r for r in reports.values() if r.rows_loaded]
    assert with_rows and all(r.gx_success is True for r in with_rows), [
        (r.landing_path, r.gx_success, r.message) for r in with_rows if not r.gx_success
    ]
    assert _quarantined_view(out).height == 0
    assert not (out / "quarantine").exists() or not any((out / "quarantine").rglob("*.*"))
    _assert_reports_stored(out, reports)


def test_a_world_with_injected_discrepancies_still_loads_every_row(
    default_world: tuple[Path, dict[str, FileReport]],
) -> None:
    """Discrepancies (short settlements, fee mismatches, duplicates…) are recon's business:
    ingestion loads them all; a line settled twice is flagged, not quarantined."""
    out, reports = default_world
    assert {r.outcome for r in reports.values()} == {"loaded"}
    assert sum(r.rows_quarantined for r in reports.values()) == 0
    flagged = sum(r.duplicate_rows_flagged for r in reports.values())
    assert flagged > 0  # the default world settles some payments twice
    in_lake = sum(
        int(lake_rows(out, ds)["is_duplicate_in_file"].sum())
        for ds in (
            "razorpay_settlement_lines",
            "payu_settlement_lines",
            "ccavenue_settlement_lines",
        )
    )
    assert in_lake == flagged
    assert _quarantined_view(out).height == 0


def test_a_corrupted_world_quarantines_exactly_the_corrupted_files_with_their_reasons(
    corrupt_world: tuple[Path, dict[str, FileReport], pl.DataFrame],
) -> None:
    out, reports, truth = corrupt_world
    files = truth.filter(pl.col("expected_outcome") == "file_quarantined")
    assert files.height >= 10  # every whole-file kind of issue 3
    for path, reason, kind in files.select("landing_path", "expected_reason", "kind").iter_rows():
        r = reports[path]
        assert r.outcome == "quarantined", (kind, r)
        assert list(r.reasons) == [reason], (kind, r.reasons, r.message)
        assert r.rows_loaded == 0
        # The original bytes are kept, with a note of why.
        kept = out / "quarantine" / "files" / r.source / r.sha256[:16]
        assert (kept / Path(path).name).read_bytes() == (out / "landing" / path).read_bytes()
        assert json.loads((kept / "reason.json").read_text())["reason_code"] == reason
    expected_files = set(files["landing_path"])
    whole = {p for p, r in reports.items() if r.outcome == "quarantined"}
    assert whole == expected_files  # nothing else was refused whole
    _assert_reports_stored(out, reports)


def test_a_corrupted_world_quarantines_exactly_the_corrupted_rows_with_their_reasons(
    corrupt_world: tuple[Path, dict[str, FileReport], pl.DataFrame],
) -> None:
    out, reports, truth = corrupt_world
    rows = truth.filter(pl.col("expected_outcome") == "row_quarantined")
    assert rows.height >= 3
    view = _quarantined_view(out)
    expected = {(p, n) for p, n in rows.select("landing_path", "row_number").iter_rows()}
    assert {(p, n) for p, n in view.select("landing_path", "row_number").iter_rows()} == expected
    got = {(p, n): code for p, n, code in view.iter_rows()}
    for path, line, reason in rows.select(
        "landing_path", "row_number", "expected_reason"
    ).iter_rows():
        assert got[(path, line)].startswith(reason), (path, line, got[(path, line)])
        r = reports[path]
        assert r.outcome == "partially_quarantined"
    # The report of each damaged file counts exactly its quarantined rows, by reason.
    for path, group in rows.group_by("landing_path"):
        r = reports[path[0]]
        assert r.rows_quarantined == group.height
        assert sum(r.reasons.values()) == group.height
        kept = out / "quarantine" / "files" / r.source / r.sha256[:16] / Path(path[0]).name
        assert kept.read_bytes() == (out / "landing" / path[0]).read_bytes()
    # Nothing else anywhere was quarantined: the other files loaded every row.
    damaged = set(truth["landing_path"])
    for path, r in reports.items():
        if path not in damaged:
            assert r.outcome == "loaded" and r.rows_quarantined == 0, r


FLAG_COLUMNS = {"formula_text": "has_formula_text", "duplicate_row": "is_duplicate_in_file"}


def test_a_corrupted_world_loads_and_flags_formula_text_and_repeated_rows(
    corrupt_world: tuple[Path, dict[str, FileReport], pl.DataFrame],
) -> None:
    out, reports, truth = corrupt_world
    flagged = truth.filter(pl.col("expected_outcome") == "row_flagged")
    assert set(flagged["expected_reason"]) == set(FLAG_COLUMNS)
    for path, line, reason in flagged.select(
        "landing_path", "row_number", "expected_reason"
    ).iter_rows():
        r = reports[path]
        (dataset,) = r.datasets
        rows = lake_rows(out, dataset).filter(
            (pl.col("file_sha256") == r.sha256) & (pl.col("source_row") == line)
        )
        assert rows.height == 1, (path, line)
        assert rows[FLAG_COLUMNS[reason]].item() is True, (path, line, reason)
        if reason == "formula_text":
            assert rows["bankcode"].item().startswith("=HYPERLINK(")  # kept as the text it was
            assert r.formula_cells_flagged >= 1
        else:
            assert r.duplicate_rows_flagged == 1 and r.outcome == "loaded"


def test_a_corrupted_world_loads_files_with_extra_columns_or_in_windows_1252(
    corrupt_world: tuple[Path, dict[str, FileReport], pl.DataFrame],
) -> None:
    out, reports, truth = corrupt_world
    loaded = truth.filter(pl.col("expected_outcome") == "file_loaded")
    assert set(loaded["kind"]) == {"extra_column", "latin1_encoding"}
    for path, kind in loaded.select("landing_path", "kind").iter_rows():
        r = reports[path]
        assert r.outcome == "loaded" and r.rows_loaded == r.rows_in > 0, r
        if kind == "latin1_encoding":
            rows = lake_rows(out, "ccavenue_settlement_lines").filter(
                (pl.col("file_sha256") == r.sha256) & (pl.col("source_row") == 2)
            )
            assert rows["card_name"].item() == "Société Générale"
