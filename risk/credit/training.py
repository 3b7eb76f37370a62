"""Train a credit model from its spec and evaluate it the way the spec says.

Serves ``hisaab risk credit train`` and ``… benchmark``: ``train`` fits on every period but the
latest ``split.holdout_periods`` (a time-based hold-out, as a lender would deploy) and measures
the hold-out; ``cross_validate`` runs stratified k-fold CV (the German credit benchmark). When the
simulator's ground truth is at hand (``truth/bnpl_applicants.parquet``), the hold-out also gets
the oracle AUC: the AUC of the simulator's own latent PD on the same applicants, the ceiling a
model could reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedKFold

from risk.credit import evaluation as ev
from risk.credit.features import CreditData, column_kinds
from risk.credit.gbm import GbmModel
from risk.credit.model import Calibrator, CreditModel
from risk.credit.scorecard import Scorecard
from risk.credit.spec import CreditSpec, SpecError


def fit_model(spec: CreditSpec, frame: pl.DataFrame, y: np.ndarray) -> CreditModel:
    """Fit the spec's algorithm and calibration on these rows."""
    kinds = column_kinds(frame)
    core: Scorecard | GbmModel
    if spec.algorithm.kind == "scorecard":
        core = Scorecard.fit(frame, y, spec, kinds)
    else:
        core = GbmModel.fit(frame, y, spec, kinds)
    calibrator = Calibrator.fit(spec.calibration.method, core.predict_proba(frame), y)
    return CreditModel(spec=spec, core=core, calibrator=calibrator, name=spec.name)


@dataclass
class TrainResult:
    model: CreditModel
    metrics: dict[str, Any]
    holdout: pl.DataFrame  # hold-out rows with y, pd, score, decision (for plots)
    train_rows: int
    data_hash: str
    extras: dict[str, Any] = field(default_factory=dict)


def time_split(spec: CreditSpec, data: CreditData) -> tuple[np.ndarray, np.ndarray, list[str]]:
    col = spec.data.time_column
    assert col is not None
    periods = data.periods(spec)
    if len(periods) <= spec.split.holdout_periods:
        raise SpecError(
            f"split.holdout_periods: {spec.split.holdout_periods} of {len(periods)} periods "
            f"({', '.join(periods)}) leaves nothing to train on"
        )
    held = periods[-spec.split.holdout_periods :]
    is_held = data.frame[col].cast(pl.String).is_in(held).to_numpy()
    return np.flatnonzero(~is_held), np.flatnonzero(is_held), held


def train(spec: CreditSpec, data: CreditData, truth_dir: Path | None = None) -> TrainResult:
    """Fit on the earlier periods, evaluate on the latest (``split.method: time``)."""
    if spec.split.method != "time":
        raise SpecError("split.method: train needs a time split; use `benchmark` for cv specs")
    tr, ho, held = time_split(spec, data)
    frame = data.frame
    model = fit_model(spec, frame[tr], data.y[tr])
    train_pd = model.predict_pd(frame[tr])
    decisions = model.decide_frame(frame[ho])
    ho_pd = decisions["probability_of_default"].to_numpy()
    y_ho = data.y[ho]
    table = ev.calibration_table(y_ho, ho_pd)
    latest = frame[ho].filter(pl.col(spec.data.time_column).cast(pl.String) == held[-1])  # type: ignore[arg-type]
    metrics: dict[str, Any] = {
        "train": ev.ranking_metrics(data.y[tr], train_pd),
        "holdout": ev.ranking_metrics(y_ho, ho_pd),
        "holdout_periods": held,
        "calibration": table,
        "calibration_error": ev.calibration_error(table),
        "calibration_max_gap": ev.calibration_max_gap(table),
        "psi": ev.psi_by_feature(frame[tr], latest, spec, model.feature_names),
        "slices": ev.slice_metrics(frame[ho], y_ho, ho_pd, decisions["decision"].to_numpy(), spec),
        "approval_rate": float((decisions["decision"] == "approve").mean()),
        "decisions": {k: int(v) for k, v in decisions["decision"].value_counts().iter_rows()},
    }
    if isinstance(model.core, Scorecard):
        metrics["dropped_features"] = model.core.dropped
    oracle = _oracle_auc(spec, frame[ho], y_ho, truth_dir)
    if oracle is not None:
        metrics["holdout"]["oracle_auc"] = oracle
        metrics["holdout"]["auc_gap_to_oracle"] = oracle - metrics["holdout"]["auc"]
    holdout = decisions.with_columns(pl.Series("is_bad", y_ho))
    return TrainResult(
        model=model,
        metrics=_rounded(metrics),
        holdout=holdout,
        train_rows=len(tr),
        data_hash=data.data_hash,
    )


def _rounded(value: Any) -> Any:
    """Metrics to 10 decimals: numpy's pairwise sums may differ in the last bit between runs
    (memory alignment), and a stored metric should not."""
    if isinstance(value, float):
        return round(value, 10)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _oracle_auc(
    spec: CreditSpec, rows: pl.DataFrame, y: np.ndarray, truth_dir: Path | None
) -> float | None:
    if truth_dir is None or not spec.data.id_column:
        return None
    path = Path(truth_dir) / "bnpl_applicants.parquet"
    if not path.exists():
        return None
    truth = pl.read_parquet(path).select(
        pl.col("application_id").alias(spec.data.id_column), "latent_pd"
    )
    joined = rows.select(spec.data.id_column).join(truth, on=spec.data.id_column, how="left")
    if joined["latent_pd"].null_count():
        return None
    return ev.ranking_metrics(y, joined["latent_pd"].to_numpy()).get("auc")


def cross_validate(spec: CreditSpec, data: CreditData) -> dict[str, float]:
    """Stratified k-fold CV: AUC mean and std over folds, Gini of the mean AUC, mean fold KS."""
    folds = StratifiedKFold(spec.split.folds, shuffle=True, random_state=spec.split.seed)
    aucs, kss = [], []
    for tr, te in folds.split(np.zeros(len(data.y)), data.y):
        model = fit_model(spec, data.frame[tr], data.y[tr])
        pd_te = model.predict_pd(data.frame[te])
        m = ev.ranking_metrics(data.y[te], pd_te)
        aucs.append(m["auc"])
        kss.append(m["ks"])
    auc_mean = float(np.mean(aucs))
    return {
        "auc_mean": round(auc_mean, 4),
        "auc_std": round(float(np.std(aucs)), 4),
        "gini": round(2 * auc_mean - 1, 4),
        "ks": round(float(np.mean(kss)), 4),
    }
