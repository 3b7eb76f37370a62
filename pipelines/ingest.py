"""Landing → lake: parse each file, hold it to its data contract, load or quarantine every row.

For every file: sha256 against the manifest (the same bytes again are a no-op; a changed file
under the same name is a new version that supersedes the old one), content-based format
detection, the pure parser, the dataset's contract (schema, then row rules compiled from the
contract; the Great Expectations suite built from the same contract validates what is loaded),
then valid rows to the lake and failing rows to quarantine with reason codes. The report per file
says rows in, loaded, quarantined and why, and ``rows_in = rows_loaded + rows_quarantined`` is
asserted for every file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

import data_contracts
from hisaab import __version__
from pipelines import lake as lake_io
from pipelines import quarantine
from pipelines.formats import FileFormat, detect
from pipelines.manifest import Manifest, ManifestEntry
from pipelines.parsers.base import FileRejected, ParsedFile

DUPLICATE_FILE = "duplicate_file"
CONTRACT_SCHEMA = "contract_schema"
FORMULA_RE = r"^[=+@\t\r]|^-[^0-9]"  # spreadsheet formula triggers (CSV injection)


@dataclass
class FileReport:
    """What happened to one file; printed for the user and stored in the warehouse."""

    landing_path: str
    source: str
    business_date: date | None
    sha256: str
    size_bytes: int
    format: str | None = None
    outcome: str = (
        "loaded"  # loaded | partially_quarantined | quarantined | duplicate_file | skipped
    )
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    datasets: dict[str, int] = field(default_factory=dict)
    duplicate_rows_flagged: int = 0
    formula_cells_flagged: int = 0
    message: str = ""
    gx_success: bool | None = None
    warnings: dict[str, int] = field(default_factory=dict)  # warning-level rule hits (loaded)

    def check_accounting(self) -> None:
        assert self.rows_in == self.rows_loaded + self.rows_quarantined, (
            f"{self.landing_path}: rows_in {self.rows_in} != loaded {self.rows_loaded}"
            f" + quarantined {self.rows_quarantined}"
        )

    def as_row(self) -> dict[str, object]:
        return {
            "landing_path": self.landing_path,
            "source": self.source,
            "business_date": self.business_date,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "format": self.format,
            "outcome": self.outcome,
            "rows_in": self.rows_in,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "reasons": json.dumps(self.reasons, sort_keys=True),
            "datasets": json.dumps(self.datasets, sort_keys=True),
            "duplicate_rows_flagged": self.duplicate_rows_flagged,
            "formula_cells_flagged": self.formula_cells_flagged,
            "gx_success": self.gx_success,
            "message": self.message,
        }


@dataclass
class IngestContext:
    """Where ingestion writes: the lake, quarantine and the manifest."""

    data_dir: Path
    run_gx: bool = True

    gx_batch_rows: int = 2_000_000

    def __post_init__(self) -> None:
        self.lake = self.data_dir / "lake"
        self.quarantine = self.data_dir / "quarantine"
        self.manifest = Manifest(self.lake)
        self._gx_pending: dict[str, list[tuple[pl.DataFrame, FileReport]]] = {}

    def queue_gx(self, dataset: str, frame: pl.DataFrame, report: FileReport) -> None:
        """Great Expectations validates loaded rows per dataset in batches, not per file:
        its fixed cost per run is about a second, which per file would dominate ingestion."""
        batch = self._gx_pending.setdefault(dataset, [])
        batch.append((frame, report))
        if sum(f.height for f, _ in batch) >= self.gx_batch_rows:
            self._validate(dataset)

    def _validate(self, dataset: str) -> None:
        batch = self._gx_pending.pop(dataset, [])
        if not batch:
            return
        frame = pl.concat([f for f, _ in batch], how="vertical_relaxed")
        gx = data_contracts.validate_with_gx(data_contracts.load_contract(dataset), frame)
        for _, report in batch:
            report.gx_success = bool(gx.error_free)
            if not gx.success:
                report.message = (
                    "Great Expectations disagrees with the contract's row rules on the loaded rows"
                )

    def flush_gx(self) -> None:
        for dataset in list(self._gx_pending):
            self._validate(dataset)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _flag_columns(frame: pl.DataFrame, contract: data_contracts.Contract) -> pl.DataFrame:
    dup = data_contracts.duplicate_flag(contract)  # second and later copies of a natural key
    text_cols = [
        c for c, t in frame.schema.items() if t == pl.String and c not in ("source", "file_sha256")
    ]
    formula = (
        pl.any_horizontal([pl.col(c).str.contains(FORMULA_RE).fill_null(False) for c in text_cols])
        if text_cols
        else pl.lit(False)
    )
    return frame.with_columns(is_duplicate_in_file=dup, has_formula_text=formula)


def _raw_lines(data: bytes, numbers: Iterable[int]) -> dict[int, str]:
    """The physical lines (1-based) of ``data`` asked for, decoded leniently."""
    wanted = set(numbers)
    out: dict[int, str] = {}
    if not wanted:
        return out
    last = max(wanted)
    for i, line in enumerate(data.splitlines(), start=1):
        if i in wanted:
            out[i] = line.decode("utf-8", errors="replace")[:10_000]
        if i >= last:
            break
    return out


def ingest_bytes(
    ctx: IngestContext,
    data: bytes,
    *,
    name: str,
    landing_path: str,
    source: str | None,
    folder_date: date | None,
    fmt_override: FileFormat | None = None,
) -> FileReport:
    """Ingest one file's bytes. ``source`` None means: take it from the detected format.

    ``fmt_override`` skips detection (our own books, whose format is known).
    """
    sha = sha256_of(data)
    report = FileReport(
        landing_path=landing_path,
        source=source or "unknown",
        business_date=folder_date,
        sha256=sha,
        size_bytes=len(data),
    )
    current = ctx.manifest.current(landing_path)
    if current is not None and current[0] == sha:
        report.outcome = "skipped"
        report.message = "already ingested (same sha256)"
        return report
    seen_at = ctx.manifest.seen(sha)
    fmt: FileFormat | None = fmt_override or (detect(data) if data.strip() else None)
    if source is None:
        report.source = fmt.default_source if fmt else "unknown"
    report.format = fmt.name if fmt else None
    version = current[1] + 1 if current else 1

    def finish(outcome: str) -> FileReport:
        report.outcome = outcome
        report.check_accounting()
        if current is not None:
            lake_io.set_aside(ctx.lake, lake_io.file_key(report.source, current[0]))
        ctx.manifest.add(
            ManifestEntry(
                landing_path=landing_path,
                source=report.source,
                business_date=report.business_date,
                sha256=sha,
                size_bytes=len(data),
                format=report.format,
                parser_version=f"{report.format}@{__version__}",
                outcome=outcome,
                rows_in=report.rows_in,
                rows_loaded=report.rows_loaded,
                rows_quarantined=report.rows_quarantined,
                version=version,
                is_current=True,
                ingested_at=datetime.now(UTC),
            )
        )
        return report

    def reject_file(reason: str, message: str) -> FileReport:
        quarantine.quarantine_file(ctx.quarantine, report.source, sha, name, data, reason, message)
        report.reasons = {reason: max(report.rows_in, 1)}
        report.message = message
        report.rows_quarantined = report.rows_in
        report.rows_loaded = 0
        report.datasets = {}
        return finish("quarantined")

    if seen_at is not None and seen_at != landing_path:
        return reject_file(DUPLICATE_FILE, f"same content as {seen_at}, already ingested")
    if not data.strip():
        return reject_file("empty_file", "the file is empty")
    if fmt is None:
        return reject_file(
            "unknown_format",
            "not a format Hisaab reads (Razorpay/PayU/CCAvenue settlement, UPI switch report, "
            "MT940/MT942, camt.053, bank CSV statement)",
        )
    try:
        parsed = fmt.parse(data)
        parsed.check_accounting()
    except FileRejected as exc:
        return reject_file(exc.reason_code, exc.message)
    report.rows_in = parsed.rows_in
    return _load_parsed(ctx, report, parsed, data, name, finish, reject_file)


def _load_parsed(
    ctx: IngestContext,
    report: FileReport,
    parsed: ParsedFile,
    data: bytes,
    name: str,
    finish: Callable[[str], FileReport],
    reject_file: Callable[[str, str], FileReport],
) -> FileReport:
    sha = report.sha256
    reasons: Counter[str] = Counter(r.reason_code for r in parsed.rejects)
    quarantined_rows: list[dict[str, object]] = [
        {
            "dataset": parsed.main_table,
            "row_number": r.row_number,
            "reason_code": r.reason_code,
            "message": r.message,
            "raw": r.raw[:10_000],
        }
        for r in parsed.rejects
    ]
    tables: dict[str, pl.DataFrame] = {}
    for dataset, frame in parsed.tables.items():
        contract = data_contracts.load_contract(dataset)
        problems = data_contracts.schema_problems(contract, frame, stage="parsed")
        if problems:
            return reject_file(CONTRACT_SCHEMA, f"{dataset}: " + "; ".join(problems))
        failures = data_contracts.row_failures(contract, frame)
        # Warning-level rules (e.g. an IFSC's shape) flag in the report; only errors quarantine.
        warnings = failures.filter(pl.col("severity") != "error")
        failures = failures.filter(pl.col("severity") == "error")
        for code, n in warnings.group_by("reason_code").len().iter_rows():
            report.warnings[code] = report.warnings.get(code, 0) + n
        if failures.height and dataset != parsed.main_table:
            # A statement whose balances do not chain cannot be trusted line by line.
            first = failures.row(0, named=True)
            reason = "balance_mismatch" if "balance" in first["rule_id"] else first["reason_code"]
            return reject_file(reason, f"{dataset}: {first['message']}")
        if failures.height:
            bad_idx = failures["row_index"].unique().sort()
            per_row = failures.group_by("row_index", maintain_order=True).first()
            bad = frame.with_row_index("row_index").join(per_row, on="row_index", how="inner")
            if "source_row" not in bad.columns:  # our own books: the row's position
                bad = bad.with_columns(source_row=pl.col("row_index").cast(pl.Int64) + 1)
            # CSV parsers number rows by physical line; statements number entries, not lines.
            is_csv = parsed.format.endswith("csv") and _is_text(data)
            lines = _raw_lines(data, bad["source_row"].to_list()) if is_csv else {}
            for row in bad.iter_rows(named=True):
                reasons[row["reason_code"]] += 1
                raw = lines.get(row["source_row"]) or json.dumps(
                    {
                        k: v
                        for k, v in row.items()
                        if k not in ("rule_id", "reason_code", "message")
                    },
                    default=str,
                )
                quarantined_rows.append(
                    {
                        "dataset": dataset,
                        "row_number": row["source_row"],
                        "reason_code": row["reason_code"],
                        "message": row["message"],
                        "raw": raw,
                    }
                )
            frame = frame.with_row_index("_i").filter(~pl.col("_i").is_in(bad_idx)).drop("_i")
        frame = _flag_columns(frame, contract).with_columns(
            source=pl.lit(report.source), file_sha256=pl.lit(sha)
        )
        if dataset == parsed.main_table:
            report.duplicate_rows_flagged = int(frame["is_duplicate_in_file"].sum())
            report.formula_cells_flagged = int(frame["has_formula_text"].sum())
        frame = frame.select(list(contract.polars_schema))  # the contract's column order
        tables[dataset] = frame

    main = tables.get(parsed.main_table)
    report.rows_loaded = main.height if main is not None else 0
    report.rows_quarantined = len(quarantined_rows)
    report.reasons = dict(sorted(reasons.items()))
    if main is not None and main.height:
        part_col = lake_io.partition_column(main)
        dates = main[part_col].drop_nulls() if part_col else pl.Series([], dtype=pl.Date)
        if report.business_date is None and dates.len():
            report.business_date = dates.max()  # type: ignore[assignment]
    if ctx.run_gx and main is not None and main.height:
        ctx.queue_gx(parsed.main_table, main, report)
    key = lake_io.file_key(report.source, sha)
    for dataset, frame in tables.items():
        lake_io.write_table(ctx.lake, dataset, frame, key)
        report.datasets[dataset] = frame.height
    if quarantined_rows:
        quarantine.keep_original(ctx.quarantine, report.source, sha, name, data)
        rows = pl.DataFrame(quarantined_rows, infer_schema_length=None).with_columns(
            file_sha256=pl.lit(sha),
            landing_path=pl.lit(report.landing_path),
            source=pl.lit(report.source),
        )
        quarantine.quarantine_rows(ctx.quarantine, report.source, sha, rows)
    outcome = "partially_quarantined" if quarantined_rows else "loaded"
    if report.rows_loaded == 0 and quarantined_rows:
        outcome = "quarantined"
    return finish(outcome)


def _is_text(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" not in head and not head.lstrip().startswith((b"<", b"{", b"["))


def landing_files(
    landing: Path, sources: Iterable[str] | None = None, dates: Iterable[date] | None = None
) -> list[tuple[str, date | None, Path]]:
    """(source, folder date, path) of every file under ``landing/<source>/<date>/``."""
    wanted_sources = set(sources) if sources else None
    wanted_dates = {d.isoformat() for d in dates} if dates else None
    out = []
    if not landing.exists():
        return out
    for src_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
        if wanted_sources and src_dir.name not in wanted_sources:
            continue
        for day_dir in sorted(p for p in src_dir.iterdir() if p.is_dir()):
            if wanted_dates and day_dir.name not in wanted_dates:
                continue
            try:
                folder_date: date | None = date.fromisoformat(day_dir.name)
            except ValueError:
                folder_date = None
            for f in sorted(p for p in day_dir.iterdir() if p.is_file()):
                out.append((src_dir.name, folder_date, f))
    return out


def ingest_landing(
    data_dir: Path,
    landing: Path | None = None,
    sources: Iterable[str] | None = None,
    dates: Iterable[date] | None = None,
    progress: Callable[[FileReport], None] | None = None,
    run_gx: bool = True,
) -> list[FileReport]:
    """Ingest every landing file (optionally of some sources/dates); returns one report each."""
    ctx = IngestContext(data_dir=data_dir, run_gx=run_gx)
    landing = landing or data_dir / "landing"
    reports = []
    for source, folder_date, path in landing_files(landing, sources, dates):
        report = ingest_bytes(
            ctx,
            path.read_bytes(),
            name=path.name,
            landing_path=str(path.relative_to(landing)),
            source=source,
            folder_date=folder_date,
        )
        reports.append(report)
        if progress:
            progress(report)
    ctx.flush_gx()
    ctx.manifest.save()
    return reports


def ingest_paths(
    data_dir: Path,
    paths: Iterable[Path],
    progress: Callable[[FileReport], None] | None = None,
    run_gx: bool = True,
) -> list[FileReport]:
    """Ingest files a user hands over; the format (and so the source) comes from the content."""
    ctx = IngestContext(data_dir=data_dir, run_gx=run_gx)
    reports = []
    for path in paths:
        report = ingest_bytes(
            ctx,
            Path(path).read_bytes(),
            name=Path(path).name,
            landing_path=str(Path(path).resolve()),
            source=None,
            folder_date=None,
        )
        reports.append(report)
        if progress:
            progress(report)
    ctx.flush_gx()
    ctx.manifest.save()
    return reports
