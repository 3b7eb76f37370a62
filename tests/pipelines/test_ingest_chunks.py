"""Big settlement files are read in record-aligned chunks (bounded memory) and that never changes
a result: the same rows, flags, row numbers, quarantined rows and reasons as reading the file
whole. Tested on small files with tiny chunks (``stream_threshold_bytes``, ``chunk_bytes``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import data_contracts
from pipelines.formats import by_name
from pipelines.ingest import (
    FileReport,
    IngestContext,
    _DuplicateTracker,
    _parse_during_scan,
    _record_chunks,
    ingest_file,
)
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


# --- a chunk is parsed after its header line, without the copy that joins them ----------------


@pytest.mark.parametrize(
    "damage",
    ["none", "short_row", "stray_quote", "cut_mid_row"],
)
def test_a_chunk_parsed_after_its_header_line_gives_the_rows_of_header_plus_chunk(
    big_csv: bytes, damage: str
) -> None:
    """The chunked reader hands the parser the header line and the chunk apart; the rows, row
    numbers and rejects are those of the header and the chunk read as one file."""
    fmt = by_name("razorpay_csv")
    end = big_csv.find(b"\n") + 1
    header, body = big_csv[:end], big_csv[end:]
    lines = body.split(b"\n")
    if damage == "short_row":
        lines[40] = lines[40].rsplit(b",", 3)[0]  # three fields short
    elif damage == "stray_quote":
        lines[60] = lines[60].replace(b",payment,", b',pay"ment,', 1)
    body = b"\n".join(lines)
    if damage == "cut_mid_row":
        body = body.rstrip(b"\n")[:-25]
    apart = fmt.parse_chunk(header, body)
    joined = fmt.parse(header + body)
    table = apart.tables[DATASET]
    assert table.height > 1_000
    assert table.equals(joined.tables[DATASET])
    assert apart.rejects == joined.rejects
    assert apart.rows_in == joined.rows_in
    if damage != "none":
        assert apart.rejects  # the damage is found, with the line number of the joined file


def test_parsing_starts_during_the_scan_only_when_the_file_cannot_be_a_rerun_or_a_duplicate(
    tmp_path: Path, big_csv: bytes
) -> None:
    """A file of a size never recorded is neither a re-run nor a duplicate, so its chunks can be
    parsed while its sha256 is computed; once a file of that size is in the manifest, the scan
    comes first (a re-run is skipped without parsing a chunk)."""
    path = tmp_path / "big.csv"
    path.write_bytes(big_csv)
    ctx = IngestContext(
        data_dir=tmp_path / "data", run_gx=False, stream_threshold_bytes=1, chunk_bytes=CHUNK
    )
    early = _parse_during_scan(ctx, path, len(big_csv), "razorpay", "razorpay/x/big.csv")
    assert early is not None
    early.close()
    assert _parse_during_scan(ctx, path, len(big_csv), "payu", "payu/x/big.csv") is None

    first = ingest_file(
        ctx, path, landing_path="razorpay/x/big.csv", source="razorpay", folder_date=None
    )
    assert first.outcome == "partially_quarantined" and first.chunks > 1  # one bad amount
    assert _parse_during_scan(ctx, path, len(big_csv), "razorpay", "razorpay/x/big.csv") is None
    again = ingest_file(
        ctx, path, landing_path="razorpay/x/big.csv", source="razorpay", folder_date=None
    )
    assert again.outcome == "skipped" and again.chunks == 0
    copy = tmp_path / "copy.csv"
    copy.write_bytes(big_csv)
    dup = ingest_file(
        ctx, copy, landing_path="razorpay/x/copy.csv", source="razorpay", folder_date=None
    )
    assert dup.reasons == {"duplicate_file": dup.rows_in or 1} and dup.chunks == 0


def test_chunks_tile_the_file_after_its_header_with_physical_line_numbers(
    tmp_path: Path, big_csv: bytes
) -> None:
    """Every byte after the header is in exactly one chunk, each chunk ends at a record boundary
    (never inside the quoted field that spans two lines), and each chunk's first line number is
    its physical line in the file."""
    path = tmp_path / "big.csv"
    path.write_bytes(big_csv)
    with path.open("rb") as f:
        header = f.readline()
        chunks = list(_record_chunks(f, CHUNK))
    assert len(chunks) > 3
    assert header + b"".join(body for _, body, _ in chunks) == big_csv
    for first_line, body, newlines in chunks:
        assert body.count(b'"') % 2 == 0
        assert newlines.tolist() == [-1] + [i for i, b in enumerate(body) if b == ord("\n")]
        before = len(header) + sum(len(b) for n, b, _ in chunks if n < first_line)
        assert big_csv.count(b"\n", 0, before) + 1 == first_line


@pytest.mark.parametrize("slot_bits", [4, 10, 27])
def test_duplicate_flags_over_chunks_equal_the_contracts_flag_over_the_whole_file(
    slot_bits: int,
) -> None:
    """The slot map of fingerprints only narrows the rows looked up: with a tiny map (every slot
    shared by many keys and fingerprints) and a real one, the flags of a file fed in chunks are
    exactly the contract's ``duplicate_flag`` over the whole file, null keys included."""
    contract = data_contracts.load_contract(DATASET)

    class Tracker(_DuplicateTracker):
        SLOT_BITS = slot_bits

    rng = np.random.default_rng(slot_bits)
    n = 30_000
    ids = rng.integers(0, 12_000, n)  # many keys repeat, within and across chunks
    frame = pl.DataFrame(
        {
            "entity_id": [None if i % 997 == 0 else f"pay_{i:014d}" for i in ids],
            "type": rng.choice(["payment", "refund"], n).tolist(),
        }
    )
    expected = frame.select(data_contracts.duplicate_flag(contract)).to_series()
    tracker = Tracker(contract, remember=True)
    cuts = [0, 1, 2_000, 2_001, 9_000, 9_000, 17_500, 24_000, n]  # 9_000 twice: an empty chunk
    got = pl.concat(
        [tracker.flag(frame.slice(a, b - a)) for a, b in zip(cuts, cuts[1:], strict=False)]
    )
    assert got.sum() == expected.sum() > 10_000
    assert got.to_list() == expected.to_list()
