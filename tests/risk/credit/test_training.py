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


def test_the_holdout_is_the_latest_application_periods(trained, bnpl_spec, bnpl_data) -> None:
    periods = bnpl_data.frame["application_period"].unique().sort().to_list()
    n_held = bnpl_spec.split.holdout_periods
    assert trained.metrics["holdout_periods"] == periods[-n_held:]
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

    One shuffle is a coin toss on a small hold-out (the test world's two-month hold-out has about
    3,000 rows and 250 bads: the AUC of pure noise has a standard deviation near 0.02), so the
    control averages five shuffles (about 0.009).
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
    # The oracle (latent PD) is measured on the same hold-out deciles: the sampling floor.
    o = m["oracle"]
    assert [r["n"] for r in o["calibration"]] == [r["n"] for r in m["calibration"]]
    assert 0 <= o["calibration_error"] <= o["calibration_max_gap"] < 1
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


def _with_calibration(bnpl_spec, method: str, periods: int = 1):  # type: ignore[no-untyped-def]
    from risk.credit.spec import parse_spec

    doc = bnpl_spec.model_dump(mode="json")
    doc["calibration"] = {"method": method, "periods": periods}
    return parse_spec(doc)


def test_the_calibration_layer_is_fitted_on_the_period_before_the_holdout(
    credit_world, bnpl_spec, bnpl_data
) -> None:
    spec = _with_calibration(bnpl_spec, "platt")
    result = train(spec, bnpl_data, credit_world.truth)
    m = result.metrics
    periods = bnpl_data.frame["application_period"].unique().sort().to_list()
    n_held = spec.split.holdout_periods
    assert m["calibration_periods"] == [periods[-n_held - 1]]
    in_period = (bnpl_data.frame["application_period"] == periods[-n_held - 1]).sum()
    assert m["calibration_rows"] == result.calibration_rows == in_period
    # The model is fitted on the earlier periods only: its bins counted exactly those rows.
    assert result.train_rows + result.calibration_rows + m["holdout"]["n"] == len(bnpl_data.y)
    for bf in result.model.core.features:
        assert sum(bf.counts) == result.train_rows
    assert result.model.calibrator.method == "platt"
    assert result.model.calibrator.a > 0


def test_the_calibration_layer_never_sees_the_holdout_outcomes(
    credit_world, bnpl_spec, bnpl_data
) -> None:
    """Flipping every hold-out outcome changes the hold-out metrics, not the fitted model."""
    spec = _with_calibration(bnpl_spec, "isotonic")
    first = train(spec, bnpl_data, credit_world.truth)
    held = bnpl_data.frame["application_period"].is_in(first.metrics["holdout_periods"])
    flipped_y = np.where(held.to_numpy(), 1 - bnpl_data.y, bnpl_data.y).astype(np.int8)
    flipped = CreditData(frame=bnpl_data.frame, y=flipped_y, data_hash="flipped")
    second = train(spec, flipped, credit_world.truth)
    assert model_files(second.model)["model.json"] == model_files(first.model)["model.json"]
    assert second.metrics["holdout"]["bad_rate"] != first.metrics["holdout"]["bad_rate"]


def test_calibration_periods_that_leave_nothing_to_fit_on_name_the_field(
    credit_world, bnpl_spec, bnpl_data
) -> None:
    import pytest

    from risk.credit.spec import SpecError

    spec = _with_calibration(bnpl_spec, "platt", periods=6)
    with pytest.raises(SpecError, match=r"calibration.periods: 6 calibration and 2 hold-out"):
        train(spec, bnpl_data, credit_world.truth)
