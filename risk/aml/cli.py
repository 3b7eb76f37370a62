"""``hisaab aml …``: the compliance officer's commands, the same functions Airflow and tests call.

Daily batch (``run``), name screening (``screen``), the alert queue (``alerts``), case work
(``case open|assign|note|evidence|escalate|close|show|summary``, ``cases``), FIU-IND reports
(``str``, ``ctr``, also as ``report str|ctr``), deadlines (``due-dates``) and the measure of it all
against the simulator's truth (``evaluate``).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

aml_app = typer.Typer(
    help="AML monitoring: rules and risk scores, sanctions screening, alerts to cases, FIU-IND reports.",
    no_args_is_help=True,
)
case_app = typer.Typer(
    help="Work alerts into cases; every action is audited.", no_args_is_help=True
)
report_app = typer.Typer(
    help="FIU-IND reports: STR from a case, CTR for a month.", no_args_is_help=True
)
aml_app.add_typer(case_app, name="case")
aml_app.add_typer(report_app, name="report")
console = Console()

DataDir = typer.Option(None, "--data-dir", help="Data dir (default: HISAAB_DATA_DIR or ./data).")
Actor = typer.Option(..., "--by", help="Who does this (kept in the audit trail).")


def _paths(data_dir: Path | None) -> tuple[Path, Path, str]:
    from hisaab.settings import get_settings

    s = get_settings()
    if data_dir is None or Path(data_dir) == s.data_dir:
        return s.data_dir, s.warehouse, s.oltp_url
    d = Path(data_dir)
    return d, d / "warehouse.duckdb", s.database_url or f"sqlite:///{d / 'hisaab.sqlite3'}"


def _date(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD", param_hint=hint
        ) from None


def _warehouse(data_dir: Path, warehouse: Path, read_only: bool):  # type: ignore[no-untyped-def]
    import duckdb

    from pipelines import warehouse as wh

    if not warehouse.exists():
        console.print(
            f"[red]No warehouse at {warehouse}.[/] Run `hisaab simulate`, `hisaab extract` first."
        )
        raise typer.Exit(1)
    if read_only:
        return duckdb.connect(str(warehouse), read_only=True)
    con = wh.connect(warehouse)
    wh.refresh_views(con, data_dir)
    return con


def _engine(url: str):  # type: ignore[no-untyped-def]
    from risk.aml.cases import make_engine

    return make_engine(url)


@aml_app.command("rules")
def rules_cmd() -> None:
    """List the monitoring rules (risk/aml/rules/*.yaml) with their versions and severities."""
    from risk.aml.rulebook import load_rules

    t = Table(title="Monitoring rules")
    for col in ("rule", "v", "kind", "entity", "window", "severity", "what it means"):
        t.add_column(col, overflow="fold")
    for r in load_rules(enabled_only=False):
        t.add_row(
            r.id, str(r.version), r.kind, r.entity, f"{r.window_days}d", r.severity, r.description
        )
    console.print(t)


@aml_app.command("run")
def run_cmd(
    on: str | None = typer.Option(
        None,
        "--date",
        "-d",
        help="Evaluate this IST business date (default: the latest in the lake).",
    ),
    start: str | None = typer.Option(None, "--from", help="First date of a range (with --to)."),
    end: str | None = typer.Option(None, "--to", help="Last date of a range."),
    days: int | None = typer.Option(
        None, "--days", min=1, help="The last N days up to the latest date in the lake."
    ),
    publish: bool = typer.Option(True, help="Publish alerts to the case database (OLTP)."),
    data_dir: Path | None = DataDir,
) -> None:
    """The daily monitoring batch: every rule, the risk score, alerts (warehouse and case DB)."""
    from risk.aml.batch import latest_business_date, run_batch

    d, wh, url = _paths(data_dir)
    con = _warehouse(d, wh, read_only=False)
    try:
        s = _date(start, "--from") or _date(on, "--date")
        e = _date(end, "--to") or _date(on, "--date")
        if s is None or e is None:
            latest = latest_business_date(con)
            if latest is None:
                console.print("[red]No transfers in the lake.[/] Run `hisaab extract` first.")
                raise typer.Exit(1)
            e = e or latest
            s = s or (e - timedelta(days=days - 1) if days else e)
        res = run_batch(con, s, e, progress=lambda m: console.print(f"[dim]{m}[/]"))
    finally:
        con.close()
    if publish:
        from risk.aml.cases import publish_alerts, session_scope

        with session_scope(_engine(url)) as session:
            new = publish_alerts(res.alerts, session=session)
    t = Table(title=f"AML monitoring {s} → {e}")
    for col in ("date", "active entities", "rule hits", "alerts", "alert rate"):
        t.add_column(col, justify="right")
    import polars as pl

    hits = res.hits.group_by("business_date").len().rename({"len": "hits"})
    alerts = res.alerts.group_by("business_date").len().rename({"len": "alerts"})
    days = (
        res.active_by_day.join(hits, on="business_date", how="left")
        .join(alerts, on="business_date", how="left")
        .fill_null(0)
        .sort("business_date")
    )
    for r in days.iter_rows(named=True):
        rate = r["alerts"] / r["active_entities"] if r["active_entities"] else 0.0
        t.add_row(
            str(r["business_date"]),
            f"{r['active_entities']:,}",
            str(r["hits"]),
            str(r["alerts"]),
            f"{rate:.2%}",
        )
    console.print(t)
    by_rule = res.hits.group_by("rule_id").len().sort("rule_id")
    console.print("rule hits: " + ", ".join(f"{k} {v}" for k, v in by_rule.iter_rows()))
    console.print(
        f"{res.alerts.height} alerts ({res.alerts.filter(pl.col('priority') == 'high').height} high priority)"
        f" from {res.transfers_loaded:,} transfers in {res.timings['total']:.1f}s"
        + (f"; {new} new in the case database" if publish else "")
        + ". List them with `hisaab aml alerts`."
    )


@aml_app.command("screen")
def screen_cmd(
    list_file: Path | None = typer.Option(
        None,
        "--list",
        exists=True,
        dir_okay=False,
        help="UN consolidated list XML (default: the shipped synthetic list).",
    ),
    on: str | None = typer.Option(
        None,
        "--date",
        help="Screening date recorded on the alerts (default: latest business date).",
    ),
    publish: bool = typer.Option(True, help="Publish hits as alerts to the case database."),
    data_dir: Path | None = DataDir,
) -> None:
    """Screen merchants and payout beneficiaries against a sanctions list; hits become alerts."""
    from risk.aml.batch import latest_business_date
    from risk.aml.sanctions_list import SanctionsListError, load_list
    from risk.aml.scoring import store_alerts
    from risk.aml.screening import CANDIDATES_SQL, screen_parties, screening_alerts

    try:
        parties = load_list(list_file)
    except SanctionsListError as exc:
        console.print(f"[red]List refused:[/] {exc}")
        raise typer.Exit(1) from None
    d, wh, url = _paths(data_dir)
    con = _warehouse(d, wh, read_only=False)
    try:
        import polars as pl

        candidates = pl.from_arrow(con.sql(CANDIDATES_SQL).to_arrow_table())
        assert isinstance(candidates, pl.DataFrame)
        results = screen_parties(candidates, parties)
        when = _date(on, "--date") or latest_business_date(con) or date.today()
        alerts = screening_alerts(results, when)
        store_alerts(con, alerts, when, when, source="screening")
    finally:
        con.close()
    if publish:
        from risk.aml.cases import publish_alerts, session_scope

        with session_scope(_engine(url)) as session:
            publish_alerts(alerts, session=session, actor="aml-screening")
    t = Table(
        title=f"Screening of {candidates.height:,} merchants and payout beneficiaries against {len(parties)} listed parties"
    )
    for col in ("account", "name", "party", "listed", "score", "hit", "why"):
        t.add_column(col, overflow="fold")
    for r in results.sort("score", descending=True).head(20).iter_rows(named=True):
        t.add_row(
            r["account_id"],
            r["holder_name"],
            r["party_type"],
            f"{r['reference']} {r['listed_name']}",
            f"{r['score']:.0f}",
            "[red]HIT[/]" if r["is_hit"] else "near miss",
            r["reasons"],
        )
    console.print(t)
    console.print(f"{alerts.height} hit(s) raised as alerts.")


@aml_app.command("alerts")
def alerts_cmd(
    status: str | None = typer.Option("new", help="new, in_case, closed, or all."),
    typology: str | None = typer.Option(
        None, help="Only alerts of this typology (e.g. fan_in, sanctions)."
    ),
    source: str | None = typer.Option(None, help="monitoring or screening."),
    since: str | None = typer.Option(None, help="From this business date."),
    min_score: float | None = typer.Option(None, help="Only risk scores at or above this."),
    limit: int = typer.Option(30, min=1),
    as_json: bool = typer.Option(False, "--json"),
    data_dir: Path | None = DataDir,
) -> None:
    """The alert queue (highest risk first)."""
    from risk.aml.cases import list_alerts, session_scope

    _, _, url = _paths(data_dir)
    with session_scope(_engine(url)) as session:
        rows = list_alerts(
            session=session,
            status=None if status == "all" else status,
            typology=typology,
            source=source,
            since=_date(since, "--since"),
            min_score=min_score,
            limit=limit,
        )
        data = [
            {
                "alert_id": a.alert_id,
                "business_date": a.business_date.isoformat(),
                "source": a.source,
                "entity_type": a.entity_type,
                "entity_id": a.entity_id,
                "risk_score": round(a.risk_score, 4),
                "priority": a.priority,
                "rules": a.rules,
                "typologies": a.typologies,
                "status": a.status,
                "case_id": a.case_id,
                "summary": a.summary,
            }
            for a in rows
        ]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    t = Table(title=f"Alerts ({len(data)})")
    for col in ("alert", "date", "entity", "risk", "rules", "status", "summary"):
        t.add_column(col, overflow="fold")
    for a in data:
        t.add_row(
            a["alert_id"],
            a["business_date"],
            a["entity_id"],
            f"{a['risk_score']:.2f}",
            ", ".join(a["rules"]),
            a["status"],
            a["summary"],
        )
    console.print(t)


def _case_action(data_dir: Path | None, fn, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
    from risk.aml.cases import CaseError, NotFound, session_scope

    _, _, url = _paths(data_dir)
    try:
        with session_scope(_engine(url)) as session:
            out = fn(*args, session=session, **kwargs)
            return getattr(out, "case_id", out)
    except (CaseError, NotFound) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


@case_app.command("open")
def case_open(
    alert_ids: list[str] = typer.Argument(..., help="One or more alert ids."),
    by: str = Actor,
    title: str | None = typer.Option(None),
    data_dir: Path | None = DataDir,
) -> None:
    """Open a case from one or more alerts."""
    from risk.aml.cases import open_case

    cid = _case_action(data_dir, open_case, alert_ids, actor=by, title=title)
    console.print(f"opened case {cid}")


@case_app.command("assign")
def case_assign(
    case_id: str,
    to: str = typer.Option(..., "--to"),
    by: str = Actor,
    data_dir: Path | None = DataDir,
) -> None:
    """Assign a case to an investigator."""
    from risk.aml.cases import assign_case

    _case_action(data_dir, assign_case, case_id, to, actor=by)
    console.print(f"case {case_id} assigned to {to}")


@case_app.command("note")
def case_note(case_id: str, text: str, by: str = Actor, data_dir: Path | None = DataDir) -> None:
    """Add a note to a case."""
    from risk.aml.cases import add_note

    _case_action(data_dir, add_note, case_id, text, actor=by)
    console.print(f"note added to {case_id}")


@case_app.command("evidence")
def case_evidence(
    case_id: str,
    kind: str = typer.Option(..., help="transfer, account, document, screening or note."),
    ref: str = typer.Option(..., help="Transfer id, account id or document name."),
    description: str = typer.Option("", help="What it shows."),
    by: str = Actor,
    data_dir: Path | None = DataDir,
) -> None:
    """Attach evidence to a case."""
    from risk.aml.cases import add_evidence

    _case_action(data_dir, add_evidence, case_id, kind, ref, description, actor=by)
    console.print(f"evidence {kind} {ref} added to {case_id}")


@case_app.command("escalate")
def case_escalate(
    case_id: str,
    grounds: str = typer.Option(..., help="Grounds of suspicion (goes into the STR)."),
    on: str | None = typer.Option(
        None, "--on", help="Date suspicion was established (default today, IST)."
    ),
    by: str = Actor,
    data_dir: Path | None = DataDir,
) -> None:
    """Suspicion established: the STR is due within 7 working days."""
    from risk.aml.cases import escalate_case
    from risk.aml.filing import str_due_on

    _case_action(
        data_dir, escalate_case, case_id, grounds, actor=by, established_on=_date(on, "--on")
    )
    from datetime import datetime

    from hisaab.calendar import IST

    start = _date(on, "--on") or datetime.now(IST).date()
    console.print(f"case {case_id} escalated; STR due by {str_due_on(start)}")


@case_app.command("close")
def case_close(
    case_id: str,
    outcome: str = typer.Option(..., help="false_positive or reported."),
    reason: str = typer.Option(..., help="Why (kept for audit)."),
    by: str = Actor,
    data_dir: Path | None = DataDir,
) -> None:
    """Close a case as a false positive, or as reported once its STR is generated."""
    from risk.aml.cases import close_case

    _case_action(data_dir, close_case, case_id, outcome, reason, actor=by)
    console.print(f"case {case_id} closed ({outcome})")


@case_app.command("show")
def case_show(case_id: str, data_dir: Path | None = DataDir) -> None:
    """A case with its alerts, notes, evidence and audit trail."""
    from risk.aml import cases as svc

    _, _, url = _paths(data_dir)
    with svc.session_scope(_engine(url)) as session:
        try:
            c = svc.get_case(case_id, session=session)
        except svc.NotFound as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        console.print(
            f"[bold]{c.case_id}[/] {c.title}\nstatus {c.status} · priority {c.priority} · assignee {c.assignee or '—'} · suspicion established {c.suspicion_established_on or '—'}"
        )
        if c.grounds_of_suspicion:
            console.print(f"grounds: {c.grounds_of_suspicion}")
        for a in svc.case_alerts(case_id, session=session):
            console.print(
                f"  alert {a.alert_id} {a.business_date} {a.entity_id} risk {a.risk_score:.2f}: {a.summary}"
            )
        for n in svc.case_notes(case_id, session=session):
            console.print(f"  note {n.created_at:%Y-%m-%d %H:%M} {n.author}: {n.text}")
        for e in svc.case_evidence(case_id, session=session):
            console.print(f"  evidence {e.kind} {e.reference}: {e.description}")
        for ev in svc.case_history(case_id, session=session):
            console.print(f"  [dim]{ev.at:%Y-%m-%d %H:%M:%S} {ev.actor} {ev.action} {ev.detail}[/]")


@case_app.command("summary")
def case_summary(
    case_id: str,
    out: Path = typer.Option(..., "--out", help="HTML file to write."),
    data_dir: Path | None = DataDir,
) -> None:
    """Write a readable HTML summary of a case."""
    from risk.aml import cases as svc
    from risk.aml.case_summary import render_case_html

    d, wh, url = _paths(data_dir)
    con = _warehouse(d, wh, read_only=True) if wh.exists() else None
    with svc.session_scope(_engine(url)) as session:
        try:
            html = render_case_html(case_id, session=session, con=con)
        except svc.NotFound as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
    out.write_text(html, encoding="utf-8")
    console.print(f"case summary written to {out}")


@aml_app.command("cases")
def cases_cmd(status: str | None = typer.Option(None), data_dir: Path | None = DataDir) -> None:
    """List cases."""
    from risk.aml import cases as svc

    _, _, url = _paths(data_dir)
    t = Table(title="Cases")
    for col in ("case", "status", "priority", "assignee", "opened", "title"):
        t.add_column(col, overflow="fold")
    with svc.session_scope(_engine(url)) as session:
        for c in svc.cases(session=session, status=status):
            t.add_row(
                c.case_id,
                c.status,
                c.priority,
                c.assignee or "—",
                f"{c.opened_at:%Y-%m-%d}",
                c.title,
            )
    console.print(t)


def _str(case: str, out: Path, by: str, data_dir: Path | None) -> None:
    from risk.aml import cases as svc
    from risk.aml.filing import write_str
    from risk.aml.fiu_reports import ReportError

    d, wh, url = _paths(data_dir)
    con = _warehouse(d, wh, read_only=True)
    try:
        with svc.session_scope(_engine(url)) as session:
            path, digest = write_str(
                case, out, session=session, con=con, actor=by, batch_date=date.today()
            )
    except (ReportError, svc.NotFound, svc.CaseError) as exc:
        console.print(f"[red]STR not generated:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        con.close()
    console.print(
        f"STR for case {case} written to {path} (validated against the XSD; sha256 {digest[:16]}…)"
    )


def _ctr(month: str, out: Path | None, by: str, data_dir: Path | None) -> None:
    from risk.aml import cases as svc
    from risk.aml.filing import write_ctr
    from risk.aml.fiu_reports import ReportError

    try:
        y, m = (int(x) for x in month.split("-"))
        date(y, m, 1)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM", param_hint="--month") from None
    d, wh, url = _paths(data_dir)
    target = out or d / "reports" / f"CTR-{y:04d}-{m:02d}.xml"
    con = _warehouse(d, wh, read_only=True)
    try:
        with svc.session_scope(_engine(url)) as session:
            path, digest, n = write_ctr(
                y, m, target, session=session, con=con, actor=by, batch_date=date.today()
            )
    except ReportError as exc:
        console.print(f"[red]CTR not generated:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        con.close()
    console.print(
        f"CTR {y:04d}-{m:02d}: {n} person(s) with ₹10 lakh or more in cash; written to {path} (validated; sha256 {digest[:16]}…)"
    )


@aml_app.command("str")
@report_app.command("str")
def str_cmd(
    case: str = typer.Option(..., "--case", help="Case id."),
    out: Path = typer.Option(Path("str.xml"), "--out", help="XML file to write."),
    by: str = typer.Option("compliance", "--by", help="Who generates it (audit)."),
    data_dir: Path | None = DataDir,
) -> None:
    """Generate a case's STR in FIU-IND XML, validated against the XSD (refused if incomplete)."""
    _str(case, out, by, data_dir)


@aml_app.command("ctr")
@report_app.command("ctr")
def ctr_cmd(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    out: Path | None = typer.Option(
        None, "--out", help="XML file (default <data dir>/reports/CTR-YYYY-MM.xml)."
    ),
    by: str = typer.Option("compliance", "--by", help="Who generates it (audit)."),
    data_dir: Path | None = DataDir,
) -> None:
    """Generate the month's cash transaction report (₹10 lakh per person incl. connected accounts)."""
    _ctr(month, out, by, data_dir)


@aml_app.command("due-dates")
def due_dates_cmd(
    today: str | None = typer.Option(None, help="As of this date (default today, IST)."),
    as_json: bool = typer.Option(False, "--json"),
    data_dir: Path | None = DataDir,
) -> None:
    """What is owed to FIU-IND and by when: STRs (7 working days), CTRs (15th of next month)."""
    from datetime import datetime

    from hisaab.calendar import IST
    from risk.aml import cases as svc
    from risk.aml.filing import due_items

    d, wh, url = _paths(data_dir)
    as_of = _date(today, "--today") or datetime.now(IST).date()
    con = _warehouse(d, wh, read_only=True) if wh.exists() else None
    try:
        with svc.session_scope(_engine(url)) as session:
            items = due_items(session=session, con=con, today=as_of)
    finally:
        if con is not None:
            con.close()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        **i.__dict__,
                        "starts_on": i.starts_on.isoformat(),
                        "due_on": i.due_on.isoformat(),
                        "filed_on": i.filed_on.isoformat() if i.filed_on else None,
                    }
                    for i in items
                ],
                indent=2,
            )
        )
        return
    t = Table(title=f"FIU-IND reports owed, as of {as_of}")
    for col in ("report", "for", "from", "due", "status", "working days left", "filed"):
        t.add_column(col)
    colour = {"overdue": "red", "due": "yellow", "filed": "green", "filed_late": "magenta"}
    for i in items:
        t.add_row(
            i.kind,
            i.reference,
            str(i.starts_on),
            str(i.due_on),
            f"[{colour[i.status]}]{i.status}[/]",
            "" if i.working_days_left is None else str(i.working_days_left),
            str(i.filed_on or ""),
        )
    console.print(t)


@aml_app.command("evaluate")
def evaluate_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    data_dir: Path | None = DataDir,
) -> None:
    """Recall and precision per typology, and the alert rate, against the simulator's truth."""
    import polars as pl

    from risk.aml.evaluate import evaluate

    d, wh, _ = _paths(data_dir)
    truth = d / "truth"
    if not (truth / "aml_cases.parquet").exists():
        console.print(
            f"[red]No AML ground truth at {truth}.[/] Evaluate works on a simulated world."
        )
        raise typer.Exit(1)
    con = _warehouse(d, wh, read_only=True)
    try:
        tables = {
            r[0]
            for r in con.sql(
                "select table_name from duckdb_tables() where schema_name = 'aml'"
            ).fetchall()
        }
        if "alerts" not in tables:
            console.print("[red]No alerts yet.[/] Run `hisaab aml run --from … --to …` first.")
            raise typer.Exit(1)
        alerts = pl.from_arrow(con.sql("select * from aml.alerts").to_arrow_table())
        active = pl.from_arrow(con.sql("select * from aml.active_entities").to_arrow_table())
        assert isinstance(alerts, pl.DataFrame) and isinstance(active, pl.DataFrame)
        result = evaluate(con, alerts, active, truth)
    finally:
        con.close()
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    t = Table(title="AML detection against the simulator's ground truth")
    for col in ("typology", "cases", "detected", "recall", "alerts", "precision"):
        t.add_column(col, justify="left" if col == "typology" else "right")
    for k, m in result["typologies"].items():
        t.add_row(
            k,
            str(m["cases"]),
            str(m["detected"]),
            f"{m['recall']:.3f}",
            str(m["alerts"]),
            "—" if m["precision"] is None else f"{m['precision']:.3f}",
        )
    console.print(t)
    console.print(
        f"{result['alerts']} alerts, precision {result['precision']}; highest daily alert rate "
        f"{result['alert_rate']:.3%} of active entities; false alerts on look-alikes: "
        f"{result['false_alerts_on_lookalikes'] or 'none'}"
    )
