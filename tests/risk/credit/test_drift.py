"""PSI finds the applicant drift the simulator injects into the latest cohorts, and only that."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world
from risk.credit.evaluation import psi, psi_by_feature
from risk.credit.features import add_derived

WORLD = {"days": 2, "merchants": 10, "payments": 16_000, "seed": 5}


def _applications(tmp_path_factory: pytest.TempPathFactory, drift: float) -> pl.DataFrame:
    out = tmp_path_factory.mktemp(f"drift_{drift}")
    build_world(WorldConfig(**WORLD, bnpl_drift=drift), out)
    return add_derived(pl.read_parquet(out / "books" / "bnpl_applications" / "*.parquet"))


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    return _applications(tmp_path_factory, 1.0)


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    return _applications(tmp_path_factory, 0.0)


APPLICATION_FEATURES = [
    "bureau_score", "bureau_enquiries_6m", "delinquencies_24m", "debt_to_income",
    "applicant_age_years", "employment_type",
]  # fmt: skip


def _psi(frame: pl.DataFrame, bnpl_spec) -> dict[str, float]:  # type: ignore[no-untyped-def]
    train = frame.filter(pl.col("application_period") < "P5")
    latest = frame.filter(pl.col("application_period") == "P6")
    return psi_by_feature(train, latest, bnpl_spec, APPLICATION_FEATURES)


def test_psi_flags_the_bureau_score_of_a_drifted_latest_cohort(drifted, bnpl_spec) -> None:
    values = _psi(drifted, bnpl_spec)
    assert values["bureau_score"] > 0.25, values  # "shifted"
    assert values["applicant_age_years"] > 0.1, values
    assert max(values, key=values.get) in {"bureau_score", "applicant_age_years"}


def test_psi_stays_below_the_watch_level_without_drift(steady, bnpl_spec) -> None:
    values = _psi(steady, bnpl_spec)
    assert max(values.values()) < 0.1, values


def test_the_drift_moves_the_population_not_the_pd_function(tmp_path_factory) -> None:
    """Later cohorts default more because riskier people apply, which truth records."""
    out = tmp_path_factory.mktemp("drift_truth")
    build_world(WorldConfig(**WORLD, bnpl_drift=1.0), out)
    truth = pl.read_parquet(out / "truth" / "bnpl_applicants.parquet")
    by = truth.group_by("is_drifted").agg(pl.col("latent_pd").mean()).sort("is_drifted")
    assert by["latent_pd"][1] > 1.3 * by["latent_pd"][0]
    assert truth.filter(pl.col("is_drifted"))["application_period"].unique().sort().to_list() == [
        "P5",
        "P6",
    ]


def test_psi_of_identical_samples_is_zero_and_of_disjoint_ones_large() -> None:
    s = pl.Series("x", list(range(1000)))
    assert psi(s, s, numeric=True) == 0.0
    assert psi(s, s + 5000, numeric=True) > 5
    c = pl.Series("c", ["a"] * 50 + ["b"] * 50)
    assert psi(c, pl.Series("c", ["b"] * 100), numeric=False) > 1
