"""A trained credit model as decisions use it: PD, score, per-feature points, decision, limit.

Serves batch scoring, the online decision function and the model card with one code path: the
algorithm (``Scorecard`` or ``GbmModel``), the calibration layer, the score scaling, the decision
policy and the reason texts of the spec travel together in ``CreditModel``.

Per-feature points: for the scorecard, the integer points of each feature's bin (they sum to the
score exactly); for the GBM, ``−factor × path contribution`` per feature plus the base points
(``offset − factor × bias``), which sum to the unrounded score. "Points lost" is what a reason
code reports: for the scorecard, short of the feature's best bin; for the GBM, the points the
feature took away (its contribution pushed the log-odds up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from risk.credit.features import add_derived
from risk.credit.gbm import GbmModel
from risk.credit.scorecard import Scorecard
from risk.credit.spec import CreditSpec, Policy

TOP_REASONS = 4


@dataclass
class Calibrator:
    """PD calibration on top of the model: none, Platt (on the log-odds) or isotonic."""

    method: str = "none"
    a: float = 1.0
    b: float = 0.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    @classmethod
    def fit(cls, method: str, pd_raw: np.ndarray, y: np.ndarray) -> Calibrator:
        if method == "platt":
            from sklearn.linear_model import LogisticRegression

            z = _logit(pd_raw).reshape(-1, 1)
            lr = LogisticRegression(C=1e6, max_iter=1000).fit(z, y)
            return cls(method, a=float(lr.coef_[0][0]), b=float(lr.intercept_[0]))
        if method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(y_min=1e-6, y_max=1 - 1e-6, out_of_bounds="clip")
            iso.fit(pd_raw, y)
            return cls(
                method,
                x=[float(v) for v in iso.X_thresholds_],
                y=[float(v) for v in iso.y_thresholds_],
            )
        return cls("none")

    def __call__(self, pd_raw: np.ndarray) -> np.ndarray:
        if self.method == "platt":
            return 1.0 / (1.0 + np.exp(-(self.a * _logit(pd_raw) + self.b)))
        if self.method == "isotonic":
            return np.interp(pd_raw, self.x, self.y)
        return pd_raw

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@dataclass
class Explained:
    pd: np.ndarray
    score: np.ndarray  # integer points
    points: np.ndarray  # rows × features
    points_lost: np.ndarray  # rows × features, >= 0


@dataclass
class CreditModel:
    spec: CreditSpec
    core: Scorecard | GbmModel
    calibrator: Calibrator
    name: str = ""
    version: str = "unregistered"

    @property
    def feature_names(self) -> list[str]:
        return self.core.feature_names

    def prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        return add_derived(frame, self.feature_names)

    def pd_raw(self, frame: pl.DataFrame) -> np.ndarray:
        return self.core.predict_proba(frame)

    def predict_pd(self, frame: pl.DataFrame) -> np.ndarray:
        return self.calibrator(self.pd_raw(frame))

    def explain(self, frame: pl.DataFrame) -> Explained:
        """PD, score and per-feature points for already prepared rows."""
        if isinstance(self.core, Scorecard):
            bins = self.core.bins(frame)
            pts = self.core.points(bins)
            best = np.array([max(bf.points) for bf in self.core.features], dtype=np.int64)
            z = self.core.logit(bins)
            pd_raw = 1.0 / (1.0 + np.exp(-z))
            return Explained(
                pd=self.calibrator(pd_raw),
                score=pts.sum(axis=1),
                points=pts,
                points_lost=best[None, :] - pts,
            )
        x = self.core.matrix(frame)
        bias, contrib = self.core.contributions(x)
        z = bias + contrib.sum(axis=1)
        pd_raw = 1.0 / (1.0 + np.exp(-z))
        pts = -self.core.factor * contrib
        base = self.core.offset - self.core.factor * bias
        score = np.rint(base + pts.sum(axis=1)).astype(np.int64)
        return Explained(
            pd=self.calibrator(pd_raw),
            score=score,
            points=pts,
            points_lost=np.maximum(-pts, 0.0),
        )

    def reason_text(self, feature: str) -> str:
        f = next((f for f in self.spec.features if f.name == feature), None)
        if f is not None and f.reason:
            return f.reason
        return f"{feature.replace('_', ' ').capitalize()} lowered your score"

    def decide_frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Decisions for many applications (raw rows; derived features are added here)."""
        prepared = self.prepare(frame)
        ex = self.explain(prepared)
        policy = self.spec.policy or _DEFAULT_POLICY
        decision = np.where(
            ex.pd <= policy.approve_max_pd,
            "approve",
            np.where(ex.pd >= policy.decline_min_pd, "decline", "refer"),
        )
        tier_pd = np.array([t.max_pd for t in policy.limit_tiers])
        tier_limit = np.array([t.limit_paise for t in policy.limit_tiers] + [0], dtype=np.int64)
        tier = np.searchsorted(tier_pd, ex.pd, side="left")
        limit = np.where(decision == "approve", tier_limit[tier], 0).astype(np.int64)
        k = min(TOP_REASONS, ex.points_lost.shape[1])
        order = np.argsort(-ex.points_lost, axis=1, kind="stable")[:, :k]
        lost = np.take_along_axis(ex.points_lost, order, axis=1)
        codes = pl.Series(self.feature_names, dtype=pl.String)
        texts = pl.Series([self.reason_text(n) for n in self.feature_names], dtype=pl.String)
        cols: dict[str, Any] = {
            "probability_of_default": ex.pd,
            "score": ex.score.astype(np.int64),
            "decision": decision,
            "credit_limit_paise": limit,
        }
        for i in range(TOP_REASONS):
            if i < k:
                has = pl.Series(lost[:, i] > 0)
                cols[f"reason_code_{i + 1}"] = pl.select(
                    pl.when(has).then(codes.gather(order[:, i]))
                ).to_series()
                cols[f"reason_text_{i + 1}"] = pl.select(
                    pl.when(has).then(texts.gather(order[:, i]))
                ).to_series()
                cols[f"points_lost_{i + 1}"] = np.where(lost[:, i] > 0, lost[:, i], 0.0)
            else:
                cols[f"reason_code_{i + 1}"] = pl.repeat(
                    None, len(ex.pd), dtype=pl.String, eager=True
                )
                cols[f"reason_text_{i + 1}"] = pl.repeat(
                    None, len(ex.pd), dtype=pl.String, eager=True
                )
                cols[f"points_lost_{i + 1}"] = np.zeros(len(ex.pd))
        out = pl.DataFrame(cols)
        if self.spec.data.id_column and self.spec.data.id_column in frame.columns:
            out = out.insert_column(0, frame[self.spec.data.id_column])
        return out.with_columns(
            model_name=pl.lit(self.name or self.spec.name), model_version=pl.lit(self.version)
        )


_DEFAULT_POLICY = Policy(
    approve_max_pd=0.1,
    decline_min_pd=0.3,
    limit_tiers=[{"max_pd": 0.1, "limit_paise": 1_000_000}],  # type: ignore[list-item]
)
