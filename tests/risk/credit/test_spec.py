"""A spec with a mistake fails fast, and the message names the field."""

from __future__ import annotations

import json

import pytest
import yaml

from risk.credit.features import column_kinds, load_data
from risk.credit.spec import SCHEMA_PATH, SpecError, check_columns, json_schema, load_spec


def _write(tmp_path, doc) -> object:  # type: ignore[no-untyped-def]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture()
def doc(bnpl_spec) -> dict:  # type: ignore[type-arg]
    return bnpl_spec.model_dump(mode="json")


def test_the_shipped_specs_load(bnpl_spec) -> None:
    assert bnpl_spec.algorithm.kind == "scorecard"
    german = load_spec(SCHEMA_PATH.parent / "german_credit.yaml")
    assert german.split.method == "cv"


def test_the_committed_json_schema_is_the_one_the_spec_classes_generate() -> None:
    assert json.loads(SCHEMA_PATH.read_text()) == json.loads(json.dumps(json_schema()))


def test_approve_threshold_above_decline_threshold_names_the_policy(tmp_path, doc) -> None:
    doc["policy"]["approve_max_pd"] = 0.5
    with pytest.raises(
        SpecError, match=r"spec.yaml: policy: approve_max_pd \(0.5\) must be below decline_min_pd"
    ):
        load_spec(_write(tmp_path, doc))


def test_a_probability_threshold_above_one_names_its_field(tmp_path, doc) -> None:
    doc["policy"]["limit_tiers"][0]["max_pd"] = 1.5
    with pytest.raises(
        SpecError, match=r"policy.limit_tiers\[0\].max_pd: Input should be less than 1"
    ):
        load_spec(_write(tmp_path, doc))


def test_an_unknown_algorithm_or_key_names_its_field(tmp_path, doc) -> None:
    doc["algorithm"]["kind"] = "xgboost"
    doc["binning"]["max_bins"] = 5
    with pytest.raises(SpecError) as err:
        load_spec(_write(tmp_path, doc))
    assert "algorithm.kind: Input should be 'scorecard' or 'gbm'" in str(err.value)
    assert "binning.max_bins: Extra inputs are not permitted" in str(err.value)


def test_a_monotone_categorical_feature_names_it(tmp_path, doc) -> None:
    doc["features"][-1]["monotonic"] = "increasing"
    with pytest.raises(
        SpecError, match=r"features\[10\].monotonic: a categorical feature \(employment_type\)"
    ):
        load_spec(_write(tmp_path, doc))


def test_an_unknown_feature_names_its_position_and_the_columns_there_are(
    tmp_path, doc, credit_world
) -> None:
    doc["features"][2]["name"] = "salary_slip_score"
    path = _write(tmp_path, doc)
    with pytest.raises(
        SpecError,
        match=r"features\[2\].name: unknown feature 'salary_slip_score'; the data has: .*bureau_score",
    ):
        load_data(load_spec(path), credit_world.warehouse, origin=str(path))


def test_a_text_column_declared_numeric_is_a_wrong_type(bnpl_spec, bnpl_data) -> None:
    doc = bnpl_spec.model_dump(mode="json")
    doc["features"][-1]["type"] = "numeric"
    doc["features"][-1]["monotonic"] = "auto"
    from risk.credit.spec import parse_spec

    with pytest.raises(
        SpecError, match=r"features\[10\].type: 'employment_type' is text in the data"
    ):
        check_columns(parse_spec(doc), column_kinds(bnpl_data.frame), "spec.yaml")
