"""Points scorecard: optimal WoE binning (optbinning) + logistic regression, scaled to points.

Serves the risk analyst and the applicant: every feature's value falls in a bin worth a whole
number of points, the score is the sum of the points, and the reasons an applicant is told are
the features that lost the most points against that feature's best bin (the model's own
arithmetic, not an explainer bolted on).

Binning is fitted with ``optbinning.OptimalBinning`` (monotone event rate per numeric feature
unless the spec says ``none``); this module keeps only what scoring needs — split points,
category groups, WoE per bin — as plain JSON, so a stored scorecard is data, never code.
WoE here is ``ln(bad share / good share)`` (higher = riskier), so every coefficient of the
logistic regression should be positive; a feature whose coefficient comes out negative
(collinear with another) is dropped and the regression refitted, which keeps points monotone
in risk within every feature.

Scaling: ``score = offset + factor × ln(good:bad odds)`` with ``factor = PDO / ln 2`` and
``offset = base_score − factor × ln(base_odds)``; the intercept's points are spread evenly over
the features so a bin's points stand alone.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

from risk.credit.spec import CreditSpec

MISSING = "missing"
_TRENDS = {"increasing": "ascending", "decreasing": "descending", "auto": "auto_asc_desc"}


@dataclass
class BinnedFeature:
    """One feature's bins: numeric split points or category groups, WoE and points per bin."""

    name: str
    kind: str  # numeric | categorical
    splits: list[float] = field(default_factory=list)  # numeric: bin i is [splits[i-1], splits[i])
    groups: list[list[str]] = field(default_factory=list)  # categorical: categories per bin
    woe: list[float] = field(default_factory=list)  # per bin, then the missing bin last
    event_rate: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    iv: float = 0.0
    points: list[int] = field(default_factory=list)

    @property
    def n_bins(self) -> int:
        return len(self.woe)

    def bin_index(self, values: pl.Series | np.ndarray | list[Any]) -> np.ndarray:
        """Bin of every value; the last bin is for missing and unseen values."""
        missing_bin = self.n_bins - 1
        series = pl.Series(values)
        if self.kind == "numeric":
            if not series.dtype.is_numeric():
                series = series.cast(pl.Float64, strict=False)
            x = series.to_numpy()  # nulls become NaN
            if x.dtype != np.float64:
                x = x.astype(np.float64)
            idx = np.searchsorted(np.asarray(self.splits, dtype=np.float64), x, side="right")
            return np.where(np.isnan(x), missing_bin, idx).astype(np.int32)
        return (
            series.cast(pl.String)
            .fill_null(MISSING)
            .replace_strict(self._lookup(), default=missing_bin, return_dtype=pl.Int32)
            .to_numpy()
        )

    def bin_of(self, value: Any) -> int:
        """Bin of one value (the online path: no frame, no numpy)."""
        if self.kind == "numeric":
            try:
                x = float(value)
            except (TypeError, ValueError):
                return self.n_bins - 1
            return self.n_bins - 1 if math.isnan(x) else bisect.bisect_right(self.splits, x)
        key = MISSING if value is None else str(value)
        return self._lookup().get(key, self.n_bins - 1)

    def _lookup(self) -> dict[str, int]:
        cached = self.__dict__.get("_lookup_cache")
        if cached is None:
            cached = {c: i for i, g in enumerate(self.groups) for c in g}
            self.__dict__["_lookup_cache"] = cached
        return cached

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BinnedFeature:
        return cls(**d)


def _fit_binning(
    name: str, kind: str, x: pl.Series, y: np.ndarray, spec: CreditSpec
) -> BinnedFeature:
    from optbinning import OptimalBinning

    feature = spec.feature(name)
    trend = _TRENDS.get(feature.monotonic) if kind == "numeric" else None
    if kind == "numeric":
        values = x.cast(pl.Float64, strict=False).to_numpy()
        ob = OptimalBinning(
            name=name,
            dtype="numerical",
            solver="cp",
            monotonic_trend=trend,
            max_n_bins=spec.binning.max_n_bins,
            min_bin_size=spec.binning.min_bin_size,
        )
    else:
        values = x.cast(pl.String).fill_null(MISSING).to_numpy()
        ob = OptimalBinning(
            name=name,
            dtype="categorical",
            solver="cp",
            max_n_bins=spec.binning.max_n_bins,
            min_bin_size=spec.binning.min_bin_size,
            cat_cutoff=None,
        )
    ob.fit(values, y)
    bf = BinnedFeature(name=name, kind=kind)
    if kind == "numeric":
        bf.splits = [float(s) for s in ob.splits]
        edges = [-math.inf, *bf.splits, math.inf]
        bf.labels = [f"[{edges[i]:g}, {edges[i + 1]:g})" for i in range(len(edges) - 1)]
        idx = np.searchsorted(np.asarray(bf.splits), values, side="right")
        idx = np.where(np.isnan(values), len(bf.splits) + 1, idx)
    else:
        bf.groups = [[str(c) for c in g] for g in ob.splits]
        bf.labels = [", ".join(g) for g in bf.groups]
        lookup = {c: i for i, g in enumerate(bf.groups) for c in g}
        idx = np.array([lookup.get(str(v), len(bf.groups)) for v in values])
    n_regular = len(bf.labels)
    bf.labels.append(MISSING)
    bads = np.bincount(idx, weights=y, minlength=n_regular + 1)
    totals = np.bincount(idx, minlength=n_regular + 1).astype(np.float64)
    goods = totals - bads
    b_share = (bads + 0.5) / (bads.sum() + 0.5)
    g_share = (goods + 0.5) / (goods.sum() + 0.5)
    woe = np.log(b_share / g_share)
    if totals[-1] == 0:
        woe[-1] = 0.0  # never seen missing: neutral, neither rewarded nor punished
    bf.woe = [float(w) for w in woe]
    bf.event_rate = [float(b / t) if t else 0.0 for b, t in zip(bads, totals, strict=True)]
    bf.counts = [int(t) for t in totals]
    bf.iv = float(np.sum((b_share - g_share) * woe))
    return bf


@dataclass
class Scorecard:
    """A fitted points scorecard; JSON in, JSON out."""

    features: list[BinnedFeature]
    intercept: float
    coefficients: list[float]
    factor: float
    offset: float
    dropped: dict[str, str] = field(default_factory=dict)  # feature -> why

    kind: str = "scorecard"

    @classmethod
    def fit(
        cls, frame: pl.DataFrame, y: np.ndarray, spec: CreditSpec, kinds: dict[str, str]
    ) -> Scorecard:
        binned: list[BinnedFeature] = []
        dropped: dict[str, str] = {}
        for f in spec.features:
            bf = _fit_binning(f.name, f.type, frame[f.name], y, spec)
            if bf.iv < spec.binning.min_iv or len(bf.labels) <= 2:
                dropped[f.name] = f"information value {bf.iv:.4f} (one bin or below min_iv)"
                continue
            binned.append(bf)
        if not binned:
            raise ValueError("no feature carries information: every one was dropped")
        woe = np.column_stack([np.asarray(b.woe)[b.bin_index(frame[b.name])] for b in binned])
        while True:
            lr = LogisticRegression(C=spec.algorithm.scorecard.c, max_iter=1000)
            lr.fit(woe, y)
            coef = lr.coef_[0]
            if (coef > 0).all() or len(binned) == 1:
                break
            worst = int(np.argmin(coef))
            dropped[binned[worst].name] = (
                f"coefficient {coef[worst]:.4f} <= 0 (collinear): points would not be monotone"
            )
            binned.pop(worst)
            woe = np.delete(woe, worst, axis=1)
        factor = spec.scaling.pdo / math.log(2)
        offset = spec.scaling.base_score - factor * math.log(spec.scaling.base_odds)
        card = cls(
            features=binned,
            intercept=float(lr.intercept_[0]),
            coefficients=[float(c) for c in coef],
            factor=factor,
            offset=offset,
            dropped=dropped,
        )
        card._assign_points()
        return card

    def _assign_points(self) -> None:
        n = len(self.features)
        # score = offset + factor × ln(good/bad) = offset − factor × (intercept + Σ β woe)
        share = (self.offset - self.factor * self.intercept) / n
        for bf, beta in zip(self.features, self.coefficients, strict=True):
            bf.points = [int(round(share - self.factor * beta * w)) for w in bf.woe]

    # --- scoring -----------------------------------------------------------------------------
    def bins(self, frame: pl.DataFrame) -> np.ndarray:
        out = np.empty((frame.height, len(self.features)), dtype=np.int32)
        for j, bf in enumerate(self.features):
            out[:, j] = bf.bin_index(frame[bf.name])
        return out

    def logit(self, bins: np.ndarray) -> np.ndarray:
        z = np.full(bins.shape[0], self.intercept)
        for j, (bf, beta) in enumerate(zip(self.features, self.coefficients, strict=True)):
            z += beta * np.asarray(bf.woe)[bins[:, j]]
        return z

    def points(self, bins: np.ndarray) -> np.ndarray:
        """Points per row and feature (rows × features, integers); a row's sum is its score."""
        out = np.empty(bins.shape, dtype=np.int64)
        for j, bf in enumerate(self.features):
            out[:, j] = np.asarray(bf.points, dtype=np.int64)[bins[:, j]]
        return out

    def points_and_logit(self, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``points`` and ``logit`` in one pass over the bins."""
        pts = np.empty(bins.shape, dtype=np.int64)
        z = np.full(bins.shape[0], self.intercept)
        for j, (bf, beta) in enumerate(zip(self.features, self.coefficients, strict=True)):
            b = bins[:, j]
            pts[:, j] = np.asarray(bf.points, dtype=np.int64)[b]
            z += np.asarray(bf.woe, dtype=np.float64)[b] * beta
        return pts, z

    def reason_key_tables(self) -> tuple[list[np.ndarray], int]:
        """Per feature and bin, ``points lost × M + (M − 1 − feature)``; and M.

        One integer key holds both the points lost (short of the feature's best bin) and, for
        ties, the feature's place in the spec, so ordering reasons is ordering keys (largest
        first): ``lost = key // M``, ``feature = M − 1 − key % M``. M is a power of two.
        """
        k = len(self.features)
        m = 1 << max(k - 1, 1).bit_length()  # a power of two > k - 1
        worst_loss = max(max(bf.points) - min(bf.points) for bf in self.features)
        dtype = np.int16 if (worst_loss + 1) * m < 2**15 else np.int64
        tables = []
        for j, bf in enumerate(self.features):
            pts = np.asarray(bf.points, dtype=np.int64)
            tables.append(((pts.max() - pts) * m + (m - 1 - j)).astype(dtype))
        return tables, m

    def top_reasons(
        self, frame: pl.DataFrame, k: int
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], int]:
        """One pass over the features: log-odds, points lost in all, the ``k`` largest reason keys.

        Returns ``(log_odds, lost_total, tops, M)``: ``tops[0] >= tops[1] >= …`` per row (see
        ``reason_key_tables``); the score is the sum of the best bins' points minus
        ``lost_total``. The top keys are kept by inserting each feature's key column into ``k``
        running columns with ``maximum``/``minimum`` (a selection network on whole columns),
        which is much cheaper than sorting every row.
        """
        tables, m = self.reason_key_tables()
        n = frame.height
        dtype = tables[0].dtype
        z = np.full(n, self.intercept)
        key_sum = np.zeros(n, dtype=np.int64)
        tops = [np.full(n, -1, dtype=dtype) for _ in range(min(k, len(tables)))]
        spare = np.empty(n, dtype=dtype)
        for bf, beta, table in zip(self.features, self.coefficients, tables, strict=True):
            b = bf.bin_index(frame[bf.name])
            z += np.asarray(bf.woe, dtype=np.float64)[b] * beta
            key = table[b]
            key_sum += key
            for i, top in enumerate(tops):
                np.maximum(top, key, out=spare)
                np.minimum(top, key, out=key)  # what falls to the next place
                tops[i], spare = spare, top
        # Σ key = M·Σ lost + Σ (M − 1 − j): the points lost in all, exactly.
        offsets = sum(m - 1 - j for j in range(len(tables)))
        lost_total = (key_sum - offsets) // m
        return z, lost_total, tops, m

    def points_lost(self, bins: np.ndarray) -> np.ndarray:
        """Per row and feature, points short of the feature's best bin (>= 0)."""
        best = np.array([max(bf.points) for bf in self.features], dtype=np.int64)
        return best[None, :] - self.points(bins)

    def log_odds(self, frame: pl.DataFrame) -> np.ndarray:
        """Log-odds of default per row (before any calibration layer)."""
        return self.logit(self.bins(frame))

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        """PD per row (before any calibration layer)."""
        return 1.0 / (1.0 + np.exp(-self.log_odds(frame)))

    @property
    def feature_names(self) -> list[str]:
        return [bf.name for bf in self.features]

    def table(self) -> pl.DataFrame:
        """The scorecard table: feature, bin, count, bad rate, WoE, points."""
        rows = []
        for bf in self.features:
            for i, label in enumerate(bf.labels):
                rows.append(
                    {
                        "feature": bf.name,
                        "bin": label,
                        "count": bf.counts[i],
                        "bad_rate": round(bf.event_rate[i], 4),
                        "woe": round(bf.woe[i], 4),
                        "points": bf.points[i],
                    }
                )
        return pl.DataFrame(rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "intercept": self.intercept,
            "coefficients": self.coefficients,
            "factor": self.factor,
            "offset": self.offset,
            "dropped": self.dropped,
            "features": [bf.to_json() for bf in self.features],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Scorecard:
        return cls(
            features=[BinnedFeature.from_json(f) for f in d["features"]],
            intercept=d["intercept"],
            coefficients=d["coefficients"],
            factor=d["factor"],
            offset=d["offset"],
            dropped=d.get("dropped", {}),
        )
