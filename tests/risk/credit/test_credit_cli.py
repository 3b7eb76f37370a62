"""`hisaab risk credit …` end to end on the small world: train, compare, promote, score, roll back."""

from __future__ import annotations

import json

import duckdb
import yaml
from typer.testing import CliRunner

from hisaab.cli import app
from risk.registry import Registry, parse_version
from tests.risk.credit.conftest import SPEC


def _run(*args: str):  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(app, ["risk", "credit", *args])
    return res


def test_an_analyst_trains_two_versions_compares_promotes_scores_and_rolls_back(
    credit_world, tmp_path
) -> None:
    data_dir = str(credit_world.data_dir)
    first = _run("train", "--spec", str(SPEC), "--data-dir", data_dir, "--json")
    assert first.exit_code == 0, first.output
    v1 = json.loads(first.output)
    assert v1["version"] == "v0001" or v1["version"].startswith("v")
    card = credit_world.data_dir / "registry" / "bnpl_credit" / v1["version"] / "model_card.md"
    assert "Oracle AUC" in card.read_text() and "![ROC](roc.png)" in card.read_text()
    assert (card.parent / "roc.png").read_bytes()[:4] == b"\x89PNG"

    doc = yaml.safe_load(SPEC.read_text())
    doc["binning"]["max_n_bins"] = 3  # the analyst coarsens the bins
    spec2 = tmp_path / "bnpl_coarse.yaml"
    spec2.write_text(yaml.safe_dump(doc))
    second = _run("train", "--spec", str(spec2), "--data-dir", data_dir, "--json")
    assert second.exit_code == 0, second.output
    v2 = json.loads(second.output)["version"]

    cmp = _run("compare", v1["version"], v2, "--data-dir", data_dir, "--json")
    assert cmp.exit_code == 0, cmp.output
    rows = {r["metric"]: r for r in json.loads(cmp.output)}
    assert rows["spec_hash"][v1["version"]] != rows["spec_hash"][v2]
    assert rows["data_hash"][v1["version"]] == rows["data_hash"][v2]
    assert "psi.bureau_score" in rows

    assert _run("promote", v1["version"], "--data-dir", data_dir).exit_code == 0
    assert _run("promote", v2, "--data-dir", data_dir).exit_code == 0
    scored = _run("score", "--data-dir", data_dir)
    assert scored.exit_code == 0, scored.output
    with duckdb.connect(str(credit_world.warehouse), read_only=True) as con:
        versions = con.execute(
            "select model_version, count(*) from risk.credit_decisions group by 1"
        ).fetchall()
        apps = con.execute("select count(*) from marts.fct_bnpl_application_features").fetchone()
    assert versions == [(v2, apps[0])]

    back = _run("rollback", "--data-dir", data_dir)
    assert back.exit_code == 0 and v1["version"] in back.output
    listed = _run("list", "--data-dir", data_dir)
    assert v1["version"] in listed.output

    # `train --promote` (what `make demo` runs) registers and serves the new version at once.
    third = _run("train", "--spec", str(SPEC), "--data-dir", data_dir, "--json", "--promote")
    assert third.exit_code == 0, third.output
    v3 = json.loads(third.output)["version"]
    registry = Registry(credit_world.data_dir / "registry")
    assert registry.production("bnpl_credit") == parse_version(v3) != parse_version(v1["version"])


def test_train_with_a_broken_spec_exits_2_naming_the_field(credit_world, tmp_path) -> None:
    doc = yaml.safe_load(SPEC.read_text())
    doc["features"][0]["name"] = "cibil"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    res = _run("train", "--spec", str(bad), "--data-dir", str(credit_world.data_dir))
    assert res.exit_code == 2
    assert "features[0].name: unknown feature 'cibil'" in res.output
