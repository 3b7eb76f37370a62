"""What the risk analyst's model lab shows, computed from a registered credit model version.

The version is loaded from the registry (sha256-checked, no pickle), its spec's rows are read
from the warehouse read-only, and the time-based hold-out (the same split training used) is
scored: ROC points, KS, calibration per PD decile, score distribution by outcome and the
reason codes given. ``threshold_outcome`` is the slider's arithmetic: approval rate, expected
and observed bad rate, and expected loss (Σ PD × credit limit, in integer paise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from risk.credit import evaluation as ev
from risk.credit.artifacts import load_version
from risk.credit.features import load_data
from risk.credit.training import time_split
from risk.registry import Registry

MODEL_NAME = "bnpl_credit"
PPM = 1_000_000


@dataclass(frozen=True)
class HoldoutEval:
    label: str
    algorithm: str
    metrics: dict[str, Any]
    scored: pd.DataFrame  # pd, score, decision, credit_limit_paise, is_bad, reason_code_1..4
    roc: pd.DataFrame  # fpr, tpr
    calibration: pd.DataFrame  # decile, expected, observed, n
    psi: pd.DataFrame  # feature, psi
    approve_max_pd: float


def registry(data_dir: Path) -> Registry:
    return Registry(Path(data_dir) / "registry")


def versions(data_dir: Path, name: str = MODEL_NAME) -> list[str]:
    reg = registry(data_dir)
    return [f"v{n:04d}" for n in reg.versions(name)]


def production_label(data_dir: Path, name: str = MODEL_NAME) -> str | None:
    n = registry(data_dir).production(name)
    return None if n is None else f"v{n:04d}"


def evaluate_version(
    data_dir: Path, warehouse: Path, label: str, name: str = MODEL_NAME
) -> HoldoutEval:
    mv = registry(data_dir).get(name, label)
    model = load_version(mv)
    data = load_data(model.spec, warehouse)
    ho = time_split(model.spec, data).holdout
    rows = data.frame[ho]
    decided = model.decide_frame(rows).to_pandas()
    y = data.y[ho]
    decided["is_bad"] = y
    pd_ho = decided["probability_of_default"].to_numpy()
    fpr, tpr, _ = roc_curve(y, pd_ho)
    step = max(1, len(fpr) // 400)  # enough points for a smooth curve, few for the browser
    roc = pd.DataFrame({"fpr": fpr[::step], "tpr": tpr[::step]})
    calibration = pd.DataFrame(ev.calibration_table(y, pd_ho))
    psi = pd.DataFrame(
        sorted(mv.metadata.get("metrics", {}).get("psi", {}).items()), columns=["feature", "psi"]
    )
    policy = model.spec.policy
    return HoldoutEval(
        label=mv.label,
        algorithm=str(mv.metadata.get("algorithm")),
        metrics={**ev.ranking_metrics(y, pd_ho), "stored": mv.metadata.get("metrics", {})},
        scored=decided,
        roc=roc,
        calibration=calibration,
        psi=psi,
        approve_max_pd=float(policy.approve_max_pd) if policy is not None else 0.1,
    )


def limit_for(scored: pd.DataFrame, approve_max_pd: float) -> np.ndarray:
    """The credit limit each applicant would get if approved (the policy's tiers)."""
    limits = scored["credit_limit_paise"].to_numpy(dtype=np.int64)
    if (limits > 0).any():
        fallback = int(np.median(limits[limits > 0]))
    else:
        fallback = 0
    return np.where(limits > 0, limits, fallback)


def threshold_outcome(scored: pd.DataFrame, max_pd: float) -> dict[str, Any]:
    """Approve everyone with PD ≤ ``max_pd``: who is approved, how many go bad, what it costs."""
    pd_ = scored["probability_of_default"].to_numpy()
    approved = pd_ <= max_pd
    n = len(pd_)
    k = int(approved.sum())
    exposure = limit_for(scored, max_pd)[approved]
    pd_ppm = np.rint(pd_[approved] * PPM).astype(np.int64)
    expected_loss_paise = int((pd_ppm * exposure).sum() // PPM)
    return {
        "approved": k,
        "applicants": n,
        "approval_rate": k / n if n else 0.0,
        "expected_bad_rate": float(pd_[approved].mean()) if k else 0.0,
        "observed_bad_rate": float(scored["is_bad"].to_numpy()[approved].mean()) if k else 0.0,
        "exposure_paise": int(exposure.sum()),
        "expected_loss_paise": expected_loss_paise,
    }


def ks_curve(scored: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Cumulative share of goods and bads by PD, and the KS (their largest gap)."""
    s = scored.sort_values("probability_of_default")
    bad = s["is_bad"].to_numpy()
    cum_bad = np.cumsum(bad) / max(bad.sum(), 1)
    cum_good = np.cumsum(1 - bad) / max((1 - bad).sum(), 1)
    ks = float(np.max(np.abs(cum_good - cum_bad))) if len(s) else 0.0
    step = max(1, len(s) // 300)
    curve = pd.DataFrame(
        {
            "pd": np.tile(s["probability_of_default"].to_numpy()[::step], 2),
            "cumulative share": np.concatenate([cum_good[::step], cum_bad[::step]]),
            "outcome": ["good"] * len(cum_good[::step]) + ["bad"] * len(cum_bad[::step]),
        }
    )
    return curve, ks


def reason_frequencies(
    scored: pd.DataFrame, decisions: tuple[str, ...] = ("decline", "refer")
) -> pd.DataFrame:
    """How often each reason code is given (any of the top four) to these decisions."""
    rows = scored[scored["decision"].isin(decisions)]
    cols = [c for c in rows.columns if c.startswith("reason_code_")]
    codes = pd.concat([rows[c] for c in cols], ignore_index=True).dropna()
    freq = codes.value_counts().rename_axis("reason_code").reset_index(name="times_given")
    texts = {}
    for i in range(1, len(cols) + 1):
        if f"reason_text_{i}" in rows:
            texts.update(
                dict(zip(rows[f"reason_code_{i}"], rows[f"reason_text_{i}"], strict=False))
            )
    freq["reason_text"] = freq["reason_code"].map(texts)
    freq["share_of_decisions"] = freq["times_given"] / max(len(rows), 1)
    return freq
