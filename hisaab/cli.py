"""The ``hisaab`` command: every batch step of the platform, runnable without Airflow."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hisaab import __version__
from hisaab.money import format_inr
from hisaab.settings import get_settings

app = typer.Typer(
    name="hisaab",
    help="Hisaab: reconciliation and risk analytics for an Indian payment aggregator.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
console = Console()


@app.callback()
def _main() -> None:
    """Reconcile every rupee between our ledger, the gateways and the bank.

    Data lives under HISAAB_DATA_DIR (default ./data). Start with `hisaab doctor`, then
    `hisaab simulate` to build a world to work on.
    """
    from hisaab.logging import configure_logging

    configure_logging("WARNING")


@app.command()
def version() -> None:
    """Print the Hisaab version."""
    console.print(__version__)


@app.command()
def doctor() -> None:
    """Check Python, packages, the data dir and configured servers; say how to fix each failure."""
    from hisaab.doctor import run_checks

    checks = run_checks(get_settings())
    table = Table(title="hisaab doctor", show_lines=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail")
    table.add_column("what to do")
    for c in checks:
        table.add_row(
            c.name, "[green]ok[/]" if c.ok else "[red]FAIL[/]", c.detail, "" if c.ok else c.fix
        )
    console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command()
def simulate(
    days: int = typer.Option(7, min=1, help="Days of payment activity."),
    merchants: int = typer.Option(200, min=1, help="Number of merchants."),
    payments: int = typer.Option(200_000, min=1, help="Payment attempts in all (failed included)."),
    seed: int = typer.Option(42, help="Random seed: the same arguments give byte-identical files."),
    start: str = typer.Option(
        "2026-11-02", help="First IST business date of the world (YYYY-MM-DD)."
    ),
    out: Path | None = typer.Option(
        None,
        help="Output folder (default: the data dir). Its landing/, books/ and truth/ are replaced, "
        "and the lake, quarantine and warehouse built from the previous world are removed.",
    ),
    clean: bool = typer.Option(
        False, "--clean", help="Inject no discrepancies: everything agrees to the paisa."
    ),
    discrepancy_scale: float = typer.Option(
        1.0,
        min=0.0,
        help="Multiply every injected-discrepancy rate (default mix is ~2% of payments).",
    ),
    corrupt: bool = typer.Option(
        False,
        "--corrupt",
        help="Also add bad files and damaged rows (empty, truncated, UTF-16, XML bomb, bad "
        "amounts…), recorded in truth/corruptions.parquet, for ingestion to quarantine.",
    ),
    bnpl_drift: float = typer.Option(
        0.0,
        min=0.0,
        help="Shift the last two BNPL applicant cohorts (lower bureau scores, younger "
        "applicants) so credit drift monitoring has something to find; 1.0 is a strong shift.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the summary as JSON instead of tables."
    ),
) -> None:
    """Build a simulated Indian payments world: gateway settlement files, UPI switch reports,
    bank statements (MT940, camt.053, CSV), our ledger, and the ground truth of what was injected.
    """
    from pipelines.simulator.config import WorldConfig
    from pipelines.simulator.world import build_world

    try:
        start_date = date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter(
            f"{start!r} is not a date; use YYYY-MM-DD", param_hint="--start"
        ) from None
    cfg = WorldConfig(
        days=days,
        merchants=merchants,
        payments=payments,
        seed=seed,
        start=start_date,
        clean=clean,
        discrepancy_scale=discrepancy_scale,
        corrupt=corrupt,
        bnpl_drift=bnpl_drift,
    )
    out_dir = out or get_settings().data_dir
    stale = [
        p
        for p in (out_dir / "lake", out_dir / "quarantine", out_dir / "warehouse.duckdb")
        if p.exists()
    ]
    if stale:
        # They were derived from the previous world; mixing two worlds would corrupt the recon.
        import shutil

        for p in stale:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        if not as_json:
            console.print(
                f"[dim]Removed the previous world's {', '.join(p.name for p in stale)}.[/]"
            )
    t0 = time.perf_counter()
    with Progress(
        TextColumn("[bold]simulating payments"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("payments", total=payments)
        summary = build_world(cfg, out_dir, progress=lambda n: progress.advance(task, n))
    elapsed = time.perf_counter() - t0
    if as_json:
        console.print_json(json.dumps({**summary.to_json(), "seconds": round(elapsed, 2)}))
        return
    _print_world_summary(summary, elapsed)


def _print_world_summary(summary, elapsed: float) -> None:  # type: ignore[no-untyped-def]
    cfg = summary.config
    console.print(
        f"[bold]Simulated world[/] seed={cfg.seed}: {cfg.days} days from {cfg.start}, "
        f"{cfg.merchants} merchants, {summary.attempts:,} payment attempts in {elapsed:.1f}s"
        + (" [green](clean: no discrepancies)[/]" if cfg.clean else "")
    )
    t = Table(title="Volumes by gateway and method (our ledger)")
    for col in ("gateway", "method", "attempts", "captured", "success rate", "captured amount"):
        t.add_column(col, justify="right" if col not in ("gateway", "method") else "left")
    for row in summary.by_route_method.iter_rows(named=True):
        rate = row["captured"] / row["attempts"] if row["attempts"] else 0
        t.add_row(
            row["route"],
            row["method"],
            f"{row['attempts']:,}",
            f"{row['captured']:,}",
            f"{rate:.1%}",
            format_inr(int(row["captured_paise"])),
        )
    t.add_row(
        "[bold]all",
        "",
        f"{summary.attempts:,}",
        f"{summary.captured:,}",
        "",
        f"[bold]{format_inr(summary.captured_paise)}",
    )
    console.print(t)
    console.print(
        f"Refunds {summary.refunds:,} · chargebacks {summary.chargebacks:,} · "
        f"settlements {summary.settlements:,} · payouts {summary.payouts:,}"
    )
    d = Table(title="Injected discrepancies (ground truth)")
    d.add_column("kind")
    d.add_column("count", justify="right")
    d.add_column("is a break")
    if summary.discrepancies is not None and summary.discrepancies.height:
        counts = summary.discrepancies.group_by("kind", "is_break").len().sort("kind")
        for kind, is_break, n in counts.iter_rows():
            d.add_row(kind, f"{n:,}", "yes" if is_break else "no (timing)")
    else:
        d.add_row("none", "0", "")
    console.print(d)
    f = Table(title=f"Files under {summary.out_dir}/landing")
    f.add_column("source")
    f.add_column("files", justify="right")
    for src, n in summary.files.items():
        f.add_row(src, str(n))
    console.print(f)
    console.print(f"Our books: {summary.out_dir}/books  ·  ground truth: {summary.out_dir}/truth")


EXIT_QUARANTINED = 3  # distinct from 1 (error) and 2 (usage): something needs a look


def _ingest_progress(total: int, label: str, quiet: bool):  # type: ignore[no-untyped-def]
    progress = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[current]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    )
    task = progress.add_task(label, total=total, current="")
    return progress, task


def _print_reports(reports, title: str, verbose: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A summary per source, then every file that needs a look (all files with --verbose)."""
    shown = [r for r in reports if r.outcome != "skipped"]
    skipped = len(reports) - len(shown)
    by_source: dict[str, list[int]] = {}
    for r in shown:
        agg = by_source.setdefault(r.source, [0, 0, 0, 0, 0])
        agg[0] += 1
        agg[1] += r.rows_in
        agg[2] += r.rows_loaded
        agg[3] += r.rows_quarantined
        agg[4] += int(r.outcome != "loaded")
    t = Table(title=title)
    for col in ("source", "files", "rows in", "loaded", "quarantined", "files with problems"):
        t.add_column(col, justify="left" if col == "source" else "right")
    for src, (files, rows_in, loaded, quarantined, bad) in sorted(by_source.items()):
        t.add_row(
            src,
            str(files),
            f"{rows_in:,}",
            f"{loaded:,}",
            f"[red]{quarantined:,}[/]" if quarantined else "0",
            f"[red]{bad}[/]" if bad else "0",
        )
    if shown:
        console.print(t)
    listed = (
        shown
        if verbose
        else [
            r
            for r in shown
            if r.outcome != "loaded" or r.duplicate_rows_flagged or r.formula_cells_flagged
        ]
    )
    if listed:
        f = Table(title="Files" if verbose else "Files that need a look")
        for col in ("file", "rows in", "loaded", "quarantined", "outcome", "why"):
            f.add_column(
                col,
                justify="right" if col in ("rows in", "loaded", "quarantined") else "left",
                overflow="fold",
            )
        style = {"loaded": "green", "partially_quarantined": "yellow", "quarantined": "red"}
        for r in listed:
            why = [f"{k}×{v}" for k, v in r.reasons.items()]
            if r.duplicate_rows_flagged:
                why.append(f"duplicate rows flagged×{r.duplicate_rows_flagged}")
            if r.formula_cells_flagged:
                why.append(f"formula text flagged×{r.formula_cells_flagged}")
            if r.message and r.outcome != "loaded":
                why.append(r.message)
            f.add_row(
                r.landing_path,
                f"{r.rows_in:,}",
                f"{r.rows_loaded:,}",
                f"{r.rows_quarantined:,}",
                f"[{style.get(r.outcome, 'white')}]{r.outcome}[/]",
                "; ".join(why),
            )
        console.print(f)
    total_in = sum(r.rows_in for r in shown)
    total_ok = sum(r.rows_loaded for r in shown)
    total_q = sum(r.rows_quarantined for r in shown)
    console.print(
        f"{len(shown)} files ingested, {skipped} already in the lake (unchanged, skipped); "
        f"rows in {total_in:,} = loaded {total_ok:,} + quarantined {total_q:,}"
    )


def _finish_ingest(reports, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from pipelines import warehouse

    settings = get_settings()
    wh = settings.warehouse if data_dir == settings.data_dir else data_dir / "warehouse.duckdb"
    with warehouse.connect(wh) as con:
        warehouse.refresh_views(con, data_dir)
        warehouse.store_reports(con, reports)
    bad = [
        r
        for r in reports
        if r.outcome in ("quarantined", "partially_quarantined", "duplicate_file")
        # A re-run exits as the first run did: a file skipped as unchanged still needs a look.
        or (
            r.outcome == "skipped"
            and r.previous_outcome in ("quarantined", "partially_quarantined")
        )
    ]
    if bad:
        console.print(
            f"[yellow]{len(bad)} file(s) had quarantined rows or were quarantined whole: see "
            f"{data_dir / 'quarantine'} and `select * from ingest.quarantined_rows` in {wh}[/]"
        )
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
def ingest(
    source: list[str] = typer.Option(
        None,
        "--source",
        "-s",
        help="Only these landing sources (repeatable), e.g. razorpay, bank_icici.",
    ),
    on: list[str] = typer.Option(
        None, "--date", "-d", help="Only these landing dates (YYYY-MM-DD, repeatable)."
    ),
    landing: Path | None = typer.Option(None, help="Landing folder (default: <data dir>/landing)."),
    file: list[Path] = typer.Option(
        None,
        "--file",
        "-f",
        exists=True,
        dir_okay=False,
        help="Ingest these files handed over by a user; the format is detected from the content (repeatable).",
    ),
    data_dir: Path | None = typer.Option(
        None, help="Data dir (default: HISAAB_DATA_DIR or ./data)."
    ),
    no_gx: bool = typer.Option(
        False, "--no-gx", help="Skip the Great Expectations run (contract row rules still apply)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="List every file, not only those that need a look."
    ),
) -> None:
    """Load landing files (gateway settlements, UPI switch reports, bank statements) into the lake.

    Every file is checked against its data contract; failing rows and unreadable files go to
    quarantine with a reason. Re-running is a no-op for files already ingested. Exit status: 0 when
    everything loaded, 3 when anything was quarantined.
    """
    from pipelines.ingest import ingest_landing, ingest_paths, landing_files

    data_dir = data_dir or get_settings().data_dir
    if file:
        progress, task = _ingest_progress(len(file), "ingesting files", quiet)
        with progress:
            reports = ingest_paths(
                data_dir,
                file,
                run_gx=not no_gx,
                progress=lambda r: progress.update(
                    task, advance=1, current=Path(r.landing_path).name
                ),
            )
    else:
        try:
            dates = [date.fromisoformat(d) for d in on] if on else None
        except ValueError:
            raise typer.BadParameter("dates are YYYY-MM-DD", param_hint="--date") from None
        root = landing or data_dir / "landing"
        if not root.exists():
            console.print(
                f"[red]No landing folder at {root}.[/] Run `hisaab simulate` first, or pass --landing or --file."
            )
            raise typer.Exit(1)
        total = len(landing_files(root, source or None, dates))
        progress, task = _ingest_progress(total, "ingesting landing", quiet)
        with progress:
            reports = ingest_landing(
                data_dir,
                root,
                source or None,
                dates,
                run_gx=not no_gx,
                progress=lambda r: progress.update(task, advance=1, current=r.landing_path),
            )
    _print_reports(reports, "Ingestion", verbose)
    _finish_ingest(reports, data_dir)


@app.command()
def extract(
    source: str = typer.Option(
        "books",
        "--from",
        help="Whose books: 'books' (the simulator's Parquet under <data dir>/books) or 'api' "
        "(the transaction core's database: SQLite under the data dir, or --database-url).",
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="With --from api: the API's database (SQLAlchemy URL, e.g. postgresql://…); "
        "default: DATABASE_URL, else the SQLite file under the data dir.",
    ),
    data_dir: Path | None = typer.Option(
        None, help="Data dir (default: HISAAB_DATA_DIR or ./data)."
    ),
    no_gx: bool = typer.Option(False, "--no-gx", help="Skip the Great Expectations run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Move our own books (payments, refunds, chargebacks, payouts, settlements, merchants) into
    the lake under the ledger contracts. Re-running is a no-op; a changed day is a new version."""
    from pipelines.extract import book_files, extract_api, extract_books

    if source not in ("books", "api"):
        raise typer.BadParameter("books or api", param_hint="--from")
    if database_url is not None and source != "api":
        raise typer.BadParameter("only with --from api", param_hint="--database-url")
    settings = get_settings()
    data_dir = data_dir or settings.data_dir
    if source == "api":
        url = database_url or settings.database_url or f"sqlite:///{data_dir / 'hisaab.sqlite3'}"
        reports = _extract_api(data_dir, url, extract_api, no_gx)
    else:
        books = data_dir / "books"
        if not books.exists():
            console.print(f"[red]No books at {books}.[/] Run `hisaab simulate` first.")
            raise typer.Exit(1)
        progress, task = _ingest_progress(len(book_files(books)), "extracting ledger", quiet)
        with progress:
            reports = extract_books(
                data_dir,
                books,
                run_gx=not no_gx,
                progress=lambda r: progress.update(task, advance=1, current=r.landing_path),
            )
    _print_reports(reports, "Ledger extract")
    _finish_ingest(reports, data_dir)


def _extract_api(data_dir: Path, url: str, extract_api, no_gx: bool):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError, ProgrammingError

    shown = url.split("@")[-1]
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        console.print(
            f"[red]No API database at {shown}.[/] Run `hisaab api migrate` or pass --database-url."
        )
        raise typer.Exit(1)
    try:
        with console.status(f"extracting the API's books from {shown}…"):
            return extract_api(data_dir, url, run_gx=not no_gx)
    except (OperationalError, ProgrammingError) as exc:
        console.print(
            f"[red]Cannot read the API's books from {shown}:[/] {str(exc.orig).strip()}. "
            "Is it migrated (`hisaab api migrate`)?"
        )
        raise typer.Exit(1) from None


recon_app = typer.Typer(
    help="Reconcile ledger, gateways, UPI switch and bank in dbt; work the break queue.",
    no_args_is_help=False,
)
app.add_typer(recon_app, name="recon")


def _warehouse_for(data_dir: Path | None) -> tuple[Path, Path]:
    settings = get_settings()
    if data_dir is None or Path(data_dir) == settings.data_dir:
        return settings.data_dir, settings.warehouse
    return Path(data_dir), Path(data_dir) / "warehouse.duckdb"


@recon_app.callback(invoke_without_command=True)
def recon(
    ctx: typer.Context,
    on: str | None = typer.Option(
        None,
        "--date",
        "-d",
        help="As-of IST date (YYYY-MM-DD); default: the latest bank statement date.",
    ),
    target: str = typer.Option(
        "duckdb", help="dbt target: duckdb (the embedded warehouse) or postgres (the local server)."
    ),
    data_dir: Path | None = typer.Option(
        None, help="Data dir (default: HISAAB_DATA_DIR or ./data)."
    ),
) -> None:
    """Run `dbt build` (models and tests) on the lake and print the day's reconciliation summary."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.recon.runner import run_recon

    data_dir, warehouse = _warehouse_for(data_dir)
    try:
        as_of = date.fromisoformat(on) if on else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    if target not in ("duckdb", "postgres"):
        raise typer.BadParameter("duckdb or postgres", param_hint="--target")
    with console.status(f"dbt build on {target}…"):
        outcome = run_recon(data_dir, warehouse, as_of=as_of, target=target)
    if not outcome.dbt.success:
        console.print("[red]dbt build failed:[/]")
        for f in outcome.dbt.failures[:20]:
            console.print(f"  {f['node']}: {f['status']} {f['message'][:300]}")
        raise typer.Exit(1)
    _print_recon_summary(outcome)


def _print_recon_summary(outcome) -> None:  # type: ignore[no-untyped-def]
    console.print(f"[bold]Reconciliation as of {outcome.as_of}[/] ({outcome.target})")
    t = Table(title="Match rate by source")
    for col in ("source", "items", "matched", "pending", "match rate", "unmatched amount"):
        t.add_column(col, justify="left" if col == "source" else "right")
    for row in outcome.by_source.iter_rows(named=True):
        rate = row["match_rate"]
        t.add_row(
            row["source"],
            f"{row['items']:,}",
            f"{row['matched_items']:,}",
            f"{row['pending_items']:,}",
            f"{float(rate):.2%}" if rate is not None else "—",
            format_inr(int(row["unmatched_amount_paise"])),
        )
    console.print(t)
    b = Table(title="Break queue by kind")
    for col in ("kind", "breaks", "amount at risk", "oldest (business days)"):
        b.add_column(col, justify="left" if col == "kind" else "right")
    for row in outcome.breaks_by_kind.iter_rows(named=True):
        b.add_row(
            row["kind"],
            f"{row['breaks']:,}",
            format_inr(int(row["amount_at_risk_paise"])),
            str(row["max_age"]),
        )
    console.print(b)
    console.print(
        f"{outcome.total_breaks:,} open breaks, {format_inr(outcome.total_at_risk)} at risk. "
        "List them with `hisaab recon breaks`."
    )


@recon_app.command("evaluate")
def recon_evaluate(
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    data_dir: Path | None = typer.Option(
        None, help="Data dir (default: HISAAB_DATA_DIR or ./data)."
    ),
) -> None:
    """Precision and recall per break kind against the simulator's ground truth (truth/)."""
    from pipelines.recon.evaluate import evaluate_world

    data_dir, warehouse = _warehouse_for(data_dir)
    truth = data_dir / "truth"
    if not (truth / "discrepancies.parquet").exists():
        console.print(f"[red]No ground truth at {truth}.[/] Evaluate works on a simulated world.")
        raise typer.Exit(1)
    result = evaluate_world(warehouse, truth)
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    t = Table(title="Break detection against the ground truth")
    for col in ("kind", "precision", "recall", "support", "reported"):
        t.add_column(col, justify="left" if col == "kind" else "right")
    for kind, m in result["kinds"].items():
        t.add_row(
            kind,
            f"{m['precision']:.4f}",
            f"{m['recall']:.4f}",
            str(m["support"]),
            str(m["reported"]),
        )
    console.print(t)
    console.print(f"unexplained breaks: {result['unexplained_breaks']}")


@recon_app.command("breaks")
def recon_breaks(
    kind: str | None = typer.Option(None, help="Only this break kind."),
    status: str = typer.Option("open", help="open, investigating, resolved, written_off or all."),
    limit: int = typer.Option(30, min=1, help="Rows to show (largest amount at risk first)."),
    csv_out: Path | None = typer.Option(
        None, "--csv", help="Export the selection to this CSV file."
    ),
    data_dir: Path | None = typer.Option(
        None, help="Data dir (default: HISAAB_DATA_DIR or ./data)."
    ),
) -> None:
    """List the break queue (both sides' ids and amounts), or export it for audit."""
    import duckdb

    from pipelines.warehouse import query_frame

    _, warehouse = _warehouse_for(data_dir)
    where, params = ["1=1"], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if status != "all":
        where.append("status = ?")
        params.append(status)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = query_frame(
            con,
            f"select * from marts.fct_recon_breaks where {' and '.join(where)} "
            "order by amount_at_risk_paise desc, break_id",
            params,
        )
    if csv_out:
        frame.write_csv(csv_out)
        console.print(f"{frame.height:,} breaks written to {csv_out}")
        return
    t = Table(title=f"Breaks ({frame.height:,})")
    for col in (
        "break_id",
        "kind",
        "severity",
        "at risk",
        "age",
        "ledger",
        "external",
        "keys",
        "status",
    ):
        t.add_column(col)
    for r in frame.head(limit).iter_rows(named=True):
        keys_ = " ".join(
            str(r[k])
            for k in ("gateway_payment_id", "settlement_id", "payout_id", "bank_utr", "rrn")
            if r[k]
        )
        t.add_row(
            r["break_id"][:12],
            r["kind"],
            r["severity"],
            format_inr(r["amount_at_risk_paise"]),
            str(r["age_business_days"]),
            format_inr(r["ledger_amount_paise"]) if r["ledger_amount_paise"] is not None else "—",
            format_inr(r["external_amount_paise"])
            if r["external_amount_paise"] is not None
            else "—",
            keys_,
            r["status"],
        )
    console.print(t)


def _set_break_status(
    break_id: str,
    status: str,
    reason: str | None,
    assignee: str | None,
    comment: str | None,
    data_dir: Path | None,
) -> None:
    """Record the decision in the OLTP database (the API's path too), then copy it to the warehouse."""
    import duckdb

    from api.db import Database, sqlalchemy_url
    from api.migrate import upgrade
    from api.recon.breaks import BreakNotFound, decide, find_break
    from hisaab.settings import Settings
    from pipelines.recon.workflow import WorkflowError, refresh_from_oltp

    root, warehouse = _warehouse_for(data_dir)
    settings = get_settings()
    oltp_url = sqlalchemy_url(
        settings.oltp_url if root == settings.data_dir else Settings(data_dir=root).oltp_url
    )
    action = {
        "resolved": "resolve",
        "written_off": "write_off",
        "investigating": "assign",
        "open": "reopen",
    }[status]
    try:
        queue_break = find_break(warehouse, break_id)
    except BreakNotFound as exc:
        console.print(f"[red]{exc}.[/]")
        raise typer.Exit(1) from None
    upgrade(oltp_url)
    db = Database(oltp_url, pool_size=1)
    try:
        with db.session() as session:
            decide(
                session,
                queue_break=queue_break,
                action=action,
                actor="cli",
                reason=reason,
                assignee=assignee,
                comment=comment,
            )
    except WorkflowError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    with duckdb.connect(str(warehouse)) as con:
        refresh_from_oltp(con, oltp_url)
    console.print(
        f"break {queue_break.break_id} is now {status}. Run `hisaab recon` to refresh the queue."
    )


@recon_app.command("resolve")
def recon_resolve(
    break_id: str = typer.Argument(..., help="Break id (a unique prefix is enough)."),
    reason: str = typer.Option(..., "--reason", help="Why it is resolved (kept for audit)."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Mark a break resolved, with a reason. It reopens if its amount later changes."""
    _set_break_status(break_id, "resolved", reason, None, None, data_dir)


@recon_app.command("write-off")
def recon_write_off(
    break_id: str = typer.Argument(..., help="Break id (a unique prefix is enough)."),
    reason: str = typer.Option(..., "--reason", help="Why it is written off (kept for audit)."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Write a break off, with a reason."""
    _set_break_status(break_id, "written_off", reason, None, None, data_dir)


@recon_app.command("reopen")
def recon_reopen(
    break_id: str = typer.Argument(..., help="Break id (a unique prefix is enough)."),
    reason: str = typer.Option(..., "--reason", help="Why the decision is taken back (audit)."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Take back a resolution or write-off, so the break can be decided again."""
    _set_break_status(break_id, "open", reason, None, None, data_dir)


@recon_app.command("assign")
def recon_assign(
    break_id: str = typer.Argument(..., help="Break id (a unique prefix is enough)."),
    to: str = typer.Option(..., "--to", help="Analyst who investigates it."),
    comment: str | None = typer.Option(None, help="A note for the audit trail."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Assign a break to an analyst (status: investigating)."""
    _set_break_status(break_id, "investigating", None, to, comment, data_dir)


def _add_api_commands() -> None:
    """``hisaab api ...`` (the transaction core)."""
    from api.cli import api_app

    app.add_typer(api_app, name="api")


_add_api_commands()

risk_app = typer.Typer(help="Credit and AML risk models.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")


def _add_risk_commands() -> None:
    """``hisaab risk credit ...`` (BNPL credit models)."""
    from risk.credit.cli import credit_app

    risk_app.add_typer(credit_app, name="credit")


def _add_aml_commands() -> None:
    """``hisaab risk aml ...`` (the compliance officer's commands; ``hisaab aml`` for short)."""
    from risk.aml.cli import aml_app

    risk_app.add_typer(aml_app, name="aml")
    app.add_typer(aml_app, name="aml")


_add_risk_commands()
_add_aml_commands()


if __name__ == "__main__":
    app()
