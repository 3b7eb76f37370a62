"""The model card: one Markdown page (with plots) a risk analyst or an auditor reads first.

Serves the analyst deciding whether to promote a version and the reviewer asking what it was
trained on: purpose, data and spec hashes, hold-out metrics against the oracle, calibration by
decile, PSI per feature, fairness slices, the scorecard table (or the GBM's constraints), the
decision policy, and ROC, calibration and score-distribution plots (PNG, matplotlib Agg).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from risk.credit.scorecard import Scorecard
from risk.credit.training import TrainResult


def plots(result: TrainResult) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    y = result.holdout["is_bad"].to_numpy()
    pd_ = result.holdout["probability_of_default"].to_numpy()
    out: dict[str, bytes] = {}

    def save(fig: Any, name: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        out[name] = buf.getvalue()

    fig, ax = plt.subplots(figsize=(4.5, 4))
    if len(np.unique(y)) == 2:
        fpr, tpr, _ = roc_curve(y, pd_)
        ax.plot(fpr, tpr, label=f"model (AUC {result.metrics['holdout']['auc']:.3f})")
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC, hold-out")
    ax.legend(loc="lower right")
    save(fig, "roc.png")

    table = result.metrics["calibration"]
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([r["expected"] for r in table], [r["observed"] for r in table], "o-", label="deciles")
    hi = max([r["expected"] for r in table] + [r["observed"] for r in table] + [0.01])
    ax.plot([0, hi], [0, hi], "--", color="grey")
    ax.set(
        xlabel="expected default rate (mean PD)",
        ylabel="observed default rate",
        title="Calibration, hold-out",
    )
    save(fig, "calibration.png")

    score = result.holdout["score"].to_numpy()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist([score[y == 0], score[y == 1]], bins=30, label=["good", "bad"], stacked=False)
    ax.set(xlabel="score", ylabel="applicants", title="Score distribution, hold-out")
    ax.legend()
    save(fig, "score_distribution.png")
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _pp(x: float) -> str:
    return f"{100 * x:+.2f} pp"


def _se(row: dict[str, float]) -> float:
    """Sampling error of a decile's observed default rate if its mean PD were the truth."""
    p = row["expected"]
    return float(np.sqrt(p * (1 - p) / row["n"])) if row["n"] else 0.0


def _calibration_note(m: dict[str, Any]) -> str:
    if m.get("calibration_method", "none") == "none":
        return "No calibration layer: the PDs are the model's own."
    periods = ", ".join(m.get("calibration_periods") or [])
    where = f"period(s) {periods}" if periods else "a stratified share of the training rows"
    return (
        f"Calibration layer: {m['calibration_method']}, fitted on {where} "
        f"({m.get('calibration_rows', 0):,} rows the model was not fitted on; never the hold-out)."
    )


def render(result: TrainResult, version_label: str, data_hash: str, spec_hash: str) -> str:
    m = result.metrics
    spec = result.model.spec
    h = m["holdout"]
    lines = [
        f"# Model card: {spec.name} {version_label}",
        "",
        spec.description.strip() or "(no description in the spec)",
        "",
        "## Training",
        "",
        f"- Algorithm: **{result.model.core.kind}**; calibration: {spec.calibration.method}; "
        f"scaling: {spec.scaling.base_score:g} points at {spec.scaling.base_odds:g}:1 odds, "
        f"{spec.scaling.pdo:g} points to double the odds",
        f"- Data: `{spec.data.table or spec.data.path}`, {result.train_rows:,} training rows, "
        f"{result.calibration_rows:,} calibration rows; "
        f"hold-out: period(s) {', '.join(m['holdout_periods'])}, {h['n']:,} rows",
        f"- Data hash `{data_hash[:16]}`, spec hash `{spec_hash[:16]}`",
        "",
        "## Hold-out performance",
        "",
        "| metric | train | hold-out |",
        "|---|---:|---:|",
    ]
    for k in ("auc", "gini", "ks", "brier", "bad_rate", "mean_pd"):
        lines.append(
            f"| {k} | {m['train'].get(k, float('nan')):.4f} | {h.get(k, float('nan')):.4f} |"
        )
    if "oracle_auc" in h:
        lines += [
            "",
            f"Oracle AUC (the simulator's latent PD on the same applicants): {h['oracle_auc']:.4f}; "
            f"gap {h['auc_gap_to_oracle']:+.4f}.",
        ]
    lines += [
        "",
        "![ROC](roc.png) ![Calibration](calibration.png)",
        "",
        f"## Calibration by PD decile (mean gap {100 * m['calibration_error']:.2f} pp, "
        f"worst decile {100 * m['calibration_max_gap']:.2f} pp)",
        "",
        _calibration_note(m),
        "",
    ]
    oracle = m.get("oracle")
    if oracle:
        lines += [
            "| decile | n | expected | observed | gap | ± 1 s.e. | oracle expected | oracle observed | oracle gap |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r, o in zip(m["calibration"], oracle["calibration"], strict=True):
            lines.append(
                f"| {r['decile']} | {r['n']} | {_pct(r['expected'])} | {_pct(r['observed'])} "
                f"| {_pp(r['observed'] - r['expected'])} | {100 * _se(r):.2f} pp "
                f"| {_pct(o['expected'])} | {_pct(o['observed'])} | {_pp(o['observed'] - o['expected'])} |"
            )
        lines += [
            "",
            f"Oracle: mean gap {100 * oracle['calibration_error']:.2f} pp, worst decile "
            f"{100 * oracle['calibration_max_gap']:.2f} pp: what chance alone gives on this "
            "hold-out. Without outcome noise (the model's deciles against the latent PD) the "
            f"worst gap is {100 * oracle['model_vs_latent_max_gap']:.2f} pp.",
        ]
    else:
        lines += [
            "| decile | n | expected | observed | gap | ± 1 s.e. |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in m["calibration"]:
            lines.append(
                f"| {r['decile']} | {r['n']} | {_pct(r['expected'])} | {_pct(r['observed'])} "
                f"| {_pp(r['observed'] - r['expected'])} | {100 * _se(r):.2f} pp |"
            )
    lines += [
        "",
        "## Stability: PSI, training rows vs the latest period",
        "",
        "| feature | PSI | |",
        "|---|---:|---|",
    ]
    for f, v in sorted(m["psi"].items(), key=lambda kv: -kv[1]):
        flag = "shifted" if v > 0.25 else ("watch" if v > 0.1 else "stable")
        lines.append(f"| {f} | {v:.4f} | {flag} |")
    lines += ["", "## Fairness slices (hold-out)", ""]
    for col, per in m["slices"].items():
        lines += [
            f"### {col}",
            "",
            "| value | n | bad rate | mean PD | AUC | approval rate |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for value, r in per.items():
            auc = f"{r['auc']:.3f}" if "auc" in r else "–"
            mean_pd = _pct(r["mean_pd"]) if "mean_pd" in r else "–"
            lines.append(
                f"| {value} | {r['n']} | {_pct(r['bad_rate'])} | {mean_pd} | {auc} | {_pct(r.get('approval_rate', 0))} |"
            )
        lines.append("")
    if spec.policy:
        p = spec.policy
        lines += [
            "## Decision policy",
            "",
            f"Approve at PD ≤ {_pct(p.approve_max_pd)}, decline at PD ≥ {_pct(p.decline_min_pd)}, refer between. "
            f"Hold-out: {m['decisions']}, approval rate {_pct(m['approval_rate'])}.",
            "",
            "| PD up to | credit limit (₹) |",
            "|---:|---:|",
            *[f"| {_pct(t.max_pd)} | {t.limit_paise // 100:,} |" for t in p.limit_tiers],
            "",
        ]
    core = result.model.core
    if isinstance(core, Scorecard):
        lines += [
            "## Scorecard",
            "",
            "| feature | bin | count | bad rate | WoE | points |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in core.table().iter_rows(named=True):
            lines.append(
                f"| {row['feature']} | {row['bin']} | {row['count']} | {_pct(row['bad_rate'])} | {row['woe']:.3f} | {row['points']} |"
            )
        if core.dropped:
            lines += ["", "Dropped features:", *[f"- {k}: {v}" for k, v in core.dropped.items()]]
    else:
        lines += [
            "## Gradient boosting",
            "",
            "Monotone constraints: "
            + ", ".join(f"{f.name} {f.monotonic}" for f in spec.features)
            + ". Reason codes: path contributions (see risk/credit/gbm.py).",
        ]
    lines += ["", "![Score distribution](score_distribution.png)", ""]
    return "\n".join(lines)
