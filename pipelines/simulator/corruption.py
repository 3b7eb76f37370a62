"""Corrupt a simulated world's landing files the way the real world does, and record how.

``hisaab simulate --corrupt`` calls ``corrupt_landing`` after the world is built. It adds a few
bad files of every kind ingestion must survive (empty, truncated, UTF-16, a renamed or missing
column, a duplicate file, invalid XML, an entity-expansion bomb, an overlong line, a statement
whose balances do not chain) and damages a few files in place (non-numeric or negative amounts,
impossible dates, a broken MT940 ``:61:``, a CSV cut mid-row), plus what ingestion must load
(formula text and a row reported twice, both flagged; an extra column; a Windows-1252 export). Every corruption is written to ``truth/corruptions.parquet`` with the file, the
line and the outcome ingestion should reach, so tests can check that exactly these rows and files
are quarantined, for the right reasons.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.simulator import keys

CORRUPTION_SCHEMA = {
    "kind": pl.String,
    "landing_path": pl.String,  # relative to landing/
    "row_number": pl.Int64,  # physical line (1-based) for row corruptions; null for files
    "expected_outcome": pl.String,  # file_quarantined | row_quarantined | row_flagged | file_loaded
    "expected_reason": pl.String,  # the reason code ingestion must give (prefix match for contracts)
}

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>&lol9;</BkToCstmrStmt></Document>
"""
OVERLONG_LINE_BYTES = 2_000_000  # over the parsers' 1 MB line limit, small enough for a demo disk


@dataclass
class _Recorder:
    landing: Path
    rows: list[dict[str, object]]

    def add(self, kind: str, path: Path, outcome: str, reason: str, row: int | None = None) -> None:
        self.rows.append(
            {
                "kind": kind,
                "landing_path": str(path.relative_to(self.landing)),
                "row_number": row,
                "expected_outcome": outcome,
                "expected_reason": reason,
            }
        )


def _files(landing: Path, source: str, pattern: str) -> list[Path]:
    return sorted((landing / source).rglob(pattern))


def _pick(files: list[Path], seed: int, salt: str) -> Path | None:
    if not files:
        return None
    return files[keys.derived_int(seed, len(files), "corrupt", salt)]


def _rewrite_csv_rows(path: Path, edits: dict[int, dict[str, str]]) -> None:
    """Replace fields of given physical lines (2 = first data row) of a simple CSV file."""
    text = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    for line_no, fields in edits.items():
        row = rows[line_no - 1]
        for col, value in fields.items():
            row[header.index(col)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8"))


def _data_lines(path: Path) -> int:
    return max(0, len(path.read_bytes().splitlines()) - 1)


def corrupt_landing(out_dir: Path, seed: int) -> pl.DataFrame:
    """Damage the world under ``out_dir`` and return (and save) what was done."""
    landing = out_dir / "landing"
    rec = _Recorder(landing, [])

    # --- row-level damage in files that otherwise load -------------------------------------
    payu_files = [p for p in _files(landing, "payu", "*.csv") if _data_lines(p) >= 6]
    payu = _pick(payu_files, seed, "payu")
    if payu:
        _rewrite_csv_rows(
            payu,
            {
                2: {"amount": "12O.50"},  # a letter O typed for a zero
                3: {"transaction_date": "2026-02-30 10:00:00"},
                4: {"amount": "-250.00", "mer_net_amount": "-250.00"},  # negative sale
                5: {"bankcode": '=HYPERLINK("http://evil.example","Click")'},
            },
        )
        rec.add("non_numeric_amount", payu, "row_quarantined", "bad_amount", 2)
        rec.add("impossible_date", payu, "row_quarantined", "bad_date", 3)
        rec.add("negative_amount", payu, "row_quarantined", "contract:", 4)
        rec.add("formula_injection", payu, "row_flagged", "formula_text", 5)

    ccav_files = _files(landing, "ccavenue", "*.csv")
    ccav = _pick(ccav_files, seed, "ccav")
    if ccav:
        frame = pl.read_csv(ccav, infer_schema=False).with_columns(
            pl.lit("web").alias("Channel")  # a column the layout does not have
        )
        frame.write_csv(ccav)
        rec.add("extra_column", ccav, "file_loaded", "")

    # A merchant panel's Windows-1252 export: decoded, loaded (the money columns are ASCII).
    latin1 = _pick([p for p in ccav_files if p != ccav and _data_lines(p) >= 2], seed, "latin1")
    if latin1:
        before = latin1.read_bytes()
        _rewrite_csv_rows(latin1, {2: {"Card Name": "Société Générale"}})
        try:
            latin1.write_bytes(latin1.read_bytes().decode("utf-8").encode("cp1252"))
            rec.add("latin1_encoding", latin1, "file_loaded", "")
        except UnicodeEncodeError:  # a character Windows-1252 lacks: leave the file as it was
            latin1.write_bytes(before)

    # A file cut mid-transfer: every complete row loads, the cut last row is quarantined.
    rzp_files = _files(landing, "razorpay", "*.csv")
    rzp_main = _pick(rzp_files, seed, "rzp")  # the file the whole-file damage copies, below
    rzp_cut = _pick([p for p in rzp_files if p != rzp_main], seed, "rzp_cut")
    if rzp_cut and _data_lines(rzp_cut) >= 3:
        data = rzp_cut.read_bytes().rstrip(b"\n")
        last = data.rfind(b"\n") + 1
        rzp_cut.write_bytes(data[: last + (len(data) - last) // 2])
        rec.add(
            "truncated_csv", rzp_cut, "row_quarantined", "truncated_file", data.count(b"\n") + 1
        )

    # The switch reports one transaction twice: money twice, so loaded and flagged, not dropped.
    upi = _pick(
        [
            p
            for p in _files(landing, "upi_switch", "upi_switch_report_*.csv")
            if _data_lines(p) >= 2
        ],
        seed,
        "upi_dup",
    )
    if upi:
        lines = upi.read_bytes().rstrip(b"\n").split(b"\n")
        upi.write_bytes(b"\n".join([*lines, lines[1]]) + b"\n")
        rec.add("duplicate_row", upi, "row_flagged", "duplicate_row", len(lines) + 1)

    # --- whole files that must be quarantined ----------------------------------------------
    rzp = _pick(_files(landing, "razorpay", "*.csv"), seed, "rzp")
    if rzp:
        empty = rzp.with_name(rzp.stem + "_empty.csv")
        empty.write_bytes(b"")
        rec.add("empty_file", empty, "file_quarantined", "empty_file")

        dup = rzp.with_name(rzp.stem + "_resent.csv")
        dup.write_bytes(rzp.read_bytes())
        rec.add("duplicate_file", dup, "file_quarantined", "duplicate_file")

        utf16 = rzp.with_name(rzp.stem + "_utf16.csv")
        utf16.write_bytes(_sample_lines(rzp).decode("utf-8").encode("utf-16"))
        rec.add("utf16_encoding", utf16, "file_quarantined", "bad_encoding")

        renamed = rzp.with_name(rzp.stem + "_renamed_column.csv")
        renamed.write_bytes(_sample_lines(rzp).replace(b",fee,", b",fees,", 1))
        rec.add("renamed_column", renamed, "file_quarantined", "missing_column")

        dropped = rzp.with_name(rzp.stem + "_missing_column.csv")
        sample = pl.read_csv(_sample_lines(rzp), infer_schema=False).drop("settlement_utr")
        dropped.write_bytes(sample.write_csv().encode("utf-8"))
        rec.add("missing_column", dropped, "file_quarantined", "missing_column")

        long_line = rzp.with_name(rzp.stem + "_overlong.csv")
        long_line.write_bytes(_sample_lines(rzp, 1) + b"x" * OVERLONG_LINE_BYTES + b"\n")
        rec.add("overlong_line", long_line, "file_quarantined", "line_too_long")

    camt = _pick(_files(landing, "bank_axis", "*.xml"), seed, "camt")
    if camt:
        data = camt.read_bytes()
        truncated = camt.with_name(camt.stem + "_truncated.xml")
        truncated.write_bytes(data[: len(data) // 2])
        rec.add("truncated_file", truncated, "file_quarantined", "invalid_xml")

        bomb = camt.with_name(camt.stem + "_bomb.xml")
        bomb.write_bytes(BOMB)
        rec.add("xml_entity_bomb", bomb, "file_quarantined", "xml_entity_forbidden")

        invalid = camt.with_name(camt.stem + "_invalid.xml")
        invalid.write_bytes(data.replace(b"</Stmt>", b"</Statement>", 1))
        rec.add("invalid_xml", invalid, "file_quarantined", "invalid_xml")

    mt940 = [p for p in _files(landing, "bank_icici", "*.sta") if b":61:" in p.read_bytes()]
    if len(mt940) >= 2:
        broken = mt940[0].with_name(mt940[0].stem + "_broken61.sta")
        broken.write_bytes(_break_first_61(mt940[0].read_bytes()))
        rec.add("broken_mt940_61", broken, "file_quarantined", "balance_mismatch")

        unchained = mt940[1].with_name(mt940[1].stem + "_unbalanced.sta")
        unchained.write_bytes(_shift_closing_balance(mt940[1].read_bytes()))
        rec.add("balances_do_not_chain", unchained, "file_quarantined", "balance_mismatch")

    frame = pl.DataFrame(rec.rows, schema=CORRUPTION_SCHEMA)
    truth = out_dir / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(truth / "corruptions.parquet")
    return frame


def _sample_lines(path: Path, n: int = 20) -> bytes:
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: n + 1])


def _break_first_61(data: bytes) -> bytes:
    """Garble the amount of the first ``:61:`` line (the entry can no longer be read)."""
    lines = data.split(b"\r\n") if b"\r\n" in data else data.split(b"\n")
    sep = b"\r\n" if b"\r\n" in data else b"\n"
    for i, line in enumerate(lines):
        if line.startswith(b":61:"):
            lines[i] = line[:4] + b"2611XX" + line[10:].replace(b",", b"#", 1)
            break
    return sep.join(lines)


def _shift_closing_balance(data: bytes) -> bytes:
    """Make ``:62F:`` one rupee more than the entries add up to."""
    sep = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.split(sep)
    for i, line in enumerate(lines):
        if line.startswith(b":62F:"):
            head, amount = line[:15], line[15:]  # :62F: + C/D + YYMMDD + currency
            rupees, _, paise = amount.partition(b",")
            lines[i] = head + str(int(rupees) + 1).encode() + b"," + paise
            break
    return sep.join(lines)
