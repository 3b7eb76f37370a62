"""Registry: versions round-trip without pickle, tampering is refused, promote and roll back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from risk.credit.artifacts import load_version, model_files
from risk.credit.spec import parse_spec
from risk.credit.training import fit_model
from risk.registry import Registry, RegistryError


def _register(registry: Registry, model, metrics=None):  # type: ignore[no-untyped-def]
    return registry.register(
        model.spec.name,
        model_files(model),
        {
            "algorithm": model.core.kind,
            "metrics": metrics or {},
            "data_hash": "d",
            "spec_hash": "s",
        },
    )


def test_a_scorecard_round_trips_as_json_and_scores_identically(
    trained, bnpl_data, tmp_path
) -> None:
    registry = Registry(tmp_path / "registry")
    mv = _register(registry, trained.model, trained.metrics)
    assert mv.label == "v0001"
    assert sorted(p.name for p in mv.path.iterdir()) == ["metadata.json", "model.json", "spec.yaml"]
    meta = json.loads((mv.path / "metadata.json").read_text())
    assert meta["libraries"]["scikit-learn"].startswith("1.9")
    assert set(meta["files"]) == {"model.json", "spec.yaml"}
    loaded = load_version(registry.get("bnpl_credit", 1))
    a = trained.model.decide_frame(bnpl_data.frame)
    b = loaded.decide_frame(bnpl_data.frame)
    assert (a["score"] == b["score"]).all()
    np.testing.assert_array_equal(a["probability_of_default"], b["probability_of_default"])
    assert b["model_version"][0] == "v0001"


def test_a_gbm_round_trips_through_skops_and_its_reasons_sum_to_its_log_odds(
    bnpl_spec, bnpl_data, tmp_path
) -> None:
    doc = bnpl_spec.model_dump(mode="json")
    doc["algorithm"] = {"kind": "gbm", "gbm": {"max_iter": 25}}
    spec = parse_spec(doc)
    model = fit_model(spec, bnpl_data.frame, bnpl_data.y)
    registry = Registry(tmp_path / "registry")
    mv = _register(registry, model)
    assert (mv.path / "estimator.skops").exists()
    loaded = load_version(registry.get("bnpl_credit", "v1"))
    frame = bnpl_data.frame
    np.testing.assert_allclose(loaded.predict_pd(frame), model.predict_pd(frame))
    # Path contributions are the model's own arithmetic: bias + Σ contributions = raw log-odds.
    x = loaded.core.matrix(frame)
    bias, contrib = loaded.core.contributions(x)
    np.testing.assert_allclose(bias + contrib.sum(axis=1), loaded.core.log_odds(frame), atol=1e-9)
    ex = loaded.explain(frame)
    assert (ex.points_lost >= 0).all()


def test_a_tampered_artifact_is_refused(trained, tmp_path) -> None:
    registry = Registry(tmp_path / "registry")
    mv = _register(registry, trained.model)
    body = json.loads((mv.path / "model.json").read_text())
    body["scorecard"]["intercept"] += 1
    (mv.path / "model.json").write_text(json.dumps(body))
    with pytest.raises(RegistryError, match="sha256 differs"):
        registry.get("bnpl_credit", 1)


def test_promote_serves_a_version_and_rollback_restores_the_one_before(trained, tmp_path) -> None:
    registry = Registry(tmp_path / "registry")
    for _ in range(3):
        _register(registry, trained.model)
    assert registry.versions("bnpl_credit") == [1, 2, 3]
    assert registry.get("bnpl_credit").version == 3  # nothing promoted: the latest
    with pytest.raises(RegistryError, match="nothing to roll back"):
        registry.rollback("bnpl_credit")
    registry.promote("bnpl_credit", 1)
    registry.promote("bnpl_credit", "v3")
    assert registry.get("bnpl_credit").version == 3
    assert registry.rollback("bnpl_credit") == 1
    assert registry.get("bnpl_credit").version == 1
    with pytest.raises(RegistryError, match="nothing to roll back"):
        registry.rollback("bnpl_credit")
    with pytest.raises(RegistryError, match="v0009 does not exist"):
        registry.promote("bnpl_credit", 9)
    actions = [(h["action"], h["version"]) for h in registry.state("bnpl_credit")["history"]]
    assert actions == [("promote", 1), ("promote", 3), ("rollback", 1)]
