"""``hisaab risk credit …``: the risk analyst's BNPL credit commands.

train (spec → registered, evaluated version with model card), list, compare V1 V2, promote V,
rollback, score (production decisions for every application, into the warehouse), benchmark
(k-fold CV on German credit or any CSV). Heavy libraries are imported inside the commands so
``hisaab --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

credit_app = typer.Typer(
    help="BNPL credit models: train from a spec, compare, promote, roll back, score, benchmark.",
    no_args_is_help=True,
)
console = Console()
DEFAULT_SPEC = Path("models/bnpl_credit.yaml")


def _paths(data_dir: Path | None) -> tuple[Path, Path]:
    from hisaab.settings import get_settings

    settings = get_settings()
    if data_dir is None or Path(data_dir) == settings.data_dir:
        return settings.data_dir, settings.warehouse
    return Path(data_dir), Path(data_dir) / "warehouse.duckdb"


def _registry(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from risk.registry import Registry

    return Registry(_paths(data_dir)[0] / "registry")


def _fail(exc: Exception) -> None:
    console.print(f"[red]{exc}[/]")
    raise typer.Exit(2)


def _f(v: object) -> str:
    return f"{v:.4f}" if isinstance(v, float) else ("–" if v is None else str(v))


@credit_app.command("train")
def train_cmd(
    spec: Path = typer.Option(DEFAULT_SPEC, "--spec", help="Model spec (YAML)."),
    data_dir: Path | None = typer.Option(
        None, help="Data dir (default: HISAAB_DATA_DIR or ./data)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    promote: bool = typer.Option(
        False, "--promote", help="Also make the new version the one that serves (as `promote V`)."
    ),
) -> None:
    """Train the spec's model on the warehouse, evaluate on the latest period, register a version."""
    from risk.credit.service import train_and_register
    from risk.credit.spec import SpecError

    data, warehouse = _paths(data_dir)
    try:
        with console.status(f"training {spec}…"):
            trained = train_and_register(spec, warehouse, _registry(data_dir), data / "truth")
    except SpecError as exc:
        _fail(exc)
        return
    mv, m = trained.version, trained.metrics
    if promote:
        _registry(data_dir).promote(mv.name, mv.version, by="cli")
    if as_json:
        print(json.dumps({"version": mv.label, "path": str(mv.path), "metrics": m}, default=str))
        return
    h = m["holdout"]
    console.print(f"[green]{mv.name} {mv.label}[/] registered at {mv.path}")
    table = Table(title=f"hold-out ({', '.join(m['holdout_periods'])}, {h['n']:,} applications)")
    for col in (
        "AUC", "Gini", "KS", "Brier", "oracle AUC", "calibration error", "worst decile",
        "approval rate",
    ):  # fmt: skip
        table.add_column(col, justify="right")
    table.add_row(
        _f(h.get("auc")), _f(h.get("gini")), _f(h.get("ks")), _f(h.get("brier")),
        _f(h.get("oracle_auc")), f"{100 * m['calibration_error']:.2f} pp",
        f"{100 * m['calibration_max_gap']:.2f} pp", f"{100 * m['approval_rate']:.1f}%",
    )  # fmt: skip
    console.print(table)
    cal = f"calibration layer: {m['calibration_method']}"
    if m.get("calibration_periods"):
        cal += f", fitted on {', '.join(m['calibration_periods'])} ({m['calibration_rows']:,} rows)"
    console.print(cal)
    if "oracle" in m:
        o = m["oracle"]
        console.print(
            "oracle (the simulator's latent PD, same applicants): calibration error "
            f"{100 * o['calibration_error']:.2f} pp, worst decile "
            f"{100 * o['calibration_max_gap']:.2f} pp (the sampling floor of this hold-out)"
        )
    drift = {k: v for k, v in m["psi"].items() if v > 0.1}
    if drift:
        console.print(
            "PSI above 0.1 (latest period vs training): "
            + ", ".join(f"{k} {v:.3f}" for k, v in sorted(drift.items(), key=lambda kv: -kv[1]))
        )
    console.print(
        f"Model card: {mv.path / 'model_card.md'}. "
        + (
            f"{mv.label} now serves decisions."
            if promote
            else f"Promote it with `hisaab risk credit promote {mv.version}`."
        )
    )


@credit_app.command("list")
def list_cmd(
    name: str = typer.Option("bnpl_credit", help="Model name."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """List the registered versions and which one serves."""
    rows = _registry(data_dir).list(name)
    table = Table(title=name)
    for col in ("version", "created", "algorithm", "hold-out AUC", "production"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["label"],
            r["created_at"],
            r["algorithm"],
            _f(r["holdout_auc"]),
            "✔" if r["production"] else "",
        )
    console.print(table)


@credit_app.command("compare")
def compare_cmd(
    v1: str = typer.Argument(..., help="First version (3 or v3)."),
    v2: str = typer.Argument(..., help="Second version."),
    name: str = typer.Option("bnpl_credit", help="Model name."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Two versions side by side: hold-out metrics, calibration, approval rate, PSI per feature."""
    from risk.credit.service import compare
    from risk.registry import RegistryError

    try:
        rows = compare(_registry(data_dir), name, v1, v2)
    except RegistryError as exc:
        _fail(exc)
        return
    if as_json:
        print(json.dumps(rows, default=str))
        return
    cols = list(rows[0])
    table = Table(title=f"{name}: {cols[1]} vs {cols[2]}")
    for c in cols:
        table.add_column(c, justify="left" if c == "metric" else "right")
    for r in rows:
        table.add_row(*[_f(r[c]) for c in cols])
    console.print(table)


@credit_app.command("promote")
def promote_cmd(
    version: str = typer.Argument(..., help="Version to serve (3 or v3)."),
    name: str = typer.Option("bnpl_credit", help="Model name."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Make a version the production model (the previous one is kept for rollback)."""
    from risk.registry import RegistryError, version_label

    try:
        n = _registry(data_dir).promote(name, version)
    except RegistryError as exc:
        _fail(exc)
        return
    console.print(f"{name} {version_label(n)} is now in production.")


@credit_app.command("rollback")
def rollback_cmd(
    name: str = typer.Option("bnpl_credit", help="Model name."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Serve the previously promoted version again."""
    from risk.registry import RegistryError, version_label

    try:
        n = _registry(data_dir).rollback(name)
    except RegistryError as exc:
        _fail(exc)
        return
    console.print(f"{name} rolled back: {version_label(n)} is in production again.")


@credit_app.command("score")
def score_cmd(
    name: str = typer.Option("bnpl_credit", help="Model name."),
    version: str | None = typer.Option(None, help="Version (default: production, else latest)."),
    data_dir: Path | None = typer.Option(None, help="Data dir."),
) -> None:
    """Decide every application in the model's table and write risk.credit_decisions."""
    from risk.credit.decisions import DECISIONS_TABLE
    from risk.credit.service import score_batch
    from risk.credit.spec import SpecError
    from risk.registry import RegistryError

    _, warehouse = _paths(data_dir)
    try:
        mv, decisions = score_batch(warehouse, _registry(data_dir), name, version)
    except (SpecError, RegistryError) as exc:
        _fail(exc)
        return
    counts = dict(decisions["decision"].value_counts().iter_rows())
    console.print(
        f"{decisions.height:,} decisions by {name} {mv.label} written to {DECISIONS_TABLE}: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    )


@credit_app.command("benchmark")
def benchmark_cmd(
    dataset: str = typer.Option("german", "--dataset", help="german, or the path of a CSV."),
    target: str | None = typer.Option(None, "--target", help="Target column of a CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """5-fold stratified CV of a points scorecard: AUC mean and std, Gini, KS."""
    from risk.credit.service import benchmark
    from risk.credit.spec import SpecError

    try:
        result = benchmark(dataset, target)
    except SpecError as exc:
        _fail(exc)
        return
    if as_json:
        print(json.dumps(result))
        return
    console.print(
        f"{dataset}: AUC {result['auc_mean']:.4f} ± {result['auc_std']:.4f}, "
        f"Gini {result['gini']:.4f}, KS {result['ks']:.4f} (5-fold stratified CV)"
    )
