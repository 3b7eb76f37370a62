"""Monitoring on a small simulated world: every typology found, look-alikes kept out."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from risk.aml import monitoring
from risk.aml.evaluate import evaluate
from risk.aml.rulebook import RuleError, load_rule_file, load_rules
from tests.risk.aml.conftest import AmlWorld


@pytest.fixture(scope="module")
def result(aml_world: AmlWorld) -> dict:
    with aml_world.connect() as con:
        return evaluate(
            con, aml_world.batch.alerts, aml_world.batch.active_by_day, aml_world.data_dir / "truth"
        )


TYPOLOGIES = [
    "structuring",
    "fan_in",
    "fan_out",
    "cycle",
    "rapid_pass_through",
    "scatter_gather",
    "dormant_reactivation",
    "round_amounts",
    "high_risk_geography",
]


@pytest.mark.parametrize("typology", TYPOLOGIES)
def test_every_injected_case_of_the_typology_raises_an_alert(result: dict, typology: str) -> None:
    m = result["typologies"][typology]
    assert m["cases"] >= 3
    assert m["recall"] == 1.0, m


def test_lookalikes_do_not_flood_the_alert_queue(result: dict) -> None:
    # Busy merchants, salary runs, festival spikes, friends settling up, one-off cash near the
    # cut-off and ordinary cross-border payouts are all in this world; most alerts are still true.
    assert result["precision"] >= 0.85, result
    on_lookalikes = sum(result["false_alerts_on_lookalikes"].values())
    assert on_lookalikes <= 0.10 * result["alerts"], result["false_alerts_on_lookalikes"]
    for kind in (
        "busy_merchant",
        "festival_spike",
        "friends_settling_up",
        "one_off_cash_near_cutoff",
    ):
        assert kind not in result["false_alerts_on_lookalikes"], kind


def test_a_naive_fan_in_rule_would_drown_in_busy_merchants(aml_world: AmlWorld) -> None:
    """The look-alikes are real: without the baseline and newness tests, busy merchants fire."""
    fan_in = next(r for r in load_rules() if r.id == "fan_in")
    naive = fan_in.model_copy(
        update={"threshold": {**fan_in.threshold, "min_new_share": 0.0, "baseline_multiple": 0.0}}
    )
    truth = pl.read_parquet(aml_world.data_dir / "truth" / "aml_case_accounts.parquet")
    busy = set(truth.filter(pl.col("typology") == "busy_merchant")["account_id"].to_list())
    with aml_world.connect() as con:
        monitoring.prepare(con, monitoring.history_start([naive], aml_world.start), aml_world.end)
        naive_hits = monitoring.evaluate_rule(con, naive, aml_world.start, aml_world.end)
        real_hits = monitoring.evaluate_rule(con, fan_in, aml_world.start, aml_world.end)
    assert busy & set(naive_hits["entity_id"].to_list())
    assert not busy & set(real_hits["entity_id"].to_list())
    assert naive_hits.height > 3 * real_hits.height


def test_alerts_carry_the_rule_version_typology_and_evidence(aml_world: AmlWorld) -> None:
    hits = aml_world.batch.hits
    assert hits.filter(pl.col("transfer_ids").list.len() == 0).is_empty()
    assert set(hits["rule_version"].to_list()) >= {1}
    alerts = aml_world.batch.alerts
    assert alerts["alert_id"].n_unique() == alerts.height
    assert (alerts["risk_score"] >= 0.6).all()


def test_rerunning_the_batch_replaces_the_days_instead_of_adding(aml_world: AmlWorld) -> None:
    from risk.aml.batch import run_batch

    with aml_world.connect(read_only=False) as con:
        from pipelines import warehouse

        warehouse.refresh_views(con, aml_world.data_dir)
        run_batch(con, aml_world.start, aml_world.end)
        first = con.execute("select count(*), count(distinct alert_id) from aml.alerts").fetchall()
        run_batch(con, aml_world.start, aml_world.end)
        second = con.execute("select count(*), count(distinct alert_id) from aml.alerts").fetchall()
    assert first == second and first[0][0] == first[0][1]


def test_a_rule_file_with_an_unknown_threshold_is_refused_naming_the_field(tmp_path: Path) -> None:
    text = (Path(__file__).parents[3] / "risk/aml/rules/fan_in.yaml").read_text()
    bad = tmp_path / "fan_in.yaml"
    bad.write_text(text.replace("min_counterparties: 12", "min_counterparty: 12"))
    with pytest.raises(RuleError, match=r"fan_in.yaml: threshold.*min_counterparty"):
        load_rule_file(bad)


def test_a_rule_of_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    text = (Path(__file__).parents[3] / "risk/aml/rules/cycle.yaml").read_text()
    bad = tmp_path / "cycle.yaml"
    bad.write_text(text.replace("kind: cycle", "kind: magic"))
    with pytest.raises(RuleError, match="kind: .*unknown kind 'magic'"):
        load_rule_file(bad)


def test_every_shipped_rule_has_a_plain_words_description_and_a_version() -> None:
    rules = load_rules(enabled_only=False)
    assert len(rules) >= 11
    kinds = {r.kind for r in rules}
    assert kinds >= {
        "structuring_cutoff",
        "structuring_monthly",
        "velocity_spike",
        "rapid_pass_through",
        "fan_in",
        "fan_out",
        "cycle",
        "scatter_gather",
        "dormant_reactivation",
        "round_amounts",
        "high_risk_counterparty",
    }
    assert all(r.version >= 1 and len(r.description) > 40 for r in rules)
