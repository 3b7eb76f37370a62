"""What the Airflow DAGs call: ingest one source's landing folder for one day, extract the books,
refresh the warehouse, summarise, and say clearly when a file failed its contract.

Thin on purpose (the DAGs hold no logic, this module holds little): every step is the same
function the ``hisaab`` CLI calls (``ingest_landing``, ``extract_books``, ``store_reports``,
``refresh_views``, ``ensure_tables``); what is added here is what an unattended scheduler needs:
a summary for the task log, the decision "fail this source's task" when its file was quarantined
whole, and a dbt manifest so the recon DAG parses without running dbt.

Nothing here imports Airflow, and nothing heavy is imported at module level (DAG files import
this module while Airflow parses them).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from hisaab.settings import Settings
    from pipelines.ingest import FileReport

log = logging.getLogger("pipelines.orchestration")

IST = ZoneInfo("Asia/Kolkata")

#: The single-writer pool: DuckDB allows one writing process, and the lake manifest is rewritten
#: whole by each ingestion, so every task that writes either one runs in this 1-slot pool.
WRITER_POOL = "duckdb_warehouse"

#: Landing sources by family, with the lake datasets each one's files feed.
BANK_DATASETS = ("bank_statements", "bank_statement_entries", "bank_statement_transaction_details")
FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "gateways": {
        "razorpay": ("razorpay_settlement_lines",),
        "payu": ("payu_settlement_lines",),
        "ccavenue": ("ccavenue_settlement_lines",),
    },
    "upi": {"upi_switch": ("upi_switch_transactions", "upi_switch_adjustments")},
    "bank": {"bank_hdfc": BANK_DATASETS, "bank_icici": BANK_DATASETS, "bank_axis": BANK_DATASETS},
}
#: Families that send nothing on a day banks do not settle (a UPI switch reports every day).
BUSINESS_DAYS_ONLY = frozenset({"gateways", "bank"})
#: Our books' datasets (``pipelines.extract.BOOK_DATASETS``; a test keeps the two in step).
LEDGER_DATASETS = (
    "ledger_payments",
    "ledger_refunds",
    "ledger_chargebacks",
    "ledger_payouts",
    "ledger_settlements",
    "merchants",
    "customers",
    "bnpl_applications",
    "ledger_accounts",
    "ledger_transfers",
)

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt"
#: Where ``dbt parse`` writes the manifest the recon DAG is rendered from (not dbt/target itself,
#: which every ``hisaab recon`` rewrites while Airflow may be reading it).
DEFAULT_DBT_MANIFEST = DBT_DIR / "target" / "airflow" / "manifest.json"
DBT_PROJECT_CONTENT = ("models", "macros", "seeds", "snapshots", "tests", "analyses")


class FileQuarantined(Exception):
    """A source's landing file failed its contract and was quarantined whole."""


def settings() -> Settings:
    """The settings as the environment says now (long-lived workers and tests change it)."""
    from hisaab.settings import Settings

    return Settings()


def warehouse_path(s: Settings | None = None) -> Path:
    s = s or settings()
    return Path(s.warehouse).resolve()


def business_day(when: datetime | None) -> date:
    """The IST date a run is for: the landing folder it reads."""
    if when is None:
        raise ValueError("a run without a logical date has no landing day; trigger it with one")
    if when.tzinfo is None:
        raise ValueError("logical dates are timezone-aware")
    return when.astimezone(IST).date()


def family_of(source: str) -> str:
    for family, sources in FAMILIES.items():
        if source in sources:
            return family
    raise KeyError(f"unknown landing source {source!r}")


def landing_folder(source: str, day: date, data_dir: Path | None = None) -> Path:
    data_dir = data_dir or settings().data_dir
    return Path(data_dir) / "landing" / source / day.isoformat()


def landed_files(source: str, day: date, data_dir: Path | None = None) -> list[str]:
    """Names of the files in the source's landing folder for ``day`` (empty when none yet)."""
    folder = landing_folder(source, day, data_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def expects_files(source: str, day: date) -> bool:
    """False on days the source sends nothing (gateways and banks on bank holidays)."""
    from hisaab.calendar import is_business_day

    return family_of(source) not in BUSINESS_DAYS_ONLY or is_business_day(day)


# --- what a run did ---------------------------------------------------------------------------


@dataclass
class FileProblem:
    """A file quarantined whole: which file, which rule (reason code), in plain words."""

    landing_path: str
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.landing_path}: {self.reason} ({self.message})"


@dataclass
class RunSummary:
    """One task's ingestion: the per-file reports, rows by dataset, files quarantined whole."""

    label: str
    reports: list[FileReport] = field(default_factory=list)
    quarantined: list[FileProblem] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return sum(r.rows_in for r in self.reports)

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.reports)

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows_quarantined for r in self.reports)

    @property
    def datasets(self) -> dict[str, int]:
        """Rows written per lake dataset by this run (0 for a re-run: nothing new)."""
        out: dict[str, int] = {}
        for r in self.reports:
            for name, rows in r.datasets.items():
                out[name] = out.get(name, 0) + rows
        return out

    def lines(self) -> list[str]:
        """The summary for a task log: one line per file, then the totals."""
        out = []
        for r in self.reports:
            why = [f"{k}×{v}" for k, v in sorted(r.reasons.items())]
            if r.duplicate_rows_flagged:
                why.append(f"duplicate rows flagged×{r.duplicate_rows_flagged}")
            if r.formula_cells_flagged:
                why.append(f"formula text flagged×{r.formula_cells_flagged}")
            if r.warnings:
                why += [f"warning {k}×{v}" for k, v in sorted(r.warnings.items())]
            if r.message:
                why.append(r.message)
            out.append(
                f"{r.landing_path}: {r.outcome}; rows in {r.rows_in:,} = loaded {r.rows_loaded:,}"
                f" + quarantined {r.rows_quarantined:,}" + (f"; {'; '.join(why)}" if why else "")
            )
        new = [r for r in self.reports if r.outcome != "skipped"]
        out.append(
            f"{self.label}: {len(self.reports)} file(s), {len(new)} new, "
            f"{len(self.reports) - len(new)} already ingested; rows in {self.rows_in:,} = "
            f"loaded {self.rows_loaded:,} + quarantined {self.rows_quarantined:,}; "
            f"quarantined rows by reason {json.dumps(self.reasons(), sort_keys=True)}; "
            f"files quarantined whole: {len(self.quarantined)}"
        )
        out += [f"QUARANTINED {p}" for p in self.quarantined]
        return out

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.reports:
            for k, v in r.reasons.items():
                out[k] = out.get(k, 0) + v
        return out

    def log(self) -> None:
        for line in self.lines():
            bad = (
                line.startswith("QUARANTINED") or ": quarantined;" in line or "partially_q" in line
            )
            (log.warning if bad else log.info)("%s", line)

    def raise_if_quarantined(self) -> None:
        """Fail (after the summary is logged) when any file of this run was quarantined whole."""
        if self.quarantined:
            raise FileQuarantined(
                f"{self.label}: {len(self.quarantined)} file(s) failed their contract and were "
                "quarantined whole: " + "; ".join(str(p) for p in self.quarantined)
            )


def _quarantined_whole(
    data_dir: Path, prefix: str, reports: Iterable[FileReport]
) -> list[FileProblem]:
    """Current manifest entries under ``prefix`` quarantined whole, with their reason.

    Read from the manifest rather than this run's reports, so a re-run (where the manifest makes
    every file a no-op "skipped") still fails for a file that is still quarantined.
    """
    import polars as pl

    from pipelines.manifest import Manifest

    frame = Manifest(Path(data_dir) / "lake").frame.filter(
        pl.col("is_current")
        & (pl.col("outcome") == "quarantined")
        & pl.col("landing_path").str.starts_with(prefix)
    )
    by_path = {r.landing_path: r for r in reports}
    problems = []
    for path, source, sha in frame.select("landing_path", "source", "sha256").iter_rows():
        report = by_path.get(path)
        if report is not None and report.outcome == "quarantined":
            reason = ", ".join(sorted(report.reasons)) or "quarantined"
            message = report.message
        else:
            note = Path(data_dir) / "quarantine" / "files" / source / sha[:16] / "reason.json"
            try:
                saved = json.loads(note.read_text())
                reason, message = saved["reason_code"], saved["message"]
            except (OSError, ValueError, KeyError):  # every row failed: no file-level note
                reason, message = "quarantined", f"see quarantine/rows/{source}-{sha[:16]}.parquet"
        problems.append(FileProblem(path, reason, message))
    return problems


def _publish_reports(data_dir: Path, reports: list[FileReport]) -> None:
    """What ``hisaab ingest`` does after ingesting: lake views and the run's reports."""
    from pipelines import warehouse as wh

    with wh.connect(warehouse_path()) as con:
        wh.refresh_views(con, data_dir)
        wh.store_reports(con, reports)


def ingest_source(source: str, day: date, *, run_gx: bool = True) -> RunSummary:
    """Ingest ``landing/<source>/<day>/`` (a no-op for files already in the manifest)."""
    from pipelines.ingest import ingest_landing

    data_dir = Path(settings().data_dir)
    family_of(source)  # an unknown source is a programming error: fail loudly
    reports = ingest_landing(data_dir, sources=[source], dates=[day], run_gx=run_gx)
    _publish_reports(data_dir, reports)
    summary = RunSummary(label=f"{source} {day.isoformat()}", reports=reports)
    summary.quarantined = _quarantined_whole(data_dir, f"{source}/{day.isoformat()}/", reports)
    summary.log()
    return summary


BOOKS_SOURCES = ("books", "api")


def extract_ledger(*, run_gx: bool = True, source: str = "books") -> RunSummary:
    """Our books into the lake (``hisaab extract [--from api]``); a no-op for books already
    extracted. ``source``: ``books`` (the simulator's books folder) or ``api`` (the transaction
    core's database: ``DATABASE_URL``, else the SQLite file in the data dir)."""
    from pipelines.extract import extract_api, extract_books

    if source not in BOOKS_SOURCES:
        raise ValueError(f"books source must be one of {', '.join(BOOKS_SOURCES)}, not {source!r}")
    s = settings()
    data_dir = Path(s.data_dir)
    if source == "api":
        url = s.oltp_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            raise FileNotFoundError(
                f"no API database at {url.removeprefix('sqlite:///')}: set DATABASE_URL to the "
                "transaction core's database, or run `hisaab api migrate` and take payments first"
            )
        reports = extract_api(data_dir, url, run_gx=run_gx)
    else:
        reports = extract_books(data_dir, run_gx=run_gx)
    _publish_reports(data_dir, reports)
    summary = RunSummary(label="ledger", reports=reports)
    summary.quarantined = _quarantined_whole(data_dir, f"{source}/", reports)
    summary.log()
    return summary


def prepare_warehouse() -> list[str]:
    """Before dbt: lake views and the break-workflow tables (as ``run_recon`` does)."""
    from pipelines import warehouse as wh
    from pipelines.recon import workflow

    data_dir = Path(settings().data_dir)
    with wh.connect(warehouse_path()) as con:
        names = wh.refresh_views(con, data_dir)
        workflow.ensure_tables(con)
    log.info("warehouse %s: %d lake views refreshed: %s", warehouse_path(), len(names), names)
    return names


# --- marts ------------------------------------------------------------------------------------


def mart_names() -> list[str]:
    """The dbt marts (``dbt/models/marts/**.sql``), read from the project without dbt."""
    return sorted(p.stem for p in (DBT_DIR / "models" / "marts").rglob("*.sql"))


def summarise_marts() -> dict[str, object]:
    """Row counts per mart and open breaks by kind, logged for the operator."""
    import sys

    from pipelines import warehouse as wh
    from pipelines.recon import dbt_runner
    from pipelines.recon.runner import SUMMARY_SQL

    release = getattr(dbt_runner, "_release_duckdb", None)
    if "dbt.adapters.duckdb" in sys.modules and release is not None:
        # dbt ran in this process (dbtRunner; under `dag.test()` every task does): its DuckDB
        # handle must go before the file can be opened read-only.
        release()
    with wh.connect(warehouse_path(), read_only=True) as con:
        counts = wh.query_frame(
            con,
            " union all ".join(
                f"select '{m}' as mart, count(*) as n from marts.{m}" for m in mart_names()
            ),
        )
        rows = {m: int(n) for m, n in counts.iter_rows()}
        breaks = wh.query_frame(con, SUMMARY_SQL["breaks_by_kind"].format(schema="marts"))
    by_kind = {k: int(n) for k, n in breaks.select("kind", "breaks").iter_rows()}
    log.info("marts: %s", ", ".join(f"{m} {n:,} rows" for m, n in rows.items()))
    log.info("open breaks by kind: %s (total %d)", by_kind, sum(by_kind.values()))
    return {"rows": rows, "breaks_by_kind": by_kind}


# --- the dbt manifest the recon DAG is rendered from -------------------------------------------


def dbt_manifest_path() -> Path:
    return Path(os.environ.get("HISAAB_DBT_MANIFEST") or DEFAULT_DBT_MANIFEST)


def dbt_manifest_is_fresh(manifest: Path | None = None) -> bool:
    """True when the manifest exists and is newer than every file of the dbt project."""
    manifest = manifest or dbt_manifest_path()
    try:
        built = manifest.stat().st_mtime
    except OSError:
        return False
    files = [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml"]
    for sub in DBT_PROJECT_CONTENT:
        folder = DBT_DIR / sub
        if folder.is_dir():
            files += [p for p in folder.rglob("*") if p.is_file()]
    return all(p.stat().st_mtime <= built for p in files if p.exists())


def write_dbt_manifest(manifest: Path | None = None) -> Path:
    """``dbt parse`` (seconds; no warehouse connection), then the manifest moved into place at
    once, so Airflow parsing the recon DAG meanwhile never reads half a file."""
    from pipelines.recon.dbt_runner import run_dbt

    manifest = (manifest or dbt_manifest_path()).resolve()
    work = manifest.parent / ".dbt-parse"  # dbt's target dir; its partial parse speeds the next
    result = run_dbt(["parse", "--target-path", str(work)], warehouse_path())
    built = work / "manifest.json"
    if not result.success or not built.exists():
        raise RuntimeError(f"dbt parse failed: {result.failures}")
    os.replace(built, manifest)
    return manifest
