"""The dashboard tests' small world uses the dbt marts' own column names, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.dashboards import world

MARTS = Path(__file__).resolve().parents[2] / "dbt" / "models" / "marts"


def _documented_columns(model: str) -> list[str]:
    for path in MARTS.rglob("*.yml"):
        doc = yaml.safe_load(path.read_text())
        for m in doc.get("models", []):
            if m["name"] == model:
                return [c["name"] for c in m.get("columns", [])]
    raise AssertionError(f"no dbt model {model} under {MARTS}")


@pytest.mark.parametrize("table", sorted(world.TABLES))
def test_world_tables_use_the_dbt_models_column_names(table):
    columns = list(world.TABLES[table]().columns)
    documented = _documented_columns(table.split(".")[1])
    assert set(columns) <= set(documented), set(columns) - set(documented)
    # Every column the dbt model documents is there too (pages may read any of them).
    assert set(documented) <= set(columns), set(documented) - set(columns)
