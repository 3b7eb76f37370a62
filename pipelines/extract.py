"""OLTP extract: our own books (the ledger) land in the lake the same way as outside files.

Two sources of books feed the same ledger datasets (``ledger_payments``, ``ledger_refunds``, …):
the simulator's Parquet under ``<data dir>/books`` (``extract_books``) and the transaction
core's database, SQLite or Postgres (``extract_api``, read by ``pipelines.api_books``). Either
way each books file is held to its contract, flagged and written to the lake through the same
code path as settlement files, with the same manifest, so re-running is a no-op.

The API's books are cut into one file per table and date (business date, expected settlement
date or payout date; merchants whole) under ``api/<table>/<date>.parquet``. A day whose rows did
not change gives the same bytes and is skipped; a day that changed (a refund, a late capture)
is a new version of that file, and its older rows leave the lake.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from pipelines.formats import FileFormat
from pipelines.ingest import FileReport, IngestContext, ingest_bytes
from pipelines.lake import partition_column
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

Progress = Callable[[FileReport], None]


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


def _extract(
    data_dir: Path,
    files: Iterator[tuple[str, str, bytes]],
    progress: Progress | None,
    run_gx: bool,
) -> list[FileReport]:
    """Ingest ``(table, landing path, parquet bytes)`` books files under their contracts."""
    ctx = IngestContext(data_dir=data_dir, run_gx=run_gx)
    formats = {table: _parquet_format(dataset) for table, dataset in BOOK_DATASETS.items()}
    reports = []
    for table, landing_path, data in files:
        report = ingest_bytes(
            ctx,
            data,
            name=landing_path.rsplit("/", 1)[-1],
            landing_path=landing_path,
            source="ledger",
            folder_date=None,
            fmt_override=formats[table],
        )
        reports.append(report)
        if progress:
            progress(report)
    ctx.flush_gx()
    ctx.manifest.save()
    return reports


def book_files(books: Path) -> list[Path]:
    """The simulator's books files, table by table."""
    return [p for table in BOOK_DATASETS for p in sorted((books / table).rglob("*.parquet"))]


def extract_books(
    data_dir: Path,
    books: Path | None = None,
    progress: Progress | None = None,
    run_gx: bool = True,
) -> list[FileReport]:
    """Move every books file of the simulator into the lake under its ledger dataset's contract."""
    books = books or data_dir / "books"

    def files() -> Iterator[tuple[str, str, bytes]]:
        for path in book_files(books):
            table = path.relative_to(books).parts[0]
            yield table, f"books/{path.relative_to(books)}", path.read_bytes()

    return _extract(data_dir, files(), progress, run_gx)


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as Parquet; the same rows always give the same bytes (the manifest's key)."""
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=False)
    return buf.getvalue()


def api_book_files(tables: dict[str, pl.DataFrame]) -> list[tuple[str, str, bytes]]:
    """The API's books as files: one per table and date (merchants: one), in a fixed order."""
    out = []
    for table in BOOK_DATASETS:
        frame = tables.get(table)
        if frame is None or frame.height == 0:
            continue
        col = partition_column(frame)
        if col is None:
            out.append((table, f"api/{table}/{table}.parquet", parquet_bytes(frame)))
            continue
        for (day,), piece in sorted(
            frame.partition_by(col, as_dict=True, maintain_order=True).items(),
            key=lambda kv: str(kv[0][0]),
        ):
            label = day.isoformat() if day is not None else "unknown"
            out.append((table, f"api/{table}/{label}.parquet", parquet_bytes(piece)))
    return out


def extract_api(
    data_dir: Path,
    database_url: str,
    progress: Progress | None = None,
    run_gx: bool = True,
) -> list[FileReport]:
    """Move the transaction core's books (its OLTP database) into the lake."""
    from api.db import Database, sqlalchemy_url
    from pipelines.api_books import read_api_books

    db = Database(sqlalchemy_url(database_url), pool_size=1)
    try:
        with db.read_session() as session:
            tables = read_api_books(session).tables
    finally:
        db.dispose()
    return _extract(data_dir, iter(api_book_files(tables)), progress, run_gx)
