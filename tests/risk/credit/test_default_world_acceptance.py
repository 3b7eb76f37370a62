"""Issue 7's acceptance on the demo world (the default `hisaab simulate`): slow, run on demand.

`pytest tests/risk/credit/test_default_world_acceptance.py -m slow -n 0` builds the default
world (7 days, 200 merchants, 200k payments, seed 42) up to the BNPL feature mart, trains
`models/bnpl_credit.yaml` and checks the hold-out against the simulator's own latent PD.
"""

from __future__ import annotations

import pytest

from risk.credit.features import load_data
from risk.credit.training import train
from tests.risk.credit.conftest import build_credit_world

DEFAULT_WORLD = {
    "days": 7,
    "merchants": 200,
    "payments": 200_000,
    "seed": 42,
    "chunk_size": 250_000,
}


@pytest.mark.slow
def test_the_demo_model_ranks_near_the_oracle_and_is_calibrated_within_two_points(
    tmp_path, bnpl_spec
) -> None:
    world = build_credit_world(tmp_path, **DEFAULT_WORLD)
    result = train(bnpl_spec, load_data(bnpl_spec, world.warehouse), world.truth)
    m = result.metrics
    assert m["holdout"]["n"] >= 20_000, "too few hold-out applicants to measure deciles"
    assert m["holdout"]["auc_gap_to_oracle"] < 0.02, m["holdout"]
    # The oracle's own gaps are the sampling floor: if it missed, the hold-out would be too
    # small to tell a calibrated model from a miscalibrated one.
    assert m["oracle"]["calibration_max_gap"] < 0.02, m["oracle"]["calibration"]
    assert m["calibration_error"] < 0.02
    assert m["calibration_max_gap"] < 0.02, m["calibration"]
