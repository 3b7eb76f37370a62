"""OLTP extract: our own books (the ledger) land in the lake the same way as outside files.

Today the books are the simulator's Parquet under ``<data dir>/books``; the transaction core's
database replaces them later behind the same datasets. Each books file is held to its contract
(``ledger_payments``, ``ledger_refunds``, …), flagged and written to the lake through the same
code path as settlement files, with the same manifest, so re-running is a no-op.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipelines.formats import FileFormat
from pipelines.ingest import FileReport, IngestContext, ingest_bytes
from pipelines.parsers.base import ParsedFile

BOOK_DATASETS = {
    "payments": "ledger_payments",
    "refunds": "ledger_refunds",
    "chargebacks": "ledger_chargebacks",
    "payouts": "ledger_payouts",
    "settlements": "ledger_settlements",
    "merchants": "merchants",
    "customers": "customers",
    "bnpl_applications": "bnpl_applications",
    "accounts": "ledger_accounts",
    "transfers": "ledger_transfers",
}


def _parquet_format(dataset: str) -> FileFormat:
    def parse(data: bytes) -> ParsedFile:
        frame = pl.read_parquet(io.BytesIO(data))
        return ParsedFile(
            format="ledger_parquet",
            tables={dataset: frame},
            rows_in=frame.height,
            main_table=dataset,
        )

    return FileFormat("ledger_parquet", "ledger", "ledger", lambda _b: True, parse)


def extract_books(
    data_dir: Path,
    books: Path | None = None,
    progress: Callable[[FileReport], None] | None = None,
    run_gx: bool = True,
) -> list[FileReport]:
    """Move every books file into the lake under its ledger dataset's contract."""
    books = books or data_dir / "books"
    ctx = IngestContext(data_dir=data_dir, run_gx=run_gx)
    reports = []
    for table, dataset in BOOK_DATASETS.items():
        fmt = _parquet_format(dataset)
        for path in sorted((books / table).rglob("*.parquet")):
            report = ingest_bytes(
                ctx,
                path.read_bytes(),
                name=path.name,
                landing_path=f"books/{path.relative_to(books)}",
                source="ledger",
                folder_date=None,
                fmt_override=fmt,
            )
            reports.append(report)
            if progress:
                progress(report)
    ctx.flush_gx()
    ctx.manifest.save()
    return reports
