"""``POST /v1/bnpl/credit-decisions``: the production credit model decides, with its own reasons.

Runs on SQLite and Postgres like every API test; the model is trained once per session on a small
simulated world (the credit tests' fixtures) and promoted in the app's registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from risk.credit.artifacts import model_files
from risk.credit.decisions import DecisionLog, decide, required_fields
from risk.registry import Registry
from tests.risk.credit import conftest as credit_fixtures

# The credit tests' session fixtures: a small simulated world and a model trained on it.
credit_world = credit_fixtures.credit_world
bnpl_spec = credit_fixtures.bnpl_spec
bnpl_data = credit_fixtures.bnpl_data
trained = credit_fixtures.trained


def _promote(data_dir: Path, result: Any) -> str:
    registry = Registry(data_dir / "registry")
    version = registry.register("bnpl_credit", model_files(result.model), {"algorithm": "test"})
    registry.promote("bnpl_credit", version.version)
    return version.label


def _application(data: Any, model: Any, row: int = 0) -> dict[str, Any]:
    """What a checkout sends: the application id and the fields the model needs, nothing else."""
    fields = data.frame.row(row, named=True)
    return {name: fields[name] for name in ["application_id", *required_fields(model)]}


def test_bnpl_is_refused_with_a_400_until_a_model_is_promoted(client, merchant) -> None:
    r = client.post(
        "/v1/bnpl/credit-decisions",
        json={"application": {"bureau_score": 700}},
        headers=merchant.auth,
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["reason"] == "model_not_in_production"
    assert "hisaab risk credit train" in error["description"]


def test_the_decision_is_the_production_models_with_four_reasons_and_is_logged(
    client, merchant, app, trained, bnpl_data
) -> None:
    data_dir = app.state.settings.data_dir
    label = _promote(data_dir, trained)
    application = _application(bnpl_data, trained.model, 0)

    r = client.post(
        "/v1/bnpl/credit-decisions", json={"application": application}, headers=merchant.auth
    )

    assert r.status_code == 200, r.text
    body = r.json()
    expected = decide(application, trained.model)
    assert body["model_version"] == label
    assert body["decision"] == expected.decision in ("approve", "refer", "decline")
    assert body["score"] == expected.score
    assert body["credit_limit_paise"] == expected.credit_limit_paise
    assert isinstance(body["credit_limit_paise"], int)
    assert [c["code"] for c in body["reason_codes"]] == [c.code for c in expected.reason_codes]
    assert all(c["text"] for c in body["reason_codes"]) and len(body["reason_codes"]) <= 4
    logged = DecisionLog(data_dir / "risk" / "decision_log").read()
    assert [(d["model_version"], d["application"]["merchant_id"]) for d in logged] == [
        (label, merchant.id)
    ]


def test_an_application_missing_a_field_gets_a_400_naming_it(
    client, merchant, app, trained, bnpl_data
) -> None:
    _promote(app.state.settings.data_dir, trained)
    application = _application(bnpl_data, trained.model, 1)
    del application["bureau_score"]
    r = client.post(
        "/v1/bnpl/credit-decisions", json={"application": application}, headers=merchant.auth
    )
    assert r.status_code == 400
    assert "bureau_score" in r.json()["error"]["description"]


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}])
def test_a_field_value_that_is_not_text_or_a_number_is_a_422(client, merchant, value) -> None:
    r = client.post(
        "/v1/bnpl/credit-decisions",
        json={"application": {"bureau_score": value}},
        headers=merchant.auth,
    )
    assert r.status_code == 422, r.text
