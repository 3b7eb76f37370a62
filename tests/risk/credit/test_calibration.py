"""Calibration: the decile table a risk analyst reads, and the Platt and isotonic layers."""

from __future__ import annotations

import numpy as np
import pytest

from risk.credit.evaluation import calibration_error, calibration_max_gap, calibration_table
from risk.credit.model import Calibrator


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_calibration_table_compares_mean_pd_with_the_default_rate_of_each_pd_group() -> None:
    # Eight applicants in two PD groups, given out of order: the table sorts them by PD.
    pd_ = np.array([0.7, 0.1, 0.9, 0.2, 0.1, 0.6, 0.2, 0.8])
    y = np.array([1, 0, 1, 1, 0, 0, 0, 1])
    table = calibration_table(y, pd_, bins=2)
    assert [r["n"] for r in table] == [4, 4]
    # Low group: PDs 0.1, 0.1, 0.2, 0.2 (mean 0.15); one of four defaulted (0.25).
    assert table[0]["expected"] == pytest.approx(0.15)
    assert table[0]["observed"] == pytest.approx(0.25)
    # High group: PDs 0.6, 0.7, 0.8, 0.9 (mean 0.75); three of four defaulted (0.75).
    assert table[1]["expected"] == pytest.approx(0.75)
    assert table[1]["observed"] == pytest.approx(0.75)
    assert calibration_error(table) == pytest.approx(0.05)  # (0.10 + 0) / 2
    assert calibration_max_gap(table) == pytest.approx(0.10)


def test_calibration_error_is_in_points_of_probability_not_relative() -> None:
    table = [
        {"decile": 1, "n": 100, "expected": 0.01, "observed": 0.02},  # 1 point (100% relative)
        {"decile": 2, "n": 100, "expected": 0.30, "observed": 0.27},  # 3 points (10% relative)
    ]
    assert calibration_error(table) == pytest.approx(0.02)
    assert calibration_max_gap(table) == pytest.approx(0.03)


def test_deciles_split_the_applicants_into_ten_groups_of_equal_size() -> None:
    rng = np.random.default_rng(3)
    pd_ = rng.uniform(0, 0.5, 1003)
    table = calibration_table((rng.random(1003) < pd_).astype(int), pd_)
    assert len(table) == 10
    assert {r["n"] for r in table} <= {100, 101}
    assert sum(r["n"] for r in table) == 1003
    means = [r["expected"] for r in table]
    assert means == sorted(means)


def test_a_pd_that_is_the_truth_is_calibrated_up_to_sampling_error() -> None:
    rng = np.random.default_rng(7)
    pd_ = _sigmoid(rng.normal(-2.5, 1.0, 200_000))
    y = (rng.random(pd_.size) < pd_).astype(int)
    table = calibration_table(y, pd_)
    # 20,000 per decile: a decile's default rate has a sampling error below 0.35 points.
    assert calibration_max_gap(table) < 0.012


def test_platt_calibration_flattens_a_too_steep_pd() -> None:
    """A model whose log-odds are twice too spread out and 0.4 too high is recalibrated."""
    rng = np.random.default_rng(11)
    true_z = rng.normal(-2.2, 0.9, 60_000)
    y = (rng.random(true_z.size) < _sigmoid(true_z)).astype(int)
    model_z = 2.0 * true_z + 0.4  # the overconfident model's log-odds
    cal = Calibrator.fit("platt", model_z, y)
    assert cal.method == "platt"
    # true_z = (model_z − 0.4) / 2 = 0.5·model_z − 0.2
    assert cal.a == pytest.approx(0.5, abs=0.03)
    assert cal.b == pytest.approx(-0.2, abs=0.08)
    before = calibration_max_gap(calibration_table(y, _sigmoid(model_z)))
    after = calibration_max_gap(calibration_table(y, cal.from_log_odds(model_z)))
    assert before > 0.05
    assert after < 0.015


def test_platt_calibration_leaves_a_calibrated_model_alone() -> None:
    rng = np.random.default_rng(12)
    z = rng.normal(-2.0, 1.0, 60_000)
    y = (rng.random(z.size) < _sigmoid(z)).astype(int)
    cal = Calibrator.fit("platt", z, y)
    assert cal.a == pytest.approx(1.0, abs=0.05)
    assert cal.b == pytest.approx(0.0, abs=0.1)


def test_isotonic_calibration_is_monotone_and_matches_the_observed_default_rate() -> None:
    rng = np.random.default_rng(13)
    raw_z = rng.normal(-2.0, 1.0, 40_000)
    true_pd = _sigmoid(raw_z) ** 0.7  # the model under-states risk, more so at low PDs
    y = (rng.random(raw_z.size) < true_pd).astype(int)
    cal = Calibrator.fit("isotonic", raw_z, y)
    grid = np.linspace(-6, 3, 500)
    out = cal.from_log_odds(grid)
    assert np.all(np.diff(out) >= 0)  # never reorders applicants
    assert np.all((out > 0) & (out < 1))
    fitted = cal.from_log_odds(raw_z)
    assert fitted.mean() == pytest.approx(y.mean(), abs=1e-9)  # isotonic keeps the mean
    before = calibration_max_gap(calibration_table(y, _sigmoid(raw_z)))
    assert before > 0.03
    assert calibration_max_gap(calibration_table(y, fitted)) < 0.015


def test_calibrated_pd_is_the_same_from_the_raw_pd_and_from_the_log_odds() -> None:
    z = np.linspace(-6, 4, 101)
    for cal in (
        Calibrator("none"),
        Calibrator("platt", a=0.8, b=-0.3),
        Calibrator("isotonic", x=[0.01, 0.1, 0.5], y=[0.02, 0.08, 0.6]),
    ):
        assert cal(_sigmoid(z)) == pytest.approx(cal.from_log_odds(z), abs=1e-9), cal.method


def test_a_cv_calibration_slice_keeps_goods_and_bads_in_proportion() -> None:
    from risk.credit.training import _stratified_share

    y = np.array([1] * 100 + [0] * 900)
    rows = _stratified_share(y, 0.2, seed=0)
    assert len(rows) == 200
    assert int(y[rows].sum()) == 20
    assert len(set(rows.tolist())) == 200
    assert np.array_equal(rows, _stratified_share(y, 0.2, seed=0))  # seeded
