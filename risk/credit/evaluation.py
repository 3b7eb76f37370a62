"""The numbers a risk analyst trusts a credit model by: ranking, calibration, drift, fairness.

AUC, Gini (2·AUC − 1), KS (largest gap between the bad and good cumulative score
distributions), Brier score, a calibration table by PD decile (expected vs observed default
rate; the calibration error is the mean gap over deciles, the largest gap is reported too), PSI per feature between the training rows and
the latest period, and the same metrics per fairness slice (gender, city tier, age band).

PSI = Σ (a − e) · ln(a / e) over bins, ``e`` the training share and ``a`` the latest period's;
bins are training deciles for numbers and categories for text; shares are floored at 1e-4.
Rule of thumb: < 0.1 stable, 0.1–0.25 watch, > 0.25 shifted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from risk.credit.spec import CreditSpec

PSI_FLOOR = 1e-4


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    fpr, tpr, _ = roc_curve(y, score)
    return float(np.max(tpr - fpr))


def ranking_metrics(y: np.ndarray, pd: np.ndarray) -> dict[str, float]:
    if len(np.unique(y)) < 2:
        return {"n": int(len(y)), "bad_rate": float(np.mean(y)) if len(y) else 0.0}
    auc = float(roc_auc_score(y, pd))
    return {
        "n": int(len(y)),
        "bad_rate": float(np.mean(y)),
        "auc": auc,
        "gini": 2 * auc - 1,
        "ks": ks_statistic(y, pd),
        "brier": float(brier_score_loss(y, pd)),
        "mean_pd": float(np.mean(pd)),
    }


def calibration_table(y: np.ndarray, pd: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Expected (mean PD) vs observed default rate per PD decile."""
    order = np.argsort(pd, kind="stable")
    rows = []
    for i, idx in enumerate(np.array_split(order, bins)):
        if len(idx) == 0:
            continue
        rows.append(
            {
                "decile": i + 1,
                "n": int(len(idx)),
                "expected": float(pd[idx].mean()),
                "observed": float(y[idx].mean()),
            }
        )
    return rows


def calibration_error(table: list[dict[str, float]]) -> float:
    """Mean |expected − observed| over the PD deciles (ECE), a share: 0.02 = 2 points."""
    if not table:
        return 0.0
    return float(np.mean([abs(r["expected"] - r["observed"]) for r in table]))


def calibration_max_gap(table: list[dict[str, float]]) -> float:
    """Largest |expected − observed| of any decile (noisy: a decile of 250 at 30% has SE 2.9)."""
    return max(abs(r["expected"] - r["observed"]) for r in table) if table else 0.0


def psi(expected: pl.Series, actual: pl.Series, numeric: bool, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``."""
    if numeric:
        e = expected.cast(pl.Float64).to_numpy()
        a = actual.cast(pl.Float64).to_numpy()
        edges = np.unique(np.nanquantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
        e_idx = np.where(np.isnan(e), len(edges) + 1, np.searchsorted(edges, e, side="right"))
        a_idx = np.where(np.isnan(a), len(edges) + 1, np.searchsorted(edges, a, side="right"))
        n_bins = len(edges) + 2
        e_share = np.bincount(e_idx, minlength=n_bins) / max(len(e), 1)
        a_share = np.bincount(a_idx, minlength=n_bins) / max(len(a), 1)
    else:
        es = expected.cast(pl.String).fill_null("missing").value_counts()
        as_ = actual.cast(pl.String).fill_null("missing").value_counts()
        name = expected.name
        j = es.join(as_, on=name, how="full", coalesce=True, suffix="_a").fill_null(0)
        e_share = j["count"].to_numpy() / max(len(expected), 1)
        a_share = j["count_a"].to_numpy() / max(len(actual), 1)
    e_share = np.maximum(e_share, PSI_FLOOR)
    a_share = np.maximum(a_share, PSI_FLOOR)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def psi_by_feature(
    train: pl.DataFrame, latest: pl.DataFrame, spec: CreditSpec, features: list[str]
) -> dict[str, float]:
    return {
        name: psi(train[name], latest[name], spec.feature(name).type == "numeric")
        for name in features
    }


def slice_labels(frame: pl.DataFrame, column: str, bins: list[float] | None) -> list[str]:
    if not bins:
        return frame[column].cast(pl.String).fill_null("missing").to_list()
    x = frame[column].cast(pl.Float64).to_numpy()
    idx = np.searchsorted(np.asarray(bins), x, side="right")
    edges = [-np.inf, *bins, np.inf]
    return [f"[{edges[i]:g}, {edges[i + 1]:g})" for i in idx]


def slice_metrics(
    frame: pl.DataFrame,
    y: np.ndarray,
    pd: np.ndarray,
    decisions: np.ndarray | None,
    spec: CreditSpec,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per fairness slice value: n, bad rate, mean PD, AUC (when both classes), approval rate."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for s in spec.fairness_slices:
        labels = np.array(slice_labels(frame, s.column, s.bins))
        per: dict[str, dict[str, Any]] = {}
        for value in sorted(set(labels.tolist())):
            m = labels == value
            row: dict[str, Any] = ranking_metrics(y[m], pd[m])
            if decisions is not None:
                row["approval_rate"] = float(np.mean(decisions[m] == "approve"))
            per[value] = row
        out[s.column] = per
    return out
