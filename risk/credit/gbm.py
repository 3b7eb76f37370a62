"""Monotone gradient boosting (scikit-learn HistGradientBoostingClassifier) with its own reasons.

Serves the risk analyst who wants more lift than a scorecard without giving up monotone,
explainable decisions. Each numeric feature gets the spec's monotonic constraint (risk goes
``increasing`` → +1, ``decreasing`` → −1). Categorical features are encoded by the bad-rate
rank of each category on the training data (an ordinal code, constrained +1), so every split is
a numeric threshold and an unseen category gets the middle rank.

Reason codes are **path contributions** (Saabas' method) read from the fitted trees: walking a
row from the root to its leaf, each split moves the raw log-odds from the node's expected value
to the child's, and that move is credited to the split's feature. A node's expected value is
the count-weighted mean of its leaves (the leaves hold the shrunk values sklearn predicts with),
so for every row ``baseline + Σ_trees root value + Σ_features contribution`` equals the
model's raw log-odds exactly. Contributions are converted to points with the scaling factor;
the features that raised the log-odds most are the reasons. The estimator is stored with skops
(no pickle) and loaded with an explicit list of trusted types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier

from risk.credit.spec import CreditSpec

_CST = {"increasing": 1, "decreasing": -1, "auto": 0, "none": 0}


@dataclass
class _Tree:
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    is_leaf: np.ndarray
    expected: np.ndarray  # count-weighted mean of the leaves below each node
    path: np.ndarray  # nodes × features: Σ contributions from the root down to each node
    leaf_finder: Any  # sklearn TreePredictor whose "value" is the node index: X -> leaf


def _tree_arrays(predictor: Any, n_features: int) -> _Tree:
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    nodes = predictor.nodes
    n = len(nodes)
    expected = nodes["value"].astype(np.float64).copy()
    counts = nodes["count"].astype(np.float64)
    # Children always come after their parent in sklearn's node array: fill bottom-up.
    for i in range(n - 1, -1, -1):
        if not nodes["is_leaf"][i]:
            lft, rgt = nodes["left"][i], nodes["right"][i]
            c = counts[lft] + counts[rgt]
            expected[i] = (expected[lft] * counts[lft] + expected[rgt] * counts[rgt]) / c
    # ... and top-down, each node's path contributions: its parent's plus the parent's split.
    path = np.zeros((n, n_features))
    for i in range(n):
        if not nodes["is_leaf"][i]:
            f = int(nodes["feature_idx"][i])
            for child in (int(nodes["left"][i]), int(nodes["right"][i])):
                path[child] = path[i]
                path[child, f] += expected[child] - expected[i]
    # The same tree, predicting its leaf's node index: sklearn's compiled walk finds the leaves.
    index_nodes = nodes.copy()
    index_nodes["value"] = np.arange(n, dtype=np.float64)
    leaf_finder = TreePredictor(
        index_nodes, predictor.binned_left_cat_bitsets, predictor.raw_left_cat_bitsets
    )
    return _Tree(
        feature=nodes["feature_idx"].astype(np.int64),
        threshold=nodes["num_threshold"].astype(np.float64),
        missing_left=nodes["missing_go_to_left"].astype(bool),
        left=nodes["left"].astype(np.int64),
        right=nodes["right"].astype(np.int64),
        is_leaf=nodes["is_leaf"].astype(bool),
        expected=expected,
        path=path,
        leaf_finder=leaf_finder,
    )


@dataclass
class GbmModel:
    """A fitted monotone GBM plus the encodings it needs; the estimator lives in a skops file."""

    estimator: HistGradientBoostingClassifier
    feature_names: list[str]
    categorical: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> rank
    factor: float = 28.85
    offset: float = 487.12
    kind: str = "gbm"
    _trees: list[_Tree] | None = None

    @classmethod
    def fit(
        cls, frame: pl.DataFrame, y: np.ndarray, spec: CreditSpec, kinds: dict[str, str]
    ) -> GbmModel:
        categorical: dict[str, dict[str, float]] = {}
        for f in spec.features:
            if f.type == "categorical":
                rates = (
                    pl.DataFrame({"c": frame[f.name].cast(pl.String).fill_null("missing"), "y": y})
                    .group_by("c")
                    .agg(pl.col("y").mean())
                    .sort("y", "c")
                )
                categorical[f.name] = {c: float(i) for i, c in enumerate(rates["c"])}
        names = [f.name for f in spec.features]
        cst = [1 if f.type == "categorical" else _CST[f.monotonic] for f in spec.features]
        p = spec.algorithm.gbm
        est = HistGradientBoostingClassifier(
            max_iter=p.max_iter,
            learning_rate=p.learning_rate,
            max_leaf_nodes=p.max_leaf_nodes,
            min_samples_leaf=p.min_samples_leaf,
            l2_regularization=p.l2_regularization,
            monotonic_cst=cst,
            early_stopping=False,
            random_state=spec.split.seed,
        )
        model = cls(
            estimator=est,
            feature_names=names,
            categorical=categorical,
            factor=spec.scaling.pdo / math.log(2),
            offset=spec.scaling.base_score
            - spec.scaling.pdo / math.log(2) * math.log(spec.scaling.base_odds),
        )
        est.fit(model.matrix(frame), y)
        return model

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        cols = []
        for name in self.feature_names:
            if name in self.categorical:
                ranks = self.categorical[name]
                middle = (len(ranks) - 1) / 2
                s = frame[name].cast(pl.String).fill_null("missing")
                cols.append(
                    s.replace_strict(ranks, default=middle, return_dtype=pl.Float64).to_numpy()
                )
            else:
                cols.append(frame[name].cast(pl.Float64, strict=False).to_numpy())
        return np.column_stack(cols).astype(np.float64)

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(self.matrix(frame))[:, 1]

    def log_odds(self, frame: pl.DataFrame) -> np.ndarray:
        """Raw log-odds of default per row (before any calibration layer)."""
        return np.ravel(self.estimator._raw_predict(self.matrix(frame)))

    # --- reason codes ------------------------------------------------------------------------
    @property
    def trees(self) -> list[_Tree]:
        if self._trees is None:
            k = len(self.feature_names)
            self._trees = [_tree_arrays(p[0], k) for p in self.estimator._predictors]
        return self._trees

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bias per row, log-odds contribution per row and feature); they sum to the raw score.

        Per tree, sklearn's own compiled walk finds each row's leaf and the leaf's path
        contributions (precomputed per node) are added: no Python-level walk over the nodes.
        """
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        n, k = x.shape
        x = np.ascontiguousarray(x, dtype=np.float64)
        known_cats, f_idx_map = self.estimator._bin_mapper.make_known_categories_bitsets()
        n_threads = _openmp_effective_n_threads()
        bias = float(np.ravel(self.estimator._baseline_prediction)[0])
        contrib = np.zeros((n, k))
        step = np.empty((n, k))
        for t in self.trees:
            bias += t.expected[0]
            leaf = t.leaf_finder.predict(x, known_cats, f_idx_map, n_threads).astype(np.intp)
            np.take(t.path, leaf, axis=0, out=step)
            contrib += step
        return np.full(n, bias), contrib

    def row_vector(self, application: dict[str, Any]) -> list[float]:
        """One application's features as the trees see them (the online path)."""
        out = []
        for name in self.feature_names:
            v = application.get(name)
            if name in self.categorical:
                ranks = self.categorical[name]
                key = "missing" if v is None else str(v)
                out.append(ranks.get(key, (len(ranks) - 1) / 2))
            else:
                out.append(math.nan if v is None else float(v))
        return out

    def contributions_one(self, x: list[float]) -> tuple[float, list[float]]:
        """``contributions`` for one row in plain Python (no per-node numpy calls).

        Walks each tree to its leaf and adds the leaf's path contributions, in the same order
        as ``contributions``, so the online and batch numbers are the same to the last bit.
        """
        if self.__dict__.get("_plain_trees") is None:
            self.__dict__["_plain_trees"] = [
                (t.feature.tolist(), t.threshold.tolist(), t.missing_left.tolist(),
                 t.left.tolist(), t.right.tolist(), t.is_leaf.tolist(), float(t.expected[0]),
                 t.path.tolist())
                for t in self.trees
            ]  # fmt: skip
        contrib = [0.0] * len(x)
        bias = float(np.ravel(self.estimator._baseline_prediction)[0])
        for feat, thr, miss_left, left, right, leaf, root, path in self.__dict__["_plain_trees"]:
            node = 0
            bias += root
            while not leaf[node]:
                v = x[feat[node]]
                go_left = miss_left[node] if math.isnan(v) else v <= thr[node]
                node = left[node] if go_left else right[node]
            for j, c in enumerate(path[node]):
                contrib[j] += c
        return bias, contrib

    # --- storage -----------------------------------------------------------------------------
    def meta_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "feature_names": self.feature_names,
            "categorical": self.categorical,
            "factor": self.factor,
            "offset": self.offset,
        }

    def save_estimator(self, path: Path) -> None:
        import skops.io as sio

        sio.dump(self.estimator, path)

    @classmethod
    def load(cls, meta: dict[str, Any], estimator_path: Path) -> GbmModel:
        import skops.io as sio

        untrusted = sio.get_untrusted_types(file=estimator_path)
        allowed = [t for t in untrusted if t.startswith("sklearn.")]
        unexpected = sorted(set(untrusted) - set(allowed))
        if unexpected:
            raise ValueError(f"{estimator_path}: refusing to load untrusted types {unexpected}")
        est = sio.load(estimator_path, trusted=allowed)
        return cls(
            estimator=est,
            feature_names=meta["feature_names"],
            categorical=meta["categorical"],
            factor=meta["factor"],
            offset=meta["offset"],
        )
