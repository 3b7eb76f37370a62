"""The external benchmark: the same pipeline on Statlog German credit, read in place."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from hisaab.cli import app
from risk.credit.features import load_data
from risk.credit.service import GERMAN_SPEC, benchmark
from risk.credit.spec import load_spec
from risk.credit.training import fit_model


def test_german_scorecard_reaches_the_published_auc_under_5_fold_cv(german_csv) -> None:
    result = benchmark("german")
    assert set(result) == {"auc_mean", "auc_std", "gini", "ks"}
    assert result["auc_mean"] >= 0.79, result
    assert abs(result["gini"] - (2 * result["auc_mean"] - 1)) < 1e-3


def test_german_scorecard_points_are_monotone_in_risk_within_every_binned_feature(
    german_csv,
) -> None:
    spec = load_spec(GERMAN_SPEC)
    data = load_data(spec)
    card = fit_model(spec, data.frame, data.y).core
    for bf in card.features:
        regular = range(len(bf.points) - 1)  # the missing bin is empty here
        by_risk = sorted(regular, key=lambda i: bf.event_rate[i])
        points = [bf.points[i] for i in by_risk]
        assert points == sorted(points, reverse=True), (bf.name, bf.event_rate, bf.points)
        declared = spec.feature(bf.name).monotonic
        if declared in ("increasing", "decreasing"):
            seq = np.array([bf.points[i] for i in regular])
            steps = np.diff(seq)
            assert (steps <= 0).all() if declared == "increasing" else (steps >= 0).all(), bf.name


def test_benchmark_cli_takes_any_csv_with_a_target_column(german_csv) -> None:
    res = CliRunner().invoke(
        app,
        ["risk", "credit", "benchmark", "--dataset", str(german_csv), "--target", "creditability", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert 0.7 < out["auc_mean"] < 0.85


def test_benchmark_cli_refuses_a_missing_target_column_by_name(german_csv) -> None:
    res = CliRunner().invoke(
        app, ["risk", "credit", "benchmark", "--dataset", str(german_csv), "--target", "default"]
    )
    assert res.exit_code == 2
    assert "--target: 'default' is not a column" in res.output
