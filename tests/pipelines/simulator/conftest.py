"""Small simulated worlds shared by the simulator tests (built once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import WorldSummary, build_world

SMALL = {"days": 4, "merchants": 30, "payments": 30_000, "seed": 7, "chunk_size": 8_000}


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("clean_world")
    return build_world(WorldConfig(**SMALL, clean=True), out)


@pytest.fixture(scope="session")
def dirty_world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("dirty_world")
    # Rates scaled up so every kind appears several times in a small world.
    return build_world(WorldConfig(**SMALL, discrepancy_scale=4.0), out)


def landing(world: WorldSummary) -> Path:
    return world.out_dir / "landing"
