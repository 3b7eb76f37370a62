"""Big settlement files are read in record-aligned chunks (bounded memory) and that never changes
a result: the same rows, flags, row numbers, quarantined rows and reasons as reading the file
whole. Tested on small files with tiny chunks (``stream_threshold_bytes``, ``chunk_bytes``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest import FileReport, IngestContext, ingest_file
from pipelines.parsers.base import BAD_AMOUNT, LINE_TOO_LONG, TRUNCATED_FILE
from tests.pipelines.ingest_support import (
    TINY_WORLD,
    assert_accounting,
    build,
    lake_rows,
    quarantined_rows,
    sample_files,
)

DATASET = "razorpay_settlement_lines"
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """~1,500 Razorpay lines with what chunk cuts could break: a quoted field spanning lines,
    duplicates far apart, a bad amount, formula text and blank lines."""
    out = build(tmp_path_factory.mktemp("tiny"), **TINY_WORLD)
    _, path = sample_files(out / "landing")["razorpay_csv"]
    seed = pl.read_csv(path, infer_schema=False)
    reps = -(-1_500 // seed.height)
    frame = (
        pl.concat([seed] * reps)
        .with_row_index("_i")
        .with_columns(
            entity_id=pl.format("pay_{}", pl.col("_i").cast(pl.String).str.zfill(14)),
            description=pl.when(pl.col("_i") % 97 == 5)
            .then(pl.lit('a note,\nover "two" lines'))
            .when(pl.col("_i") == 700)
            .then(pl.lit('=HYPERLINK("http://evil.example")'))
            .otherwise(pl.col("description")),
            amount=pl.when(pl.col("_i") == 900).then(pl.lit("12O")).otherwise(pl.col("amount")),
        )
    )
    # The same entity settled again far later in the file (another chunk).
    frame = pl.concat([frame, frame.filter(pl.col("_i").is_in([3, 10, 400]))]).drop("_i")
    text = frame.write_csv()
    lines = text.split("\n")
    lines.insert(300, "")  # a blank line is not a row
    return "\n".join(lines).encode()


def _ingest(data_dir: Path, data: bytes, *, chunked: bool) -> FileReport:
    path = data_dir.parent / f"{data_dir.name}.csv"
    path.write_bytes(data)
    ctx = IngestContext(
        data_dir=data_dir,
        run_gx=False,
        stream_threshold_bytes=1 if chunked else 1 << 40,
        chunk_bytes=CHUNK,
    )
    report = ingest_file(
        ctx, path, landing_path="razorpay/2026-11-02/big.csv", source="razorpay", folder_date=None
    )
    ctx.manifest.save()
    assert_accounting([report])
    return report


def _same_result(tmp_path: Path, data: bytes) -> tuple[FileReport, FileReport]:
    whole = _ingest(tmp_path / "whole", data, chunked=False)
    chunked = _ingest(tmp_path / "chunked", data, chunked=True)
    assert whole.chunks == 1
    for attr in (
        "outcome",
        "rows_in",
        "rows_loaded",
        "rows_quarantined",
        "reasons",
        "datasets",
        "duplicate_rows_flagged",
        "formula_cells_flagged",
        "business_date",
        "sha256",
    ):
        assert getattr(chunked, attr) == getattr(whole, attr), attr
    a = lake_rows(tmp_path / "whole", DATASET).sort("source_row")
    b = lake_rows(tmp_path / "chunked", DATASET).sort("source_row")
    assert a.height == whole.rows_loaded
    assert a.equals(b)
    qa, qb = quarantined_rows(tmp_path / "whole"), quarantined_rows(tmp_path / "chunked")
    assert qa.equals(qb)
    return whole, chunked


def test_a_file_read_in_chunks_loads_exactly_what_reading_it_whole_loads(
    tmp_path: Path, big_csv: bytes
) -> None:
    whole, chunked = _same_result(tmp_path, big_csv)
    assert chunked.chunks >= len(big_csv) // CHUNK  # really read in chunks
    assert whole.duplicate_rows_flagged == 3  # duplicates across chunks are still duplicates
    assert whole.formula_cells_flagged == 1
    assert whole.reasons == {BAD_AMOUNT: 1}
    # Several lake parts per partition, one per chunk.
    parts = list((tmp_path / "chunked" / "lake" / DATASET).glob("*/razorpay-*-0000*.parquet"))
    assert parts
    assert not (tmp_path / "chunked" / "lake" / "_staging").exists()


def test_a_stray_quote_makes_chunking_fall_back_to_reading_the_file_whole(
    tmp_path: Path, big_csv: bytes
) -> None:
    lines = big_csv.split(b"\n")
    lines[50] = lines[50].replace(b",payment,", b',pay"ment,', 1)  # a quote inside a bare field
    whole, chunked = _same_result(tmp_path, b"\n".join(lines))
    assert chunked.chunks == 1  # the chunk cuts could not be trusted


def test_a_big_file_cut_mid_row_quarantines_only_the_cut_row(
    tmp_path: Path, big_csv: bytes
) -> None:
    cut = big_csv.rstrip(b"\n")[:-25]
    whole, chunked = _same_result(tmp_path, cut)
    assert chunked.chunks > 1
    assert whole.reasons == {BAD_AMOUNT: 1, TRUNCATED_FILE: 1}


def test_a_big_file_that_is_not_utf8_is_read_whole(tmp_path: Path, big_csv: bytes) -> None:
    latin1 = big_csv.replace(b"a note,", "a née,".encode("latin-1"), 1)
    whole, chunked = _same_result(tmp_path, latin1)
    assert chunked.chunks == 1


def test_an_overlong_line_deep_in_a_streamed_file_is_refused_with_its_line_number(
    tmp_path: Path, big_csv: bytes
) -> None:
    lines = big_csv.split(b"\n")
    lines[1000] = b"x" * 1_100_000
    report = _ingest(tmp_path / "data", b"\n".join(lines), chunked=True)
    assert report.reasons == {LINE_TOO_LONG: 1}
    assert "line 1001 " in report.message
