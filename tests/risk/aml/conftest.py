"""A small simulated world with the AML network, through extract into the lake, monitored once.

Built once per test session (per xdist worker): the simulator, the ledger extract (data
contracts, no Great Expectations), the warehouse views and one monitoring batch over the
world's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.extract import extract_books
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world
from risk.aml.batch import BatchResult, run_batch

SMALL = {"days": 5, "merchants": 30, "payments": 16_000, "seed": 7, "chunk_size": 8_000}


@dataclass
class AmlWorld:
    data_dir: Path
    warehouse: Path
    start: date
    end: date
    batch: BatchResult

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=read_only)


@pytest.fixture(scope="session")
def aml_world(tmp_path_factory: pytest.TempPathFactory) -> AmlWorld:
    root = tmp_path_factory.mktemp("aml_world")
    cfg = WorldConfig(**SMALL)
    build_world(cfg, root)
    extract_books(root, run_gx=False)
    wh = root / "warehouse.duckdb"
    start, end = cfg.start, cfg.start + timedelta(days=cfg.days - 1)
    with warehouse.connect(wh) as con:
        warehouse.refresh_views(con, root)
        batch = run_batch(con, start, end)
    return AmlWorld(root, wh, start, end, batch)
