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

from risk.credit.features import DERIVED_FEATURES, add_derived, derived_value
from risk.credit.gbm import GbmModel
from risk.credit.scorecard import Scorecard
from risk.credit.spec import CreditSpec, Policy

TOP_REASONS = 4
DECISION_ENUM = pl.Enum(["approve", "refer", "decline"])


@dataclass
class Calibrator:
    """PD calibration on top of the model: none, Platt or isotonic, from the model's log-odds.

    Platt: ``PD = 1 / (1 + exp(−(a·z + b)))`` on the log-odds ``z`` (a logistic regression with
    one input; ``a < 1`` flattens a too steep PD, ``b`` moves the average). Isotonic: a monotone
    step function of the raw PD ``1 / (1 + exp(−z))``, stored as its thresholds ``x → y``.
    """

    method: str = "none"
    a: float = 1.0
    b: float = 0.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    @classmethod
    def fit(cls, method: str, log_odds: np.ndarray, y: np.ndarray) -> Calibrator:
        """Fit on rows the model was not fitted on (``training.fit_model`` sees to that)."""
        if method == "platt":
            from sklearn.linear_model import LogisticRegression

            lr = LogisticRegression(C=1e6, max_iter=1000).fit(log_odds.reshape(-1, 1), y)
            return cls(method, a=float(lr.coef_[0][0]), b=float(lr.intercept_[0]))
        if method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(y_min=1e-6, y_max=1 - 1e-6, out_of_bounds="clip")
            iso.fit(_sigmoid(log_odds), y)
            return cls(
                method,
                x=[float(v) for v in iso.X_thresholds_],
                y=[float(v) for v in iso.y_thresholds_],
            )
        return cls("none")

    def from_log_odds(self, z: np.ndarray) -> np.ndarray:
        """Calibrated PD from the model's log-odds (Platt costs one multiply-add)."""
        if self.method == "platt":
            return _sigmoid(self.a * z + self.b)
        if self.method == "isotonic":
            return np.interp(_sigmoid(z), self.x, self.y)
        return _sigmoid(z)

    def __call__(self, pd_raw: np.ndarray) -> np.ndarray:
        """Calibrated PD from the raw PD."""
        if self.method == "none":
            return pd_raw
        return self.from_log_odds(_logit(pd_raw))

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


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
        return self.calibrator.from_log_odds(self.core.log_odds(frame))

    def explain(self, frame: pl.DataFrame) -> Explained:
        """PD, score and per-feature points for already prepared rows."""
        if isinstance(self.core, Scorecard):
            bins = self.core.bins(frame)
            pts, z = self.core.points_and_logit(bins)
            best = np.array([max(bf.points) for bf in self.core.features], dtype=np.int64)
            return Explained(
                pd=self.calibrator.from_log_odds(z),
                score=pts.sum(axis=1),
                points=pts,
                points_lost=best[None, :] - pts,
            )
        x = self.core.matrix(frame)
        bias, contrib = self.core.contributions(x)
        z = bias + contrib.sum(axis=1)
        pts = -self.core.factor * contrib
        base = self.core.offset - self.core.factor * bias
        score = np.rint(base + pts.sum(axis=1)).astype(np.int64)
        return Explained(
            pd=self.calibrator.from_log_odds(z),
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
        """Decisions for many applications (raw rows; derived features are added here).

        Vectorised end to end, and for the scorecard in one pass over the features: each
        feature's bin gives its log-odds term and its reason key, and the top four keys are kept
        by a running max/min network on whole columns (no per-row sort). Decisions and reason
        codes are integer codes gathered into enum columns, so a million applicants cost little
        more than their PDs.
        """
        prepared = self.prepare(frame)
        k_features = len(self.feature_names)
        k = min(TOP_REASONS, k_features)
        reason_idx: list[np.ndarray] = []  # per reason: feature position, k_features for none
        reason_lost: list[np.ndarray] = []  # per reason: points lost (0 for none)
        if isinstance(self.core, Scorecard):
            z, lost_total, tops, m = self.core.top_reasons(prepared, k)
            pd_ = self.calibrator.from_log_odds(z)
            best_total = sum(max(bf.points) for bf in self.core.features)
            score = best_total - lost_total
            # Key -> feature (or none when it lost no points) and key -> points lost.
            tables, _ = self.core.reason_key_tables()
            keys = np.arange(int(max(t.max() for t in tables)) + 1)
            lost_of_key = (keys // m).astype(np.float64)
            idx_of_key = np.where(lost_of_key > 0, m - 1 - keys % m, k_features)
            for top in tops:
                reason_idx.append(idx_of_key[top])
                reason_lost.append(lost_of_key[top])
        else:
            ex = self.explain(prepared)
            pd_, score = ex.pd, ex.score
            key = ex.points_lost.astype(np.float64, copy=True)  # argmax: ties to the first
            rows = np.arange(len(pd_))
            for _ in range(k):  # k argmax passes beat a full sort of every row
                j = np.argmax(key, axis=1)
                lost = ex.points_lost[rows, j]
                reason_idx.append(np.where(lost > 0, j, k_features))
                reason_lost.append(np.where(lost > 0, lost, 0.0))
                key[rows, j] = -np.inf
        n = len(pd_)
        policy = self.spec.policy or _DEFAULT_POLICY
        # 0 approve (PD <= approve_max_pd), 2 decline (PD >= decline_min_pd), 1 refer between.
        decision_code = (pd_ > policy.approve_max_pd).view(np.int8) + (
            pd_ >= policy.decline_min_pd
        ).view(np.int8)
        tier_pd = np.array([t.max_pd for t in policy.limit_tiers])
        tier_limit = np.array([t.limit_paise for t in policy.limit_tiers] + [0], dtype=np.int64)
        tier = np.searchsorted(tier_pd, pd_, side="left")
        tier[decision_code != 0] = len(tier_pd)  # only approvals get a limit
        limit = tier_limit[tier]
        # Enum columns: a gather moves integer codes, not a million strings.
        code_enum = pl.Enum(self.feature_names)
        text_values = list(dict.fromkeys(self.reason_text(f) for f in self.feature_names))
        codes = pl.Series([*self.feature_names, None], dtype=code_enum)
        texts = pl.Series(
            [*(self.reason_text(f) for f in self.feature_names), None], dtype=pl.Enum(text_values)
        )
        columns: list[pl.Series] = [
            pl.Series("probability_of_default", pd_),
            pl.Series("score", np.asarray(score, dtype=np.int64)),
            pl.Series(["approve", "refer", "decline"], dtype=DECISION_ENUM)
            .gather(decision_code)
            .alias("decision"),
            pl.Series("credit_limit_paise", limit),
        ]
        none = np.full(n, k_features)
        for i in range(TOP_REASONS):
            idx = reason_idx[i] if i < k else none
            columns += [
                codes.gather(idx).alias(f"reason_code_{i + 1}"),
                texts.gather(idx).alias(f"reason_text_{i + 1}"),
                pl.Series(f"points_lost_{i + 1}", reason_lost[i] if i < k else np.zeros(n)),
            ]
        zeros = np.zeros(n, dtype=np.int64)
        for col, value in (
            ("model_name", self.name or self.spec.name),
            ("model_version", self.version),
        ):
            columns.append(pl.Series(col, [value], dtype=pl.Enum([value])).gather(zeros))
        if self.spec.data.id_column and self.spec.data.id_column in frame.columns:
            columns.insert(0, frame[self.spec.data.id_column])
        return pl.DataFrame(columns)

    def decide_one(self, application: dict[str, Any]) -> dict[str, Any]:
        """One application's decision, the same numbers as ``decide_frame`` gives its row.

        The online path: plain Python and a few scalar numpy calls, no frame, so a decision takes
        well under a millisecond.
        """
        values = dict(application)
        for name in self.feature_names:
            if name in DERIVED_FEATURES and name not in values:
                values[name] = derived_value(name, values)
        if isinstance(self.core, Scorecard):
            bins = [bf.bin_of(values.get(bf.name)) for bf in self.core.features]
            pts = [bf.points[b] for bf, b in zip(self.core.features, bins, strict=True)]
            z = self.core.intercept + sum(
                beta * bf.woe[b]
                for bf, beta, b in zip(
                    self.core.features, self.core.coefficients, bins, strict=True
                )
            )
            score = int(sum(pts))
            lost = [max(bf.points) - p for bf, p in zip(self.core.features, pts, strict=True)]
        else:
            bias, contrib = self.core.contributions_one(self.core.row_vector(values))
            z = bias + sum(contrib)
            f_pts = [-self.core.factor * c for c in contrib]
            base = self.core.offset - self.core.factor * bias
            score = int(np.rint(base + sum(f_pts)))
            lost = [max(-p, 0.0) for p in f_pts]
        pd_ = float(self.calibrator.from_log_odds(np.array([z], dtype=np.float64))[0])
        policy = self.spec.policy or _DEFAULT_POLICY
        if pd_ <= policy.approve_max_pd:
            decision = "approve"
        elif pd_ >= policy.decline_min_pd:
            decision = "decline"
        else:
            decision = "refer"
        limit = 0
        if decision == "approve":
            limit = next((t.limit_paise for t in policy.limit_tiers if pd_ <= t.max_pd), 0)
        order = sorted(range(len(lost)), key=lambda j: (-lost[j], j))[:TOP_REASONS]
        row: dict[str, Any] = {
            "probability_of_default": pd_,
            "score": score,
            "decision": decision,
            "credit_limit_paise": int(limit),
        }
        for i in range(TOP_REASONS):
            j = order[i] if i < len(order) and lost[order[i]] > 0 else None
            name = self.feature_names[j] if j is not None else None
            row[f"reason_code_{i + 1}"] = name
            row[f"reason_text_{i + 1}"] = self.reason_text(name) if name else None
            row[f"points_lost_{i + 1}"] = float(lost[j]) if j is not None else 0.0
        row["model_name"] = self.name or self.spec.name
        row["model_version"] = self.version
        return row


_DEFAULT_POLICY = Policy(
    approve_max_pd=0.1,
    decline_min_pd=0.3,
    limit_tiers=[{"max_pd": 0.1, "limit_paise": 1_000_000}],  # type: ignore[list-item]
)
