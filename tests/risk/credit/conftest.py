"""A small simulated world taken through the real pipeline up to the risk mart, once per session.

simulate (BNPL applicants included) → extract our books into the lake (no Great Expectations)
→ lake views → ``dbt build`` of the BNPL feature mart and what it depends on. Landing files are
not ingested: the credit features need only our own books.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines import warehouse as wh
from pipelines.extract import extract_books
from pipelines.recon.dbt_runner import run_dbt
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world

SPEC = Path(__file__).resolve().parents[3] / "models" / "bnpl_credit.yaml"
FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures"
SMALL = {"days": 3, "merchants": 20, "payments": 24_000, "seed": 11, "chunk_size": 12_000}


@dataclass
class CreditWorld:
    data_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def truth(self) -> Path:
        return self.data_dir / "truth"


def build_credit_world(data_dir: Path, **overrides: object) -> CreditWorld:
    build_world(WorldConfig(**{**SMALL, **overrides}), data_dir)  # type: ignore[arg-type]
    extract_books(data_dir, run_gx=False)
    with wh.connect(data_dir / "warehouse.duckdb") as con:
        wh.refresh_views(con, data_dir)
    with pytest.MonkeyPatch.context() as mp:
        # dbt's artifacts (target/, logs/) go here, not into the shared dbt/ project folder.
        mp.setenv("DBT_TARGET_PATH", str(data_dir / "dbt_target"))
        mp.setenv("DBT_LOG_PATH", str(data_dir / "dbt_logs"))
        result = run_dbt(
            ["build", "--select", "+fct_bnpl_application_features",
             "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious"],
            data_dir / "warehouse.duckdb",
        )  # fmt: skip
    assert result.success, result.failures
    return CreditWorld(data_dir)


@pytest.fixture(scope="session")
def credit_world(tmp_path_factory: pytest.TempPathFactory) -> CreditWorld:
    return build_credit_world(tmp_path_factory.mktemp("credit_world"))


@pytest.fixture()
def german_csv() -> Path:
    path = FIXTURES / "credit" / "german_credit.csv"
    if not path.is_file():
        pytest.skip(f"German credit fixture not found at {path} (../shared/fixtures is absent)")
    return path


@pytest.fixture(scope="session")
def bnpl_spec():  # type: ignore[no-untyped-def]
    from risk.credit.spec import load_spec

    return load_spec(SPEC)


@pytest.fixture(scope="session")
def bnpl_data(credit_world: CreditWorld, bnpl_spec):  # type: ignore[no-untyped-def]
    from risk.credit.features import load_data

    return load_data(bnpl_spec, credit_world.warehouse)


@pytest.fixture(scope="session")
def trained(credit_world: CreditWorld, bnpl_spec, bnpl_data):  # type: ignore[no-untyped-def]
    from risk.credit.training import train

    return train(bnpl_spec, bnpl_data, credit_world.truth)
