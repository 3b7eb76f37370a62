"""Every bad input of issue 3, through the ingest layer (not just the parser): each ends in
quarantine with a clear reason code and its original bytes kept, or (duplicates, extra columns,
formula text, Latin-1) loads as the domain rule says, and ``rows_in = loaded + quarantined``.

The good files are a tiny simulated world's; each test damages a copy the way the real world does.
"""

from __future__ import annotations

import json
import re
import resource
import time
import tracemalloc
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import formats
from pipelines.formats import FileFormat
from pipelines.ingest import (
    DUPLICATE_FILE,
    PARSER_ERROR,
    WRONG_SOURCE,
    FileReport,
    IngestContext,
    ingest_file,
)
from pipelines.parsers.base import (
    BAD_AMOUNT,
    BAD_DATE,
    BAD_ENCODING,
    BALANCE_MISMATCH,
    EMPTY_FILE,
    INVALID_XML,
    LINE_TOO_LONG,
    MISSING_COLUMN,
    TRUNCATED_FILE,
    UNKNOWN_FORMAT,
    XML_ENTITY_FORBIDDEN,
)
from pipelines.simulator.corruption import BOMB
from tests.pipelines.ingest_support import (
    TINY_WORLD,
    assert_accounting,
    build,
    ingest_one,
    lake_rows,
    quarantined_rows,
    replace_line,
    sample_files,
    tree_digest,
)

MB = 1 << 20


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, bytes]]:
    """format -> (landing source, bytes of a good file)."""
    out = build(tmp_path_factory.mktemp("tiny"), **TINY_WORLD)
    return {
        fmt: (src, path.read_bytes()) for fmt, (src, path) in sample_files(out / "landing").items()
    }


def _data_lines(data: bytes) -> int:
    return len([line for line in data.split(b"\n")[1:] if line.strip()])


def _kept(data_dir: Path, report: FileReport, name: str) -> bytes:
    return (
        data_dir / "quarantine" / "files" / report.source / report.sha256[:16] / name
    ).read_bytes()


def _refused(data_dir: Path, data: bytes, reason: str, **kw: object) -> FileReport:
    """Ingest ``data``; it must be quarantined whole for ``reason`` with its bytes kept."""
    name = str(kw.pop("name", "file.csv"))
    report = ingest_one(data_dir, data, name=name, **kw)  # type: ignore[arg-type]
    assert report.outcome == "quarantined", report
    assert list(report.reasons) == [reason], (report.reasons, report.message)
    assert report.rows_loaded == 0 and report.message
    assert _kept(data_dir, report, name) == data
    note = json.loads(
        (
            data_dir / "quarantine" / "files" / report.source / report.sha256[:16] / "reason.json"
        ).read_text()
    )
    assert note["reason_code"] == reason
    assert not any((data_dir / "lake").glob("*/*/*.parquet"))  # nothing of it reached the lake
    return report


# --- whole files that cannot be read ---------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n\n\t "])
def test_an_empty_file_is_quarantined_as_empty_file(tmp_path: Path, data: bytes) -> None:
    _refused(tmp_path, data, EMPTY_FILE)


def test_two_different_empty_files_are_each_empty_not_a_duplicate_of_the_other(
    tmp_path: Path,
) -> None:
    _refused(tmp_path, b"", EMPTY_FILE, name="a.csv")
    report = ingest_one(tmp_path, b"", name="b.csv")
    assert list(report.reasons) == [EMPTY_FILE]


def test_a_csv_cut_mid_row_loads_the_complete_rows_and_quarantines_the_cut_one(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["razorpay_csv"]
    cut = data[: data.rstrip(b"\n").rfind(b"\n") + 40]  # 40 bytes into the last row
    report = ingest_one(tmp_path, cut, source=source)
    assert report.outcome == "partially_quarantined"
    assert report.reasons == {TRUNCATED_FILE: 1}
    assert report.rows_loaded == _data_lines(data) - 1
    (row,) = quarantined_rows(tmp_path).iter_rows(named=True)
    assert row["row_number"] == cut.count(b"\n") + 1
    assert row["raw"] == cut[cut.rfind(b"\n") + 1 :].decode()
    assert _kept(tmp_path, report, "file.csv") == cut


@pytest.mark.parametrize(("fmt", "reason"), [("camt053", INVALID_XML), ("mt940", TRUNCATED_FILE)])
def test_a_statement_cut_in_half_is_quarantined_whole(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]], fmt: str, reason: str
) -> None:
    source, data = samples[fmt]
    _refused(tmp_path, data[: len(data) // 2], reason, source=source, name="stmt")


@pytest.mark.parametrize("fmt", ["razorpay_csv", "payu_csv", "bank_csv"])
def test_a_utf16_export_is_quarantined_as_bad_encoding(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]], fmt: str
) -> None:
    source, data = samples[fmt]
    utf16 = data.decode("utf-8-sig").encode("utf-16")
    _refused(tmp_path, utf16, BAD_ENCODING, source=source)


def test_a_latin1_export_loads_with_its_accented_text_decoded_not_mangled(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    """Some merchant panels export Windows-1252/Latin-1: the parsers decode it (documented in
    ``pipelines.parsers.delimited``) rather than refuse a file whose money columns are ASCII."""
    source, data = samples["payu_csv"]
    latin1 = replace_line(data, 2, "bankcode", "CAFÉ BANK").decode().encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        latin1.decode("utf-8")
    report = ingest_one(tmp_path, latin1, source=source)
    assert report.outcome == "loaded" and report.rows_loaded == _data_lines(data)
    row = lake_rows(tmp_path, "payu_settlement_lines").filter(pl.col("source_row") == 2)
    assert row["bankcode"].item() == "CAFÉ BANK"


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["razorpay", None])
def test_a_renamed_column_quarantines_the_file_as_missing_column_naming_it(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]], source: str | None
) -> None:
    """Also when the file is handed over (no landing source): the damaged header still says
    Razorpay, so the user learns which column is missing, not just "unknown format"."""
    _, data = samples["razorpay_csv"]
    renamed = data.replace(b",fee,", b",fees,", 1)
    report = _refused(tmp_path, renamed, MISSING_COLUMN, source=source)
    assert "'fee'" in report.message
    assert report.format == "razorpay_csv"


def test_a_missing_column_quarantines_the_file_as_missing_column(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["payu_csv"]
    frame = pl.read_csv(data, infer_schema=False).drop("mer_utr")
    report = _refused(tmp_path, frame.write_csv().encode(), MISSING_COLUMN, source=source)
    assert "'mer_utr'" in report.message


def test_extra_columns_are_ignored_and_every_row_loads(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["ccavenue_csv"]
    frame = pl.read_csv(data, infer_schema=False).with_columns(
        Channel=pl.lit("web"), **{"Internal Note": pl.lit("x")}
    )
    report = ingest_one(tmp_path, frame.write_csv().encode(), source=source)
    assert report.outcome == "loaded" and report.rows_loaded == frame.height
    lake = lake_rows(tmp_path, "ccavenue_settlement_lines")
    assert lake.height == frame.height
    assert "Channel" not in lake.columns and "channel" not in lake.columns


def test_text_that_is_no_known_format_is_quarantined_as_unknown_format(tmp_path: Path) -> None:
    _refused(tmp_path, b"hello,world\n1,2\n", UNKNOWN_FORMAT, source="razorpay")


def test_a_gateway_file_under_another_gateways_folder_is_quarantined_as_wrong_source(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    _, data = samples["payu_csv"]
    report = _refused(tmp_path, data, WRONG_SOURCE, source="razorpay")
    assert "payu" in report.message


# --- the same file twice -----------------------------------------------------------------------


def test_the_same_bytes_under_another_name_are_quarantined_as_a_duplicate_file(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["razorpay_csv"]
    first = ingest_one(tmp_path, data, source=source, name="a.csv")
    assert first.outcome == "loaded"
    lake_before = lake_rows(tmp_path, "razorpay_settlement_lines").height
    again = ingest_one(tmp_path, data, source=source, name="a (1).csv")
    assert again.outcome == "quarantined" and list(again.reasons) == [DUPLICATE_FILE]
    assert "a.csv" in again.message
    assert _kept(tmp_path, again, "a (1).csv") == data
    assert lake_rows(tmp_path, "razorpay_settlement_lines").height == lake_before


def test_the_same_path_again_is_a_skipped_no_op(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["razorpay_csv"]
    ingest_one(tmp_path, data, source=source)
    before = tree_digest(tmp_path)
    again = ingest_one(tmp_path, data, source=source)
    assert again.outcome == "skipped" and again.previous_outcome == "loaded"
    assert again.rows_in == again.rows_loaded == again.rows_quarantined == 0
    assert tree_digest(tmp_path) == before  # manifest, lake and quarantine untouched


# --- bad values in rows -------------------------------------------------------------------------


def test_non_numeric_amounts_quarantine_only_their_rows_as_bad_amount(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["payu_csv"]
    data = replace_line(data, 2, "amount", "12O.50")  # a letter O typed for a zero
    data = replace_line(data, 3, "mer_service_fee", "1,2.3.4")
    report = ingest_one(tmp_path, data, source=source)
    assert report.outcome == "partially_quarantined"
    assert report.reasons == {BAD_AMOUNT: 2}
    rows = quarantined_rows(tmp_path)
    assert rows["row_number"].to_list() == [2, 3]
    assert "'12O.50'" in rows["message"][0]
    assert rows["raw"][0] == data.split(b"\n")[1].decode()
    assert report.rows_loaded == _data_lines(data) - 2


def test_a_non_numeric_razorpay_paise_value_is_a_bad_amount(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["razorpay_csv"]
    report = ingest_one(tmp_path, replace_line(data, 2, "amount", "1e5"), source=source)
    assert report.reasons == {BAD_AMOUNT: 1}


def test_a_negative_amount_where_the_contract_forbids_it_is_quarantined_by_the_contract(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["payu_csv"]
    data = replace_line(data, 4, "amount", "-250.00")
    report = ingest_one(tmp_path, replace_line(data, 4, "mer_net_amount", "-250.00"), source=source)
    (reason,) = report.reasons
    assert reason == "contract:payu_settlement_lines.amount_paise.range"
    (row,) = quarantined_rows(tmp_path).iter_rows(named=True)
    assert row["row_number"] == 4 and "-25000" in row["message"]
    assert row["raw"].split(",")[0] == data.split(b"\n")[3].decode().split(",")[0]


@pytest.mark.parametrize(
    ("fmt", "column", "value"),
    [
        ("payu_csv", "transaction_date", "2026-02-30 10:00:00"),
        ("payu_csv", "settlement_date", "2026-13-01"),
        ("ccavenue_csv", "Order Date", "31-02-2026 10:00:00"),
        ("razorpay_csv", "created_at", "17935584xx"),
    ],
)
def test_an_impossible_date_quarantines_its_row_as_bad_date(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]], fmt: str, column: str, value: str
) -> None:
    source, data = samples[fmt]
    report = ingest_one(tmp_path, replace_line(data, 2, column, value), source=source)
    assert report.reasons == {BAD_DATE: 1}
    assert quarantined_rows(tmp_path)["row_number"].to_list() == [2]


def test_a_file_whose_every_row_is_bad_is_quarantined_with_every_row_accounted_for(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["payu_csv"]
    frame = pl.read_csv(data, infer_schema=False).with_columns(amount=pl.lit("n/a"))
    report = ingest_one(tmp_path, frame.write_csv().encode(), source=source)
    assert report.outcome == "quarantined"
    assert report.rows_quarantined == report.rows_in == frame.height
    assert quarantined_rows(tmp_path).height == frame.height


# --- formula injection ----------------------------------------------------------------------------


FORMULAS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
]


def test_formula_text_is_stored_as_text_flagged_and_never_evaluated(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["payu_csv"]
    for i, text in enumerate(FORMULAS):
        data = replace_line(data, 2 + i, "bankcode", text)
    report = ingest_one(tmp_path, data, source=source)
    assert report.outcome == "loaded" and report.rows_quarantined == 0
    lake = lake_rows(tmp_path, "payu_settlement_lines").sort("source_row")
    flagged = lake.filter(pl.col("has_formula_text"))
    # "-2+3+cmd…" starts like a negative number: only spreadsheet triggers are flagged.
    assert flagged["bankcode"].to_list() == [f for f in FORMULAS if not f.startswith("-2")]
    assert report.formula_cells_flagged == len(FORMULAS) - 1
    # Stored verbatim; DuckDB returns the same text (nothing computed it).
    glob = str(tmp_path / "lake" / "payu_settlement_lines" / "*" / "*.parquet")
    got = duckdb.sql(
        f"select bankcode from read_parquet('{glob}') where source_row between 2 and 6 "
        "order by source_row"
    ).fetchall()
    assert [g[0] for g in got] == FORMULAS


# --- statements ----------------------------------------------------------------------------------


def test_mt940_with_a_broken_61_is_quarantined_because_its_balances_no_longer_chain(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["mt940"]
    sep = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.split(sep)
    i = next(k for k, line in enumerate(lines) if line.startswith(b":61:"))
    lines[i] = lines[i][:4] + b"2611XX" + lines[i][10:].replace(b",", b"#", 1)
    report = _refused(tmp_path, sep.join(lines), BALANCE_MISMATCH, source=source, name="x.sta")
    assert "could not be read" in report.message and "2611XX" in report.message
    assert report.rows_quarantined == report.rows_in > 0


def test_an_mt940_statement_whose_balances_do_not_chain_is_quarantined(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["mt940"]
    bumped = re.sub(
        rb"(:62F:[CD]\d{6}INR)(\d+)",
        lambda m: m.group(1) + str(int(m.group(2)) + 1).encode(),
        data,
        count=1,
    )
    assert bumped != data
    report = _refused(tmp_path, bumped, BALANCE_MISMATCH, source=source, name="x.sta")
    assert "closing_balance" in report.message


def test_a_camt053_statement_whose_balances_do_not_chain_is_quarantined(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["camt053"]
    bumped = re.sub(
        rb"(<Cd>CLBD</Cd>\s*</CdOrPrtry>\s*</Tp>\s*<Amt Ccy=\"INR\">)(\d+)",
        lambda m: m.group(1) + str(int(m.group(2)) + 1).encode(),
        data,
        count=1,
    )
    assert bumped != data
    _refused(tmp_path, bumped, BALANCE_MISMATCH, source=source, name="x.xml")


def test_invalid_xml_is_quarantined_as_invalid_xml(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]]
) -> None:
    source, data = samples["camt053"]
    broken = data.replace(b"</Stmt>", b"</Statement>", 1)
    _refused(tmp_path, broken, INVALID_XML, source=source, name="x.xml")


@pytest.mark.parametrize(
    "doc",
    [
        BOMB,
        b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        b"<BkToCstmrStmt>&xxe;</BkToCstmrStmt></Document>\n",
        b'<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://evil.example/camt.dtd">\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        b"<BkToCstmrStmt/></Document>\n",
    ],
    ids=["billion_laughs", "external_entity", "external_dtd"],
)
def test_an_xml_entity_bomb_or_external_entity_is_refused_without_expanding_or_fetching(
    tmp_path: Path, doc: bytes
) -> None:
    t0 = time.perf_counter()
    report = _refused(tmp_path, doc, XML_ENTITY_FORBIDDEN, source="bank_axis", name="x.xml")
    assert time.perf_counter() - t0 < 5  # expanding the bomb would take minutes and GBs
    assert "root:" not in report.message


# --- a 100 MB single line ----------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("with_header", [False, True], ids=["no_newline", "after_a_header"])
@pytest.mark.parametrize("streamed", [False, True], ids=["read_whole", "streamed"])
def test_a_100_mb_single_line_is_refused_quickly_without_gigabytes_of_memory(
    tmp_path: Path,
    samples: dict[str, tuple[str, bytes]],
    with_header: bool,
    streamed: bool,
) -> None:
    _, data = samples["razorpay_csv"]
    head = data[: data.find(b"\n") + 1] if with_header else b""
    path = tmp_path / "download (3).txt"
    with path.open("wb") as f:
        f.write(head)
        block = b"x" * MB
        for _ in range(100):
            f.write(block)
    ctx = IngestContext(
        data_dir=tmp_path / "data",
        run_gx=False,
        stream_threshold_bytes=MB if streamed else 1 << 30,
    )
    rss_before = _peak_rss_mb()
    tracemalloc.start()
    report = ingest_file(
        ctx, path, landing_path="razorpay/2026-11-02/x.csv", source="razorpay", folder_date=None
    )
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.outcome == "quarantined" and list(report.reasons) == [LINE_TOO_LONG]
    assert f"line {2 if with_header else 1} " in report.message
    # Python-level allocations: the file's bytes at most once when read whole, ~blocks streamed.
    assert traced_peak / MB < (40 if streamed else 1.5 * 101), traced_peak / MB
    assert _peak_rss_mb() - rss_before < 1024  # RSS peak grew by less than 1 GB
    kept = tmp_path / "data" / "quarantine" / "files" / "razorpay" / report.sha256[:16]
    assert (kept / path.name).stat().st_size == path.stat().st_size


# --- duplicate rows, crashing parsers ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["razorpay_csv", "payu_csv", "upi_switch_csv"])
def test_duplicate_rows_inside_a_file_load_flagged_and_counted(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]], fmt: str
) -> None:
    """A gateway settling the same payment twice is money paid twice: never quarantined."""
    source, data = samples[fmt]
    lines = data.rstrip(b"\n").split(b"\n")
    doubled = b"\n".join([*lines, lines[1], lines[2]]) + b"\n"
    report = ingest_one(tmp_path, doubled, source=source)
    assert report.outcome == "loaded" and report.rows_quarantined == 0
    assert report.rows_loaded == len(lines) + 1  # every row, copies included
    assert report.duplicate_rows_flagged == 2
    dataset = formats.by_name(fmt).layout.table  # type: ignore[union-attr]
    lake = lake_rows(tmp_path, dataset)
    assert sorted(lake.filter(pl.col("is_duplicate_in_file"))["source_row"].to_list()) == [
        len(lines) + 1,
        len(lines) + 2,
    ]


def test_a_crashing_parser_quarantines_only_its_file_and_the_run_goes_on(
    tmp_path: Path, samples: dict[str, tuple[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(data: bytes) -> None:
        raise ValueError("parser bug")

    patched = tuple(
        FileFormat(f.name, f.family, f.default_source, f.sniff, boom, f.layout)  # type: ignore[arg-type]
        if f.name == "payu_csv"
        else f
        for f in formats.FORMATS
    )
    monkeypatch.setattr(formats, "FORMATS", patched)
    landing = tmp_path / "landing"
    for fmt, name in (("payu_csv", "p.csv"), ("razorpay_csv", "r.csv")):
        source, data = samples[fmt]
        (landing / source / "2026-11-02").mkdir(parents=True)
        (landing / source / "2026-11-02" / name).write_bytes(data)
    from pipelines.ingest import ingest_landing

    reports = {r.format: r for r in ingest_landing(tmp_path, run_gx=False)}
    assert_accounting(list(reports.values()))
    assert list(reports["payu_csv"].reasons) == [PARSER_ERROR]
    assert "parser bug" in reports["payu_csv"].message
    assert reports["razorpay_csv"].outcome == "loaded"
