"""Landing → lake: parse each file, hold it to its data contract, load or quarantine every row.

For every file: sha256 against the manifest (the same bytes again are a no-op; a changed file
under the same name is a new version that supersedes the old one), content-based format
detection, the pure parser, the dataset's contract (schema, then row rules compiled from the
contract; the Great Expectations suite built from the same contract validates what is loaded),
then valid rows to the lake and failing rows to quarantine with reason codes. The report per file
says rows in, loaded, quarantined and why, and ``rows_in = rows_loaded + rows_quarantined`` is
asserted for every file.

Whole-file refusals, in this order: ``empty_file``; ``duplicate_file`` (the same bytes were
ingested under another name); ``line_too_long`` (a line over 1 MB in a line-oriented file: CSV,
MT940; XML and JSON may be one line); ``unknown_format``; ``wrong_source`` (a gateway's file
under another gateway's landing folder); then whatever the parser refuses (``FileRejected``),
``contract_schema`` (the parser's output does not have the contract's columns) and, for
statements, a failing balance table (``balance_mismatch``). A parser that crashes refuses the
file as ``parser_error`` so one bad file cannot stop the run.

Versions: the newest bytes under a landing path are its current version, whatever their outcome.
When they replace a version that had loaded rows, that version's lake files move to
``lake/_superseded/`` and its quarantined rows to ``quarantine/_superseded/`` (kept, not deleted),
even when the new version is refused: the lake never mixes two versions of one file.

Big files (``IngestContext.stream_threshold_bytes``, 256 MB) in a one-record-per-line CSV
layout are never held in memory whole: the sha256 and the line-length check stream over the file,
and the file is read in record-aligned chunks (``chunk_bytes``, cut at a newline outside any
quoted field), each chunk parsed by the same pure parser after the header line (as if the header
were in front of it, without the copy that would put it there), checked and written as its own
lake part. When no recorded file has the same size (so it can be neither a re-run nor a
duplicate), the first chunks are read and parsed while the scan runs, never past the bytes the
scan has checked; nothing is loaded before the scan ends and its refusals come first. Row numbers are the file's physical line numbers, duplicate flags
span chunks, and a chunk with a structural reject (a quote that never closes, a wrong column
count), which could come from a cut inside a quoted field, makes the file fall back to the
whole-file path, so chunking never changes a result. Files that are not valid UTF-8 take the
whole-file path too (the parser decodes those as Windows-1252 as a whole).

On the 2-core box the chunked path keeps both cores busy: a reader thread reads chunk k+2, a
worker thread parses chunks k+1.. (up to three ahead; six while the scan runs and nothing can
load) while this thread holds chunk k to the contract, and the lake's writer thread encodes
chunk k-1 as Parquet (polars, numpy, hashlib and file reads release the GIL). Results are taken
in chunk order, so threads never change a result. Each chunk's buffers are freed as the next
chunk needs the same amount again, so polars' allocator is told to keep freed pages for 2 s
(``hisaab.POLARS_ALLOCATOR_CONF``) instead of returning them and faulting them in afresh.
Measured costs: ``bench/results/ingest.md``.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import mmap
import os
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import polars as pl

import data_contracts
from hisaab import __version__
from pipelines import lake as lake_io
from pipelines import quarantine
from pipelines.formats import SNIFF_BYTES, FileFormat, belongs_to, detect
from pipelines.manifest import Manifest, ManifestEntry
from pipelines.parsers.base import (
    EMPTY_FILE,
    LINE_TOO_LONG,
    MALFORMED_RECORD,
    MAX_LINE_BYTES,
    TRUNCATED_FILE,
    UNKNOWN_FORMAT,
    WRONG_COLUMN_COUNT,
    FileRejected,
    ParsedFile,
)
from pipelines.parsers.delimited import check_line_lengths, decode, newline_index

log = logging.getLogger(__name__)

DUPLICATE_FILE = "duplicate_file"
CONTRACT_SCHEMA = "contract_schema"
WRONG_SOURCE = "wrong_source"
PARSER_ERROR = "parser_error"
FORMULA_RE = r"^[=+@\t\r]|^-[^0-9]"  # spreadsheet formula triggers (CSV injection)
LOADED_OUTCOMES = ("loaded", "partially_quarantined")  # outcomes that put rows in the lake
STREAM_THRESHOLD_BYTES = 256 << 20
CHUNK_BYTES = 128 << 20
RAW_LIMIT = 10_000  # characters of a quarantined row's raw text kept
_READ_BLOCK = 16 << 20
_PEEK_BYTES = 1 << 20  # how far before its target end a chunk looks for a newline
# Rejects that a chunk cut inside a quoted field could cause: such a chunk is re-read whole.
_STRUCTURAL = frozenset({MALFORMED_RECORD, WRONG_COLUMN_COUNT})
_UNKNOWN_FORMAT_MESSAGE = (
    "not a format Hisaab reads (Razorpay/PayU/CCAvenue settlement, UPI switch report, "
    "MT940/MT942, camt.053, bank CSV statement)"
)


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
    # For a skipped file: the outcome its current version had when it was ingested, so a re-run
    # can still say that the file sits in quarantine.
    previous_outcome: str | None = None
    chunks: int = 0  # parser calls: 1 for a file read whole, more for a big file read in chunks

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
    stream_threshold_bytes: int = STREAM_THRESHOLD_BYTES  # files this big are read in chunks
    chunk_bytes: int = CHUNK_BYTES

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

    def discard_gx(self, report: FileReport) -> None:
        """Forget the queued rows of a file that was refused after all."""
        for dataset, batch in self._gx_pending.items():
            self._gx_pending[dataset] = [(f, r) for f, r in batch if r is not report]

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


class _FileLevel(Exception):
    """The whole file goes to quarantine (raised while loading its tables)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class _WholeFileNeeded(Exception):
    """Chunked reading cannot be trusted for this file: read it whole instead."""


def _parse_guarded(fmt: FileFormat, parse: Callable[[], ParsedFile], where: str) -> ParsedFile:
    """``parse()``, with a crash turned into a file-level refusal (``parser_error``)."""
    try:
        parsed = parse()
        parsed.check_accounting()
    except FileRejected:
        raise
    except Exception as exc:  # a parser bug must not stop the other files
        log.exception("parser %s failed on %s", fmt.name, where)
        raise FileRejected(
            PARSER_ERROR, f"the {fmt.name} parser failed: {type(exc).__name__}: {exc}"
        ) from exc
    return parsed


class _FileRun:
    """One file on its way through ingestion: its report, and the two ways it can end."""

    def __init__(
        self,
        ctx: IngestContext,
        *,
        sha: str,
        size: int,
        name: str,
        landing_path: str,
        source: str | None,
        folder_date: date | None,
        original: bytes | Path,
    ) -> None:
        self.ctx = ctx
        self.name = name
        self.original = original  # the bytes, or the path of a big file (copied when kept)
        self.source_given = source is not None
        self.report = FileReport(
            landing_path=landing_path,
            source=source or "unknown",
            business_date=folder_date,
            sha256=sha,
            size_bytes=size,
        )
        self.current = ctx.manifest.current(landing_path)
        seen_at = ctx.manifest.seen(sha)
        self.duplicate_of = seen_at if seen_at is not None and seen_at != landing_path else None
        self.staged: lake_io.StagedWrite | None = None

    @property
    def unchanged(self) -> bool:
        return self.current is not None and self.current.sha256 == self.report.sha256

    def skip(self) -> FileReport:
        assert self.current is not None
        self.report.outcome = "skipped"
        self.report.message = "already ingested (same sha256)"
        self.report.previous_outcome = self.current.outcome
        return self.report

    def set_format(self, fmt: FileFormat | None) -> None:
        self.report.format = fmt.name if fmt else None
        if not self.source_given:
            self.report.source = fmt.default_source if fmt else "unknown"

    def refuse_early(
        self, *, blank: bool, long_line: str | None, fmt: FileFormat | None
    ) -> FileReport | None:
        """The whole-file refusals decided before parsing, in order; None: go on and parse."""
        if blank:
            return self.reject_file(EMPTY_FILE, "the file is empty")
        if self.duplicate_of is not None:
            return self.reject_file(
                DUPLICATE_FILE, f"same content as {self.duplicate_of}, already ingested"
            )
        if long_line is not None:
            return self.reject_file(LINE_TOO_LONG, long_line)
        if fmt is None:
            return self.reject_file(UNKNOWN_FORMAT, _UNKNOWN_FORMAT_MESSAGE)
        if self.source_given and not belongs_to(fmt, self.report.source):
            return self.reject_file(
                WRONG_SOURCE,
                f"the content is a {fmt.name} file, which does not come from landing source "
                f"{self.report.source!r}; move it to landing/{fmt.default_source}/",
            )
        return None

    def parse(self, fmt: FileFormat, data: bytes) -> ParsedFile:
        """``fmt.parse``, with a crash turned into a file-level refusal."""
        parsed = _parse_guarded(fmt, lambda: fmt.parse(data), self.report.landing_path)
        self.report.chunks += 1
        return parsed

    def finish(self, outcome: str) -> FileReport:
        report = self.report
        report.outcome = outcome
        report.check_accounting()
        previous = self.current
        if previous is not None and previous.outcome in LOADED_OUTCOMES:
            # The older version's rows leave the lake (and its failed rows the quarantine view).
            lake_io.set_aside(self.ctx.lake, lake_io.file_key(previous.source, previous.sha256))
            quarantine.set_aside_rows(self.ctx.quarantine, previous.source, previous.sha256)
        if self.staged is not None:
            self.staged.publish()
        self.ctx.manifest.add(
            ManifestEntry(
                landing_path=report.landing_path,
                source=report.source,
                business_date=report.business_date,
                sha256=report.sha256,
                size_bytes=report.size_bytes,
                format=report.format,
                parser_version=f"{report.format}@{__version__}",
                outcome=outcome,
                rows_in=report.rows_in,
                rows_loaded=report.rows_loaded,
                rows_quarantined=report.rows_quarantined,
                version=previous.version + 1 if previous else 1,
                is_current=True,
                ingested_at=datetime.now(UTC),
            )
        )
        return report

    def abandon_load(self) -> None:
        """Forget everything loaded so far (staged lake files, queued GE rows, counts)."""
        if self.staged is not None:
            self.staged.discard()
            self.staged = None
        self.ctx.discard_gx(self.report)
        r = self.report
        r.rows_loaded = r.rows_quarantined = r.duplicate_rows_flagged = r.formula_cells_flagged = 0
        r.reasons, r.datasets, r.warnings, r.gx_success = {}, {}, {}, None

    def reject_file(self, reason: str, message: str) -> FileReport:
        self.abandon_load()
        report = self.report
        quarantine.quarantine_file(
            self.ctx.quarantine,
            report.source,
            report.sha256,
            self.name,
            self.original,
            reason,
            message,
        )
        report.reasons = {reason: max(report.rows_in, 1)}
        report.message = message
        report.rows_quarantined = report.rows_in
        return self.finish("quarantined")


# ------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------


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
    run = _FileRun(
        ctx,
        sha=sha256_of(data),
        size=len(data),
        name=name,
        landing_path=landing_path,
        source=source,
        folder_date=folder_date,
        original=data,
    )
    if run.unchanged:
        return run.skip()
    blank = not data or data.isspace()  # isspace stops at the first other byte: no copy
    fmt = fmt_override or (None if blank else detect(data))
    run.set_format(fmt)
    long_line = None
    if fmt_override is None and not blank and _line_oriented(data[:4096]):
        try:
            check_line_lengths(data)
        except FileRejected as exc:
            long_line = exc.message
    refused = run.refuse_early(blank=blank, long_line=long_line, fmt=fmt)
    if refused is not None:
        return refused
    assert fmt is not None
    return _parse_and_load(run, fmt, data)


def ingest_file(
    ctx: IngestContext,
    path: Path,
    *,
    landing_path: str,
    source: str | None,
    folder_date: date | None,
    name: str | None = None,
) -> FileReport:
    """Ingest the file at ``path``; big CSV files are streamed in chunks (module docstring)."""
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    if size < ctx.stream_threshold_bytes:
        return ingest_bytes(
            ctx,
            path.read_bytes(),
            name=name,
            landing_path=landing_path,
            source=source,
            folder_date=folder_date,
        )
    early = _parse_during_scan(ctx, path, size, source, landing_path)
    try:
        scan = _scan_file(path, early.scanned if early is not None else None)
        run = _FileRun(
            ctx,
            sha=scan.sha256,
            size=scan.size,
            name=name,
            landing_path=landing_path,
            source=source,
            folder_date=folder_date,
            original=path,
        )
        if run.unchanged:
            return run.skip()
        fmt = None if scan.blank else detect(scan.head)
        run.set_format(fmt)
        long_line = scan.long_line if _line_oriented(scan.head[:4096]) else None
        refused = run.refuse_early(blank=scan.blank, long_line=long_line, fmt=fmt)
        if refused is not None:
            return refused
        assert fmt is not None
        if fmt.layout is not None and scan.utf8:
            try:
                parses = early if early is not None and early.fmt is fmt else None
                return _load_chunked(run, fmt, path, parses)
            except _WholeFileNeeded:
                log.info("%s: chunks cannot be trusted, reading it whole", run.report.landing_path)
                run.abandon_load()
                run.report.chunks = 0
    finally:
        if early is not None:
            early.close()
    return _parse_and_load(run, fmt, path.read_bytes())


def _parse_during_scan(
    ctx: IngestContext, path: Path, size: int, source: str | None, landing_path: str
) -> _ChunkParses | None:
    """Start reading and parsing a big CSV's chunks before its scan (sha256, UTF-8, line lengths)
    ends, when the scan cannot change what happens to them: no recorded file has this size (so
    it is neither a re-run nor a duplicate), its head is a chunkable layout from this source,
    and the reader never reads past what the scan has checked (``_ScanProgress``). Nothing is
    loaded before the scan ends; a refusal after it discards the parses. None: scan first."""
    if ctx.manifest.has_size(size):
        return None
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    fmt = detect(head)
    end = head.find(b"\n")
    if fmt is None or fmt.layout is None or end < 0 or not _line_oriented(head[:4096]):
        return None
    if source is not None and not belongs_to(fmt, source):
        return None
    return _ChunkParses(
        path, fmt, head[: end + 1], ctx.chunk_bytes, landing_path, scanned=_ScanProgress()
    )


def _parse_and_load(run: _FileRun, fmt: FileFormat, data: bytes) -> FileReport:
    try:
        parsed = run.parse(fmt, data)
    except FileRejected as exc:
        return run.reject_file(exc.reason_code, exc.message)
    loader = _Loader(run, parsed.main_table, chunked=False)
    try:
        loader.add(parsed, data, line_offset=0)
    except _FileLevel as exc:
        run.report.rows_in = loader.rows_in
        return run.reject_file(exc.reason, exc.message)
    return loader.finish()


def _load_chunked(
    run: _FileRun, fmt: FileFormat, path: Path, parses: _ChunkParses | None = None
) -> FileReport:
    """Chunks k+1.. are read and parsed on a worker thread while chunk k goes through the
    contract on this one (and chunk k-1 is written by the lake's writer thread): polars, numpy,
    hashlib and file reads release the GIL, so the stages overlap on the second core. Results
    are taken in chunk order, so refusals, flags and row numbers are the same as one chunk at a
    time. ``parses``: already started during the scan (``_parse_during_scan``)."""
    assert fmt.layout is not None
    if parses is None:
        with path.open("rb") as f:
            header = f.readline()  # the scan has checked the line lengths
        parses = _ChunkParses(path, fmt, header, run.ctx.chunk_bytes, run.report.landing_path)
    loader = _Loader(run, fmt.layout.table, chunked=True)
    try:
        for first_line, chunk, parsed in parses:
            run.report.chunks += 1
            _load_chunk(loader, first_line, parses.header, chunk, parsed)
    except FileRejected as exc:
        run.report.rows_in = loader.rows_in
        return run.reject_file(exc.reason_code, exc.message)
    except _FileLevel as exc:
        run.report.rows_in = loader.rows_in
        return run.reject_file(exc.reason, exc.message)
    finally:
        parses.close()
    return loader.finish()


def _load_chunk(
    loader: _Loader, first_line: int, header: bytes, chunk: bytes, parsed: ParsedFile
) -> None:
    if any(r.reason_code in _STRUCTURAL for r in parsed.rejects) or (
        chunk.endswith(b"\n") and any(r.reason_code == TRUNCATED_FILE for r in parsed.rejects)
    ):
        raise _WholeFileNeeded
    loader.add(parsed, chunk, line_offset=first_line - 2, header=header)


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
    ctx: IngestContext | None = None,
) -> list[FileReport]:
    """Ingest every landing file (optionally of some sources/dates); returns one report each."""
    ctx = ctx or IngestContext(data_dir=data_dir, run_gx=run_gx)
    landing = landing or data_dir / "landing"
    reports = []
    for source, folder_date, path in landing_files(landing, sources, dates):
        report = ingest_file(
            ctx,
            path,
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
    ctx: IngestContext | None = None,
) -> list[FileReport]:
    """Ingest files a user hands over; the format (and so the source) comes from the content."""
    ctx = ctx or IngestContext(data_dir=data_dir, run_gx=run_gx)
    reports = []
    for path in paths:
        report = ingest_file(
            ctx,
            Path(path),
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


# ------------------------------------------------------------------------------------------
# loading parsed tables: contract, flags, lake, quarantine
# ------------------------------------------------------------------------------------------


class _DuplicateTracker:
    """``is_duplicate_in_file``: the second and later rows of a natural key in one file.

    Within a frame this is the contract's ``duplicate_flag``, run only when the frame's 64-bit
    key hashes are not all distinct (equal keys hash equally), and then only on the rows whose
    hash repeats. A file read in chunks also remembers the hashes of earlier chunks in a byte
    map of ``1 << SLOT_BITS`` slots (128 MB): the hash's top bits pick the slot, which holds an
    8-bit fingerprint of the hash (``1..254``) or ``MIXED`` once rows with two different
    fingerprints have landed in it. A row whose slot holds its own fingerprint or ``MIXED`` may
    have been seen before (a key seen before always does: a slot only ever goes from empty to a
    fingerprint to ``MIXED``); only those rows (about 0.1% of a clean 10M-row file) are looked
    up by their full hash in each earlier chunk's sorted hashes (a binary search, so a chunk's
    cost does not grow with the rows before it), and a hash found there is confirmed exactly
    against that chunk's key columns (a hash collision is only a candidate). A clean chunk costs
    one sort of its hashes and three gathers or scatters on the map, which is backed by huge
    pages where the kernel offers them (fewer TLB misses on random slots).
    """

    SLOT_BITS = 27
    MIXED = 255  # the slot holds rows of more than one fingerprint

    def __init__(self, contract: data_contracts.Contract, remember: bool) -> None:
        self.contract = contract
        self.key = list(contract.natural_key)
        self.slots = _zeroed_bytes(1 << self.SLOT_BITS) if remember else None
        # per earlier chunk: its hashes sorted (to search), as they came (to find the rows of
        # a hash found), and its key columns
        self.earlier: list[tuple[np.ndarray, np.ndarray, pl.DataFrame]] = []

    def flag(self, frame: pl.DataFrame) -> pl.Series:
        keys = frame.select(self.key)
        hashes = keys.hash_rows()
        within = np.zeros(frame.height, dtype=bool)
        # sorted, equal hashes sit side by side; a chunked file keeps the sort for later lookups
        ordered = hashes.sort().to_numpy()
        if (ordered[1:] == ordered[:-1]).any():
            repeats = hashes.is_duplicated()  # every row of a repeated hash, in file order
            candidates = repeats.arg_true()
            flags = frame.filter(repeats).select(data_contracts.duplicate_flag(self.contract))
            within[candidates.to_numpy()] = flags.to_series().to_numpy()
        if self.slots is not None:
            h = hashes.to_numpy()
            maybe = self._remember(h)
            if maybe.any():
                within[self._seen_before(keys, h, maybe)] = True
            if h.size:
                self.earlier.append((ordered, h, keys))
        return pl.Series("is_duplicate_in_file", within)

    def _remember(self, hashes: np.ndarray) -> np.ndarray:
        """Mark the rows' hashes in the slot map; True where the hash may have been seen before."""
        assert self.slots is not None
        slot = (hashes >> np.uint64(64 - self.SLOT_BITS)).astype(np.intp)
        fingerprint = (hashes & np.uint64(0xFF)).astype(np.uint8)
        np.clip(fingerprint, 1, self.MIXED - 1, out=fingerprint)
        old = self.slots[slot]
        maybe = (old == fingerprint) | (old == self.MIXED)
        new = np.where((old == 0) | (old == fingerprint), fingerprint, np.uint8(self.MIXED))
        self.slots[slot] = new
        # Rows of this chunk that share a slot with different fingerprints: the last write won.
        clash = self.slots[slot] != new
        if clash.any():
            self.slots[slot[clash]] = self.MIXED
        return maybe

    def _seen_before(self, keys: pl.DataFrame, hashes: np.ndarray, maybe: np.ndarray) -> np.ndarray:
        """The rows (frame positions) flagged ``maybe`` whose key an earlier chunk had."""
        wanted = np.unique(hashes[maybe])
        found = []
        for ordered, earlier_hashes, earlier_keys in self.earlier:
            at = np.minimum(np.searchsorted(ordered, wanted), ordered.size - 1)
            hits = wanted[ordered[at] == wanted]
            if hits.size:  # rare (a duplicate or a hash collision): find that chunk's rows
                found.append(earlier_keys.filter(pl.Series(np.isin(earlier_hashes, hits))))
        if not found:
            return np.zeros(0, dtype=np.int64)
        earlier = pl.concat(found).unique()
        return (
            keys.with_row_index("__i")
            .filter(pl.Series(maybe))
            .join(earlier, on=self.key, how="semi", nulls_equal=True)
            .get_column("__i")
            .to_numpy()
        )


def _zeroed_bytes(size: int) -> np.ndarray:
    """A zeroed, writable uint8 array of ``size`` bytes in its own anonymous mapping, asking the
    kernel for transparent huge pages (a hint: where they are off, it is ordinary memory)."""
    if not hasattr(mmap, "MAP_ANONYMOUS"):  # not a Unix: ordinary zeroed memory
        return np.zeros(size, np.uint8)
    buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            buf.madvise(mmap.MADV_HUGEPAGE)
        except OSError:
            pass
    return np.frombuffer(buf, np.uint8)


def _formula_flag(frame: pl.DataFrame) -> pl.Expr:
    """True where a text cell would run as a spreadsheet formula (stored as text, never run).

    Every trigger (``= + - @``, tab, CR) sorts below ``"A"``: a byte comparison per cell (4x
    cheaper than the regex) finds the columns that can hold one, and only those get the regex.
    """
    text_cols = [
        c for c, t in frame.schema.items() if t == pl.String and c not in ("source", "file_sha256")
    ]
    if not text_cols or frame.height == 0:
        return pl.lit(False)
    maybe = frame.select((pl.col(c) < "A").any() for c in text_cols).row(0)
    cols = [c for c, m in zip(text_cols, maybe, strict=True) if m]
    if not cols:
        return pl.lit(False)
    return pl.any_horizontal([pl.col(c).str.contains(FORMULA_RE).fill_null(False) for c in cols])


class _Loader:
    """One file's tables through the contract into the lake, one parsed chunk at a time."""

    def __init__(self, run: _FileRun, main_table: str, *, chunked: bool) -> None:
        self.run = run
        self.ctx = run.ctx
        self.main_table = main_table
        self.chunked = chunked
        report = run.report
        run.staged = lake_io.StagedWrite(
            self.ctx.lake, lake_io.file_key(report.source, report.sha256), background=chunked
        )
        self.staged = run.staged
        self.rows_in = 0
        self.loaded: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.warnings: Counter[str] = Counter()
        self.quarantined: list[pl.DataFrame] = []
        self.dups: dict[str, _DuplicateTracker] = {}
        self.duplicates = 0
        self.formulas = 0
        self.last_date: date | None = None
        self.part = 0

    def add(self, parsed: ParsedFile, data: bytes, line_offset: int, header: bytes = b"") -> None:
        """Check, flag and stage one parse result; ``line_offset`` shifts its row numbers.

        ``header``: the line the parser saw in front of ``data`` (a chunk parsed with its header).
        """
        part = self.part
        self.part += 1
        self.rows_in += parsed.rows_in
        if parsed.rejects:
            self.reasons.update(r.reason_code for r in parsed.rejects)
            self.quarantined.append(
                pl.DataFrame(
                    {
                        "dataset": [parsed.main_table] * len(parsed.rejects),
                        "row_number": [r.row_number + line_offset for r in parsed.rejects],
                        "reason_code": [r.reason_code for r in parsed.rejects],
                        "message": [r.message for r in parsed.rejects],
                        "raw": [r.raw[:RAW_LIMIT] for r in parsed.rejects],
                    },
                    schema=_QUARANTINE_SCHEMA,
                )
            )
        for dataset, frame in parsed.tables.items():
            contract = data_contracts.load_contract(dataset)
            problems = data_contracts.schema_problems(contract, frame, stage="parsed")
            if problems:
                raise _FileLevel(CONTRACT_SCHEMA, f"{dataset}: " + "; ".join(problems))
            failures = data_contracts.row_failures(contract, frame)
            # Warning-level rules (e.g. an IFSC's shape) flag in the report; only errors quarantine.
            warnings = failures.filter(pl.col("severity") != "error")
            failures = failures.filter(pl.col("severity") == "error")
            for code, n in warnings.group_by("reason_code").len().iter_rows():
                self.warnings[code] += n
            if failures.height and dataset != parsed.main_table:
                # A statement whose balances do not chain cannot be trusted line by line.
                first = failures.row(0, named=True)
                reason = (
                    "balance_mismatch" if "balance" in first["rule_id"] else first["reason_code"]
                )
                message = f"{dataset}: {first['message']}"
                if parsed.rejects:  # say why, when entries could not be read
                    r, n = parsed.rejects[0], len(parsed.rejects)
                    message += (
                        f"; {n} entr{'y' if n == 1 else 'ies'} could not be read"
                        f" (entry {r.row_number}: {r.message})"
                    )
                raise _FileLevel(reason, message)
            if failures.height:
                frame = self._quarantine_failures(
                    dataset, frame, failures, data, line_offset, parsed.format, header
                )
            frame = self._flag(dataset, contract, frame, is_main=dataset == parsed.main_table)
            if line_offset and "source_row" in frame.columns:
                frame = frame.with_columns(pl.col("source_row") + line_offset)
            frame = frame.select(list(contract.polars_schema))  # the contract's column order
            if dataset == parsed.main_table and frame.height:
                part_col = lake_io.partition_column(frame)
                if part_col is not None:
                    latest = frame.get_column(part_col).max()
                    if isinstance(latest, date) and (
                        self.last_date is None or latest > self.last_date
                    ):
                        self.last_date = latest
                if self.ctx.run_gx:
                    self.ctx.queue_gx(dataset, frame, self.run.report)
            self.loaded[dataset] += self.staged.write(dataset, frame, part)

    def _flag(
        self, dataset: str, contract: data_contracts.Contract, frame: pl.DataFrame, is_main: bool
    ) -> pl.DataFrame:
        tracker = self.dups.get(dataset)
        if tracker is None:
            tracker = self.dups[dataset] = _DuplicateTracker(contract, remember=self.chunked)
        dup = tracker.flag(frame)
        report = self.run.report
        frame = frame.with_columns(dup, has_formula_text=_formula_flag(frame)).with_columns(
            source=pl.lit(report.source), file_sha256=pl.lit(report.sha256)
        )
        if is_main:
            self.duplicates += int(dup.sum())
            self.formulas += int(frame.get_column("has_formula_text").sum())
        return frame

    def _quarantine_failures(
        self,
        dataset: str,
        frame: pl.DataFrame,
        failures: pl.DataFrame,
        data: bytes,
        line_offset: int,
        fmt_name: str,
        header: bytes = b"",
    ) -> pl.DataFrame:
        """Move the rows that break an error rule to quarantine (first failed rule per row).

        ``header``: the line in front of ``data`` in the parser's row numbering (a chunk).
        """
        per_row = failures.group_by("row_index", maintain_order=True).first()
        indexed = frame.with_row_index("row_index").with_columns(pl.col("row_index").cast(pl.Int64))
        bad = indexed.join(per_row, on="row_index", how="inner")
        if "source_row" not in bad.columns:  # our own books: the row's position
            bad = bad.with_columns(source_row=pl.col("row_index") + 1)
        # CSV parsers number rows by physical line; statements number entries, not lines.
        is_csv = fmt_name.endswith("csv") and _is_text(header + data[:4096])
        lines: dict[int, str] = {}
        if is_csv:
            skip = header.count(b"\n")  # lines the parser counted before ``data``
            found = _raw_lines(data, [n - skip for n in bad.get_column("source_row").to_list()])
            lines = {n + skip: text for n, text in found.items()}
        raws = []
        for row in bad.iter_rows(named=True):
            raw = lines.get(row["source_row"])
            if raw is None:
                raw = json.dumps(
                    {
                        k: v
                        for k, v in row.items()
                        if k not in ("row_index", "rule_id", "reason_code", "message")
                    },
                    default=str,
                )
            raws.append(raw[:RAW_LIMIT])
        self.reasons.update(bad.get_column("reason_code").to_list())
        self.quarantined.append(
            pl.DataFrame(
                {
                    "dataset": [dataset] * bad.height,
                    "row_number": (bad.get_column("source_row") + line_offset).to_list(),
                    "reason_code": bad.get_column("reason_code").to_list(),
                    "message": bad.get_column("message").to_list(),
                    "raw": raws,
                },
                schema=_QUARANTINE_SCHEMA,
            )
        )
        bad_idx = per_row.get_column("row_index")
        return (
            indexed.filter(~pl.col("row_index").is_in(bad_idx.implode()))
            .drop("row_index")
            .select(frame.columns)
        )

    def finish(self) -> FileReport:
        self.staged.wait()  # a failed lake write fails the file before anything is published
        report = self.run.report
        report.rows_in = self.rows_in
        report.rows_loaded = self.loaded.get(self.main_table, 0)
        report.datasets = dict(sorted(self.loaded.items()))
        report.reasons = dict(sorted(self.reasons.items()))
        report.warnings = dict(sorted(self.warnings.items()))
        report.duplicate_rows_flagged = self.duplicates
        report.formula_cells_flagged = self.formulas
        if report.business_date is None and self.last_date is not None:
            report.business_date = self.last_date
        rows = (
            pl.concat(self.quarantined).sort("row_number", maintain_order=True)
            if self.quarantined
            else None
        )
        report.rows_quarantined = rows.height if rows is not None else 0
        if rows is not None and rows.height:
            q = self.ctx.quarantine
            quarantine.keep_original(
                q, report.source, report.sha256, self.run.name, self.run.original
            )
            quarantine.quarantine_rows(
                q,
                report.source,
                report.sha256,
                rows.with_columns(
                    file_sha256=pl.lit(report.sha256),
                    landing_path=pl.lit(report.landing_path),
                    source=pl.lit(report.source),
                ),
            )
        outcome = "loaded"
        if report.rows_quarantined:
            outcome = "partially_quarantined" if report.rows_loaded else "quarantined"
        return self.run.finish(outcome)


_QUARANTINE_SCHEMA = {
    "dataset": pl.String,
    "row_number": pl.Int64,
    "reason_code": pl.String,
    "message": pl.String,
    "raw": pl.String,
}


# ------------------------------------------------------------------------------------------
# bytes helpers
# ------------------------------------------------------------------------------------------


def _is_text(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" not in head and not head.lstrip().startswith((b"<", b"{", b"["))


def _line_oriented(head: bytes) -> bool:
    """CSV and MT940 are read line by line; XML and JSON may legitimately be one long line."""
    head = head.replace(b"\x00", b"")
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    return not head.lstrip().startswith((b"<", b"{", b"["))


def _raw_lines(data: bytes, numbers: Iterable[int]) -> dict[int, str]:
    """The physical lines (1-based) of ``data`` asked for, decoded as the parsers decode.

    Newlines are found with numpy, 1 MB at a time and only as far as the last line asked for,
    so a few bad rows at the end of a big file cost one vectorised pass, not a list of lines.
    """
    wanted = sorted({n for n in numbers if n is not None and n >= 1})
    if not wanted:
        return {}
    arr = np.frombuffer(data, np.uint8)
    need = wanted[-1] - 1  # newlines before the last wanted line
    found: list[np.ndarray] = []
    count = 0
    step = 1 << 20
    for s in range(0, arr.size, step):
        if count >= need:
            break
        nl = np.flatnonzero(arr[s : s + step] == 10) + s
        found.append(nl)
        count += nl.size
    newlines = np.concatenate(found) if found else np.zeros(0, np.int64)
    out: dict[int, str] = {}
    for n in wanted:
        if n - 2 >= newlines.size:
            break
        start = 0 if n == 1 else int(newlines[n - 2]) + 1
        end = data.find(b"\n", start)
        line = data[start : end if end >= 0 else len(data)]
        out[n] = decode(line)[0].rstrip("\r")[:RAW_LIMIT]
    return out


@dataclass
class _Scan:
    sha256: str
    size: int
    head: bytes
    blank: bool
    utf8: bool
    long_line: str | None  # the line_too_long message, if a line is over the limit


class _LongLineFinder:
    """``check_line_lengths`` over a stream of blocks: about one ``rfind`` per MB."""

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self.line_start = 0  # absolute offset of the current line
        self.too_long_at: int | None = None  # offset where the first overlong line starts

    def feed(self, block: bytes, offset: int) -> None:
        end = offset + len(block)
        while self.too_long_at is None:
            lo = max(self.line_start - offset, 0)
            window_end = self.line_start + self.limit + 1
            if window_end > end:  # cannot decide yet: remember the last line start
                nl = block.rfind(b"\n", lo)
                if nl >= 0:
                    self.line_start = offset + nl + 1
                return
            nl = block.rfind(b"\n", lo, window_end - offset)
            if nl < 0:
                self.too_long_at = self.line_start
                return
            self.line_start = offset + nl + 1

    def close(self, size: int) -> None:
        if self.too_long_at is None and size - self.line_start > self.limit:
            self.too_long_at = self.line_start


def _line_number_at(path: Path, offset: int) -> int:
    """1-based number of the line starting at byte ``offset`` (counts newlines before it)."""
    count, done = 0, 0
    with path.open("rb") as f:
        while done < offset and (block := f.read(min(_READ_BLOCK, offset - done))):
            count += block.count(b"\n")
            done += len(block)
    return count + 1


class _ScanProgress:
    """How far the scan has read a file, for a chunk reader started before the scan ends: the
    reader waits until the scan has checked the bytes it wants, and stops when the scan found
    what ends chunked reading (an overlong line, bytes that are not UTF-8)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._scanned = 0
        self._halted = False
        self._ended = False

    def advance(self, scanned: int, *, halt: bool) -> None:
        with self._changed:
            self._scanned, self._halted = scanned, halt
            self._changed.notify_all()

    def end(self) -> None:
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_past(self, offset: int) -> bool:
        """Block until the scan has checked ``offset`` bytes; False if they will not be read."""
        with self._changed:
            self._changed.wait_for(lambda: self._halted or self._ended or self._scanned >= offset)
            return not self._halted and self._scanned >= offset


def _scan_file(path: Path, progress: _ScanProgress | None = None) -> _Scan:
    """One streaming pass: sha256, the sniffing head, blank?, valid UTF-8?, an overlong line?

    ``progress`` hears how far the pass has got (a chunk reader runs behind it)."""
    try:
        return _scan(path, progress)
    finally:
        if progress is not None:
            progress.end()


def _scan(path: Path, progress: _ScanProgress | None) -> _Scan:
    digest = hashlib.sha256()
    finder = _LongLineFinder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, blank, head, size = True, True, b"", 0
    buf = bytearray(_READ_BLOCK)  # reused: no fresh pages to fault in per block
    view = memoryview(buf)
    with path.open("rb") as f:
        while n := f.readinto(view):
            block = buf if n == len(buf) else buf[:n]
            digest.update(block)
            if size == 0:
                head = bytes(block[:SNIFF_BYTES])
            if blank and not block.isspace():
                blank = False
            finder.feed(block, size)
            if is_utf8 and not (block.isascii() and not utf8.getstate()[0]):
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
            size += len(block)
            if progress is not None:
                progress.advance(size, halt=finder.too_long_at is not None or not is_utf8)
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    finder.close(size)
    long_line = None
    if finder.too_long_at is not None:
        long_line = (
            f"line {_line_number_at(path, finder.too_long_at)} is longer than "
            f"{MAX_LINE_BYTES:,} bytes; not a settlement file"
        )
    return _Scan(digest.hexdigest(), size, head, blank, is_utf8, long_line)


class _ByteCounter:
    """Counts one byte value in a slice of a buffer with numpy, a few MB at a time through one
    reused scratch array: 2x faster than ``bytes.count`` and no fresh pages to fault in."""

    STEP = 4 << 20

    def __init__(self) -> None:
        self.scratch = np.empty(self.STEP, dtype=bool)

    def count(self, arr: np.ndarray, value: int, start: int, end: int) -> int:
        total = 0
        for s in range(start, end, self.STEP):
            e = min(s + self.STEP, end)
            hit = self.scratch[: e - s]
            np.equal(arr[s:e], value, out=hit)
            total += int(np.count_nonzero(hit))
        return total


def _record_cut(data: bytes, counter: _ByteCounter) -> int:
    """Offset in ``data`` just after its last newline outside quotes (the quote count of
    ``data`` up to there is even), or -1 if there is none. ``data`` starts at a record
    boundary, where the quote count is even. Quotes are counted with numpy."""
    nl = data.rfind(b"\n")
    if nl < 0:
        return -1
    quotes = counter.count(np.frombuffer(data, np.uint8), 34, 0, nl)
    while quotes % 2:
        prev = data.rfind(b"\n", 0, nl)
        if prev < 0:
            return -1
        quotes -= data.count(b'"', prev, nl)
        nl = prev
    return nl + 1


def _after_last_newline(fd: int, start: int, end: int) -> int:
    """Offset just after the last newline in the MB before ``end`` (not before ``start``), or
    ``end`` when there is none: where a chunk that should end near ``end`` can end."""
    lo = max(start, end - _PEEK_BYTES)
    window = os.pread(fd, end - lo, lo)
    nl = window.rfind(b"\n")
    return lo + nl + 1 if nl >= 0 else end


class _Chunk(NamedTuple):
    first_line: int  # physical line number of its first line in the file
    body: bytes
    newlines: np.ndarray  # ``newline_index(body, header_line=True)``: for the parser too


def _record_chunks(
    f: BinaryIO, chunk_bytes: int, scanned: _ScanProgress | None = None
) -> Iterator[_Chunk]:
    """Record-aligned chunks of everything after the header line, which ``f`` has already
    read, each with its physical first line number and its newline index (which numbers the
    next chunk's lines and which the parser uses instead of finding the newlines again).

    Each chunk is read once, straight into its own ``bytes``: a 1 MB read before the chunk's
    target end finds the last newline there, and the chunk is read up to it. Only when that
    newline is inside a quoted field (an odd quote count up to it) or there is none is the
    chunk cut again (a copy) and the rest carried into the next one. ``scanned``: a scan runs
    ahead of this reader; no byte it has not checked is read (``_ScanProgress``)."""
    fd = f.fileno()
    offset, size = f.tell(), os.fstat(fd).st_size
    counter = _ByteCounter()
    carry = b""
    line = 2
    while offset < size:
        end = min(offset + chunk_bytes, size)
        if scanned is not None and not scanned.wait_past(end):
            raise _WholeFileNeeded
        if end < size:
            end = _after_last_newline(fd, offset, end)
        body = os.pread(fd, end - offset, offset)
        if not body:  # the file got shorter while it was read
            break
        offset += len(body)
        if carry:
            body, carry = carry + body, b""
        if offset < size:
            cut = _record_cut(body, counter)
            if cut <= 0:
                carry = body
                if len(carry) >= 4 * chunk_bytes:  # quotes never balance: cannot cut safely
                    raise _WholeFileNeeded
                continue
            if cut < len(body):
                body, carry = body[:cut], body[cut:]
        chunk = _Chunk(line, body, newline_index(body, header_line=True))
        yield chunk
        line += chunk.newlines.size - 1  # without the header's virtual newline
    if carry:
        yield _Chunk(line, carry, newline_index(carry, header_line=True))


class _ChunkParses:
    """The chunks of a big one-record-per-line CSV, parsed ahead of their loading on one worker
    thread (``AHEAD`` chunks at most, so memory stays bounded), in file order. Reading a chunk
    (its bytes, the quote count that places its cut, its newline index) runs one chunk ahead
    on a reader thread, so the parse worker, the longest stage, only parses.

    While the file's scan runs (``scanned``), nothing is loaded, so the parse worker is the only
    work for the second core: it may then parse up to ``AHEAD_DURING_SCAN`` chunks ahead (about
    260 MB each, bytes and table); loading drains that back to ``AHEAD``."""

    AHEAD = 3
    AHEAD_DURING_SCAN = 6

    def __init__(
        self,
        path: Path,
        fmt: FileFormat,
        header: bytes,
        chunk_bytes: int,
        where: str,
        scanned: _ScanProgress | None = None,
    ) -> None:
        self.fmt = fmt
        self.header = header
        self.scanned = scanned
        self._where = where
        self._file = path.open("rb")
        self._file.seek(len(header))
        self._chunks = _record_chunks(self._file, chunk_bytes, scanned)
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="chunk-read")
        self._next_chunk: Future[_Chunk | None] = self._reader.submit(next, self._chunks, None)
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="parse")
        ahead = self.AHEAD if scanned is None else self.AHEAD_DURING_SCAN
        self._ahead: deque[Future[tuple[int, bytes, ParsedFile] | None]] = deque(
            self._worker.submit(self._read_and_parse) for _ in range(ahead)
        )

    def _read_and_parse(self) -> tuple[int, bytes, ParsedFile] | None:
        """On the parse worker: take the chunk read ahead, start reading the next, parse."""
        chunk = self._next_chunk.result()  # a reading error is raised here, in chunk order
        if chunk is None:
            return None
        self._next_chunk = self._reader.submit(next, self._chunks, None)
        parsed = _parse_guarded(
            self.fmt,
            lambda: self.fmt.parse_chunk(self.header, chunk.body, chunk.newlines),
            self._where,
        )
        return chunk.first_line, chunk.body, parsed

    def __iter__(self) -> Iterator[tuple[int, bytes, ParsedFile]]:
        while self._ahead and (item := self._ahead.popleft().result()) is not None:
            if len(self._ahead) < self.AHEAD:
                self._ahead.append(self._worker.submit(self._read_and_parse))
            yield item

    def close(self) -> None:
        """Stop reading (idempotent): parses not started are dropped, a running one ends."""
        for pending in self._ahead:
            pending.cancel()
        self._ahead.clear()
        if self.scanned is not None:
            self.scanned.end()  # a reader waiting for a scan that will not come stops
        self._worker.shutdown(wait=True)
        self._reader.shutdown(wait=True, cancel_futures=True)  # before its file is closed
        self._file.close()
