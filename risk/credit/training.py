"""Train a credit model from its spec and evaluate it the way the spec says.

Serves ``hisaab risk credit train`` and ``… benchmark``: ``train`` fits on every period but the
latest ``split.holdout_periods`` (a time-based hold-out, as a lender would deploy) and measures
the hold-out; ``cross_validate`` runs stratified k-fold CV (the German credit benchmark). A
calibration layer (``calibration.method`` platt or isotonic) is fitted on a slice of its own:
the latest ``calibration.periods`` before the hold-out (time split) or a stratified share of the
training fold (cv), never on the rows the model was fitted on and never on the hold-out.

When the simulator's ground truth is at hand (``truth/bnpl_applicants.parquet``), the hold-out
is also measured with the oracle, the simulator's own latent PD on the same applicants: its AUC
is the ceiling a model could reach, and its calibration by decile is the sampling floor (a
perfectly calibrated PD still misses the observed default rate of a decile by chance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedKFold

from risk.credit import evaluation as ev
from risk.credit.features import CreditData, add_derived, column_kinds
from risk.credit.gbm import GbmModel
from risk.credit.model import Calibrator, CreditModel
from risk.credit.scorecard import Scorecard
from risk.credit.spec import CreditSpec, SpecError


def fit_model(
    spec: CreditSpec,
    frame: pl.DataFrame,
    y: np.ndarray,
    calibration_rows: np.ndarray | None = None,
) -> CreditModel:
    """Fit the spec's algorithm, and its calibration layer on rows the model did not see.

    ``calibration_rows`` (positions in ``frame``) are kept out of the model fit and the
    calibration layer is fitted on them; without them, and with a calibration method, a
    stratified ``calibration.share`` of the rows is set aside (seeded by ``split.seed``).
    """
    method = spec.calibration.method
    if method != "none" and calibration_rows is None:
        calibration_rows = _stratified_share(y, spec.calibration.share, spec.split.seed)
    if method == "none" or calibration_rows is None:
        fit_rows = np.arange(len(y))
    else:
        fit_rows = np.setdiff1d(np.arange(len(y)), calibration_rows)
    fit_frame, fit_y = frame[fit_rows], y[fit_rows]
    kinds = column_kinds(frame)
    core: Scorecard | GbmModel
    if spec.algorithm.kind == "scorecard":
        core = Scorecard.fit(fit_frame, fit_y, spec, kinds)
    else:
        core = GbmModel.fit(fit_frame, fit_y, spec, kinds)
    if method == "none" or calibration_rows is None:
        calibrator = Calibrator()
    else:
        cal_frame = add_derived(frame[calibration_rows], core.feature_names)
        calibrator = Calibrator.fit(method, core.log_odds(cal_frame), y[calibration_rows])
    return CreditModel(spec=spec, core=core, calibrator=calibrator, name=spec.name)


def _stratified_share(y: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Positions of a stratified random ``share`` of the rows (both classes kept in proportion)."""
    rng = np.random.default_rng(seed)
    picked = []
    for cls in np.unique(y):
        rows = np.flatnonzero(y == cls)
        picked.append(rng.choice(rows, size=max(1, round(share * len(rows))), replace=False))
    return np.sort(np.concatenate(picked))


@dataclass
class TrainResult:
    model: CreditModel
    metrics: dict[str, Any]
    holdout: pl.DataFrame  # hold-out rows with y, pd, score, decision (for plots)
    train_rows: int
    data_hash: str
    calibration_rows: int = 0
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class TimeSplit:
    """Row positions: model fit (earliest periods), calibration slice, hold-out (latest)."""

    fit: np.ndarray
    calibration: np.ndarray
    holdout: np.ndarray
    calibration_periods: list[str]
    holdout_periods: list[str]


def time_split(spec: CreditSpec, data: CreditData) -> TimeSplit:
    col = spec.data.time_column
    assert col is not None
    periods = data.periods(spec)
    n_held = spec.split.holdout_periods
    n_cal = spec.calibration.periods if spec.calibration.method != "none" else 0
    if len(periods) <= n_held:
        raise SpecError(
            f"split.holdout_periods: {n_held} of {len(periods)} periods "
            f"({', '.join(periods)}) leaves nothing to train on"
        )
    if len(periods) <= n_held + n_cal:
        raise SpecError(
            f"calibration.periods: {n_cal} calibration and {n_held} hold-out periods of "
            f"{len(periods)} ({', '.join(periods)}) leave nothing to fit the model on"
        )
    held = periods[len(periods) - n_held :]
    cal = periods[len(periods) - n_held - n_cal : len(periods) - n_held]
    period = data.frame[col].cast(pl.String)
    is_held = period.is_in(held).to_numpy()
    is_cal = period.is_in(cal).to_numpy()
    return TimeSplit(
        fit=np.flatnonzero(~is_held & ~is_cal),
        calibration=np.flatnonzero(is_cal),
        holdout=np.flatnonzero(is_held),
        calibration_periods=cal,
        holdout_periods=held,
    )


def train(spec: CreditSpec, data: CreditData, truth_dir: Path | None = None) -> TrainResult:
    """Fit on the earlier periods, evaluate on the latest (``split.method: time``)."""
    if spec.split.method != "time":
        raise SpecError("split.method: train needs a time split; use `benchmark` for cv specs")
    split = time_split(spec, data)
    ho, held = split.holdout, split.holdout_periods
    tr = np.sort(np.concatenate([split.fit, split.calibration]))  # every row before the hold-out
    frame = data.frame
    model = fit_model(
        spec,
        frame[tr],
        data.y[tr],
        np.searchsorted(tr, split.calibration) if len(split.calibration) else None,
    )
    train_pd = model.predict_pd(frame[split.fit])
    decisions = model.decide_frame(frame[ho])
    ho_pd = decisions["probability_of_default"].to_numpy()
    y_ho = data.y[ho]
    table = ev.calibration_table(y_ho, ho_pd)
    latest = frame[ho].filter(pl.col(spec.data.time_column).cast(pl.String) == held[-1])  # type: ignore[arg-type]
    metrics: dict[str, Any] = {
        "train": ev.ranking_metrics(data.y[split.fit], train_pd),
        "holdout": ev.ranking_metrics(y_ho, ho_pd),
        "holdout_periods": held,
        "calibration_method": spec.calibration.method,
        "calibration_periods": split.calibration_periods,
        "calibration_rows": int(len(split.calibration)),
        "calibration": table,
        "calibration_error": ev.calibration_error(table),
        "calibration_max_gap": ev.calibration_max_gap(table),
        "psi": ev.psi_by_feature(frame[split.fit], latest, spec, model.feature_names),
        "slices": ev.slice_metrics(frame[ho], y_ho, ho_pd, decisions["decision"].to_numpy(), spec),
        "approval_rate": float((decisions["decision"] == "approve").mean()),
        "decisions": {k: int(v) for k, v in decisions["decision"].value_counts().iter_rows()},
    }
    if isinstance(model.core, Scorecard):
        metrics["dropped_features"] = model.core.dropped
    latent = _latent_pd(spec, frame[ho], truth_dir)
    if latent is not None:
        oracle_table = ev.calibration_table(y_ho, latent)
        oracle_auc = ev.ranking_metrics(y_ho, latent).get("auc")
        metrics["holdout"]["oracle_auc"] = oracle_auc
        metrics["holdout"]["auc_gap_to_oracle"] = oracle_auc - metrics["holdout"]["auc"]  # type: ignore[operator]
        metrics["oracle"] = {
            "auc": oracle_auc,
            "calibration": oracle_table,
            "calibration_error": ev.calibration_error(oracle_table),
            "calibration_max_gap": ev.calibration_max_gap(oracle_table),
            # The model's PD deciles against the latent PD: calibration without outcome noise.
            "model_vs_latent": ev.calibration_table(latent, ho_pd),
        }
        metrics["oracle"]["model_vs_latent_max_gap"] = ev.calibration_max_gap(
            metrics["oracle"]["model_vs_latent"]
        )
    holdout = decisions.with_columns(pl.Series("is_bad", y_ho))
    return TrainResult(
        model=model,
        metrics=_rounded(metrics),
        holdout=holdout,
        train_rows=len(split.fit),
        data_hash=data.data_hash,
        calibration_rows=len(split.calibration),
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


def _latent_pd(spec: CreditSpec, rows: pl.DataFrame, truth_dir: Path | None) -> np.ndarray | None:
    """The simulator's latent PD of these rows, when the ground truth is at hand."""
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
    return joined["latent_pd"].to_numpy()


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
