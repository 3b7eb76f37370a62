"""Training on the simulated world: deterministic, and it learns the simulator's latent PD."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from risk.credit.artifacts import model_files
from risk.credit.features import CreditData
from risk.credit.training import train


def test_training_twice_on_the_same_world_gives_the_same_model_and_metrics(
    credit_world, bnpl_spec, bnpl_data, trained
) -> None:
    again = train(bnpl_spec, bnpl_data, credit_world.truth)
    assert model_files(again.model)["model.json"] == model_files(trained.model)["model.json"]
    assert json.dumps(again.metrics, sort_keys=True) == json.dumps(trained.metrics, sort_keys=True)


def test_the_holdout_is_the_latest_application_period(trained, bnpl_data) -> None:
    periods = bnpl_data.frame["application_period"].unique().sort().to_list()
    assert trained.metrics["holdout_periods"] == [periods[-1]]
    assert trained.train_rows + trained.metrics["holdout"]["n"] == bnpl_data.frame.height


def test_the_model_recovers_the_latent_probability_of_default(credit_world, trained) -> None:
    h = trained.metrics["holdout"]
    # Against the observed outcome, and against the simulator's own latent PD.
    assert h["auc"] > 0.70, h
    assert h["oracle_auc"] - h["auc"] < 0.08, h
    truth = pl.read_parquet(credit_world.truth / "bnpl_applicants.parquet")
    joined = trained.holdout.join(truth, on="application_id")
    rank_corr = np.corrcoef(
        joined["probability_of_default"].rank().to_numpy(), joined["latent_pd"].rank().to_numpy()
    )[0, 1]
    assert rank_corr > 0.75, rank_corr


def test_a_shuffled_target_leaves_nothing_to_learn(credit_world, bnpl_spec, bnpl_data) -> None:
    """The signal test above would fail on a model that learned noise: this is the control.

    One shuffle is a coin toss on a small hold-out (about 300 rows, 25 bads: the AUC of pure noise
    has a standard deviation near 0.06), so the control averages five shuffles (about 0.027).
    """
    truth = pl.read_parquet(credit_world.truth / "bnpl_applicants.parquet")
    aucs, latent_aucs = [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        shuffled = CreditData(
            frame=bnpl_data.frame, y=rng.permutation(bnpl_data.y), data_hash=f"shuffled-{seed}"
        )
        result = train(bnpl_spec, shuffled, credit_world.truth)
        aucs.append(result.metrics["holdout"]["auc"])
        pd_ = result.holdout["probability_of_default"].to_numpy()
        latent = result.holdout.join(truth, on="application_id")["is_defaulted"].to_numpy()
        latent_aucs.append(roc_auc_score(latent, pd_))
    assert abs(float(np.mean(aucs)) - 0.5) < 0.1, aucs
    assert float(np.mean(latent_aucs)) < 0.6, latent_aucs


def test_calibration_table_and_slices_cover_the_holdout(trained) -> None:
    m = trained.metrics
    assert sum(r["n"] for r in m["calibration"]) == m["holdout"]["n"]
    assert 0 <= m["calibration_error"] <= m["calibration_max_gap"] < 1
    assert set(m["slices"]) == {"gender", "city_tier", "applicant_age_years"}
    for per in m["slices"].values():
        assert sum(r["n"] for r in per.values()) == m["holdout"]["n"]


def test_gbm_with_monotone_constraints_is_selectable_in_the_spec(
    credit_world, bnpl_spec, bnpl_data
) -> None:
    doc = bnpl_spec.model_dump(mode="json")
    doc["algorithm"]["kind"] = "gbm"
    doc["algorithm"]["gbm"]["max_iter"] = 40
    from risk.credit.spec import parse_spec

    spec = parse_spec(doc)
    result = train(spec, bnpl_data, credit_world.truth)
    est = result.model.core.estimator
    assert list(est.monotonic_cst)[:3] == [-1, 1, 1]  # bureau score, enquiries, delinquencies
    assert result.metrics["holdout"]["auc"] > 0.70
