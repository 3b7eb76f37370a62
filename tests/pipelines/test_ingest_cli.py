"""``hisaab ingest --file`` and ``hisaab extract`` as a user runs them (typer's CliRunner).

A finance analyst hands over files downloaded from bank portals and gateway dashboards, with
whatever names the browser gave them: the format comes from the content. Exit status 0 when
everything loaded, 3 when anything was quarantined. ``hisaab extract`` moves our own books into
the lake the same way, visible in DuckDB.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from hisaab.cli import app
from pipelines.extract import BOOK_DATASETS
from pipelines.manifest import Manifest
from tests.pipelines.ingest_support import TINY_WORLD, build, sample_files, tree_digest

runner = CliRunner()
EXIT_QUARANTINED = 3

_PAISE = ("debit", "credit", "amount", "fee", "tax")
_EPOCHS = ("created_at", "settled_at", "posted_at")


def razorpay_json(csv_bytes: bytes) -> bytes:
    """The settlement recon API's answer for the same lines as a Razorpay CSV export."""
    items = []
    for row in pl.read_csv(csv_bytes, infer_schema=False).iter_rows(named=True):
        item: dict[str, object] = {}
        for k, v in row.items():
            if v in (None, ""):
                item[k] = None
            elif k in _PAISE or k in _EPOCHS:
                item[k] = int(v)
            elif k in ("on_hold", "settled"):
                item[k] = v in ("1", "true")
            elif k == "notes":
                item[k] = json.loads(v)
            else:
                item[k] = v
        items.append(item)
    doc = {"entity": "collection", "count": len(items), "items": items}
    return json.dumps(doc, indent=1).encode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tiny"), **TINY_WORLD)


@pytest.fixture(scope="module")
def handed_over(world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of every format under a meaningless name: expected format -> path."""
    folder = tmp_path_factory.mktemp("downloads")
    files = {fmt: path.read_bytes() for fmt, (_, path) in sample_files(world / "landing").items()}
    files["razorpay_json"] = razorpay_json(files["razorpay_csv"])
    out = {}
    for i, (fmt, data) in enumerate(sorted(files.items()), start=1):
        path = folder / (f"download ({i}).txt" if i % 2 else f"statement_{i}")
        path.write_bytes(data)
        out[fmt] = path
    return out


def _ingest_files(data_dir: Path, paths: list[Path]) -> tuple[int, str]:
    args = ["ingest", "--data-dir", str(data_dir), "--no-gx", "--quiet"]
    for p in paths:
        args += ["--file", str(p)]
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_every_format_handed_over_is_detected_from_its_content_not_its_name(
    tmp_path: Path, handed_over: dict[str, Path]
) -> None:
    assert set(handed_over) == {
        "razorpay_csv",
        "razorpay_json",
        "payu_csv",
        "ccavenue_csv",
        "upi_switch_csv",
        "upi_adjustment_csv",
        "mt940",
        "camt053",
        "bank_csv",
    }
    code, output = _ingest_files(tmp_path, list(handed_over.values()))
    assert code == 0, output
    manifest = Manifest(tmp_path / "lake").frame
    by_path = {
        p: (fmt, outcome, rows)
        for p, fmt, outcome, rows in manifest.select(
            "landing_path", "format", "outcome", "rows_loaded"
        ).iter_rows()
    }
    for fmt, path in handed_over.items():
        got_fmt, outcome, rows = by_path[str(path.resolve())]
        assert (got_fmt, outcome) == (fmt, "loaded"), path.name
        assert rows > 0, fmt
    # The CSV and the API's JSON of the same Razorpay lines load the same rows.
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        counts = con.execute(
            "select m.format, count(*) from lake.razorpay_settlement_lines l"
            " join ingest.manifest m on m.sha256 = l.file_sha256 group by all order by 1"
        ).fetchall()
        reports = con.execute("select count(*) from ingest.file_reports").fetchone()
    assert counts[0][1] == counts[1][1] and {c[0] for c in counts} == {
        "razorpay_csv",
        "razorpay_json",
    }
    assert reports == (len(handed_over),)


def test_handing_over_a_file_that_is_quarantined_exits_3_and_the_others_still_load(
    tmp_path: Path, handed_over: dict[str, Path]
) -> None:
    empty = tmp_path / "download (9).txt"
    empty.write_bytes(b"")
    good = handed_over["payu_csv"]
    code, output = _ingest_files(tmp_path / "data", [empty, good])
    assert code == EXIT_QUARANTINED, output
    outcomes = dict(
        Manifest(tmp_path / "data" / "lake").frame.select("landing_path", "outcome").iter_rows()
    )
    assert outcomes == {str(empty.resolve()): "quarantined", str(good.resolve()): "loaded"}


def test_handing_over_only_good_files_exits_0(tmp_path: Path, handed_over: dict[str, Path]) -> None:
    code, output = _ingest_files(tmp_path, [handed_over["mt940"], handed_over["camt053"]])
    assert code == 0, output


def _books_rows(world: Path, table: str) -> int:
    return sum(pl.read_parquet(p).height for p in (world / "books" / table).rglob("*.parquet"))


def test_extract_lands_every_books_table_in_the_lake_visible_in_duckdb_and_rerun_is_a_no_op(
    tmp_path: Path, world: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "books").symlink_to(world / "books", target_is_directory=True)
    args = ["extract", "--data-dir", str(data_dir), "--no-gx", "--quiet"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    lake = tree_digest(data_dir / "lake")
    books_files = sum(1 for _ in (world / "books").rglob("*.parquet"))
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        for table, dataset in BOOK_DATASETS.items():
            (n,) = con.execute(f"select count(*) from lake.{dataset}").fetchone()  # type: ignore[misc]
            # Every books table is in the lake (one this small world lacks: an empty view).
            assert n == _books_rows(world, table), dataset
        landed = {d for _, d in BOOK_DATASETS.items() if (data_dir / "lake" / d).is_dir()}
        assert (
            landed == {BOOK_DATASETS[t] for t in BOOK_DATASETS if _books_rows(world, t)}
            and len(landed) >= 6
        )
        stored = con.execute(
            "select count(*), sum(rows_in), sum(rows_quarantined) from ingest.file_reports"
        ).fetchone()
    assert stored is not None and stored[0] == books_files and stored[2] == 0
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "already in the lake" in second.output
    assert tree_digest(data_dir / "lake") == lake
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from ingest.file_reports").fetchone() == (books_files,)
