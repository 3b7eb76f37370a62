"""Idempotence and versions: re-running ``hisaab ingest`` on the same landing changes nothing, and
a changed file under the same name is a new version whose rows replace the old version's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from hisaab.cli import app
from pipelines.ingest import IngestContext, ingest_landing
from pipelines.manifest import Manifest
from tests.pipelines.ingest_support import build, replace_line, tree_digest

runner = CliRunner()
SMALL = {"days": 2, "merchants": 10, "payments": 4_000, "seed": 3}


def _ingest(data_dir: Path) -> int:
    result = runner.invoke(app, ["ingest", "--data-dir", str(data_dir), "--no-gx", "--quiet"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        "default": build(tmp_path_factory.mktemp("default"), **SMALL),
        "corrupt": build(tmp_path_factory.mktemp("corrupt"), **SMALL, corrupt=True),
    }


def _fresh_copy(world: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(world / "landing", data_dir / "landing")
    return data_dir


@pytest.mark.parametrize(("world", "exit_code"), [("default", 0), ("corrupt", 3)])
def test_reingesting_the_same_landing_changes_neither_manifest_nor_lake(
    tmp_path: Path, worlds: dict[str, Path], world: str, exit_code: int
) -> None:
    data_dir = _fresh_copy(worlds[world], tmp_path)
    assert _ingest(data_dir) == exit_code
    lake, kept = tree_digest(data_dir / "lake"), tree_digest(data_dir / "quarantine")
    assert "_manifest/manifest.parquet" in lake and len(lake) > 10
    second = _ingest(data_dir)
    assert tree_digest(data_dir / "lake") == lake  # manifest and every Parquet byte-identical
    assert tree_digest(data_dir / "quarantine") == kept
    assert second == exit_code  # a re-run reports the files still in quarantine again
    # Every file is skipped; the files still in quarantine say so.
    reports = ingest_landing(data_dir, run_gx=False)
    assert {r.outcome for r in reports} == {"skipped"}
    still = {r.landing_path for r in reports if r.previous_outcome != "loaded"}
    assert bool(still) == (world == "corrupt")
    assert tree_digest(data_dir / "lake") == lake


def _current(data_dir: Path, landing_path: str) -> pl.DataFrame:
    return (
        Manifest(data_dir / "lake")
        .frame.filter(pl.col("landing_path") == landing_path)
        .sort("version")
        .select("version", "is_current", "sha256", "outcome")
    )


def test_a_changed_file_under_the_same_name_is_version_2_and_replaces_the_old_rows(
    tmp_path: Path, worlds: dict[str, Path]
) -> None:
    data_dir = _fresh_copy(worlds["default"], tmp_path)
    assert _ingest(data_dir) == 0
    path = sorted((data_dir / "landing" / "razorpay").rglob("*.csv"))[-1]
    rel = str(path.relative_to(data_dir / "landing"))
    old = path.read_bytes()
    lines = old.rstrip(b"\n").split(b"\n")
    # The gateway re-sends the day's file: one line less, and a corrected description.
    new = replace_line(b"\n".join(lines[:-1]) + b"\n", 2, "description", "re-sent by gateway")
    path.write_bytes(new)
    assert _ingest(data_dir) == 0

    versions = _current(data_dir, rel)
    assert versions["version"].to_list() == [1, 2]
    assert versions["is_current"].to_list() == [False, True]
    old_sha, new_sha = versions["sha256"].to_list()
    moved = list((data_dir / "lake" / "_superseded").rglob(f"razorpay-{old_sha[:16]}*.parquet"))
    assert moved  # the old version's lake files were set aside, not deleted
    assert not list((data_dir / "lake").glob(f"*/*/razorpay-{old_sha[:16]}*.parquet"))
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        counts = dict(
            con.execute(
                "select file_sha256, count(*) from lake.razorpay_settlement_lines"
                " where file_sha256 in (?, ?) group by 1",
                [old_sha, new_sha],
            ).fetchall()
        )
        (description,) = con.execute(
            "select description from lake.razorpay_settlement_lines"
            " where file_sha256 = ? and source_row = 2",
            [new_sha],
        ).fetchone()  # type: ignore[misc]
    assert counts == {new_sha: len(lines) - 2}
    assert description == "re-sent by gateway"
    # And the new version is idempotent too.
    before = tree_digest(data_dir / "lake")
    assert _ingest(data_dir) == 0
    assert tree_digest(data_dir / "lake") == before


def test_a_corrected_version_of_a_file_retires_the_old_versions_quarantined_rows(
    tmp_path: Path, worlds: dict[str, Path]
) -> None:
    data_dir = _fresh_copy(worlds["default"], tmp_path)
    path = sorted((data_dir / "landing" / "payu").rglob("*.csv"))[-1]
    good = path.read_bytes()
    path.write_bytes(replace_line(good, 2, "amount", "12O.50"))
    assert _ingest(data_dir) == 3
    rel = str(path.relative_to(data_dir / "landing"))
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from ingest.quarantined_rows where landing_path = ?", [rel]
        ).fetchone() == (1,)
    path.write_bytes(good)  # PayU sends the corrected file under the same name
    assert _ingest(data_dir) == 0
    assert _current(data_dir, rel)["outcome"].to_list() == ["partially_quarantined", "loaded"]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from ingest.quarantined_rows where landing_path = ?", [rel]
        ).fetchone() == (0,)
        (n,) = con.execute(
            "select count(*) from lake.payu_settlement_lines l join ingest.manifest m"
            " on m.sha256 = l.file_sha256 where m.landing_path = ? and m.is_current",
            [rel],
        ).fetchone()  # type: ignore[misc]
    assert n == len(good.rstrip(b"\n").split(b"\n")) - 1
    assert list((data_dir / "quarantine" / "_superseded" / "rows").glob("payu-*.parquet"))


def test_changing_a_file_that_was_a_duplicate_leaves_the_originals_rows_alone(
    tmp_path: Path, worlds: dict[str, Path]
) -> None:
    data_dir = tmp_path / "data"
    landing = data_dir / "landing" / "razorpay" / "2026-11-03"
    landing.mkdir(parents=True)
    original = sorted((worlds["default"] / "landing" / "razorpay").rglob("*.csv"))[-1]
    (landing / "a.csv").write_bytes(original.read_bytes())
    (landing / "b.csv").write_bytes(original.read_bytes())  # the same file, sent twice
    ctx_args = {"data_dir": data_dir, "run_gx": False}
    first = {
        r.landing_path: r for r in ingest_landing(ctx=IngestContext(**ctx_args), data_dir=data_dir)
    }  # type: ignore[arg-type]
    assert first["razorpay/2026-11-03/b.csv"].reasons == {"duplicate_file": 1}
    rows_before = tree_digest(data_dir / "lake" / "razorpay_settlement_lines")
    # b.csv is replaced by a different (empty) file: a new version of b, quarantined.
    (landing / "b.csv").write_bytes(b"")
    second = {r.landing_path: r for r in ingest_landing(data_dir, run_gx=False)}
    assert second["razorpay/2026-11-03/b.csv"].reasons == {"empty_file": 1}
    assert tree_digest(data_dir / "lake" / "razorpay_settlement_lines") == rows_before
