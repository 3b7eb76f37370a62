"""Same arguments, same world: byte-identical files; a different seed gives a different world."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import attempts_per_day, build_world, file_digests

CFG = {"days": 2, "merchants": 12, "payments": 6_000, "chunk_size": 2_500}


def test_same_seed_twice_gives_identical_sha256_of_every_file(tmp_path: Path) -> None:
    a = build_world(WorldConfig(**CFG, seed=11), tmp_path / "a")
    b = build_world(WorldConfig(**CFG, seed=11), tmp_path / "b")
    da, db = file_digests(a.out_dir), file_digests(b.out_dir)
    assert da and da == db
    kinds = {p.split("/")[0] for p in da}
    assert kinds == {"landing", "books", "truth"}


def test_a_different_seed_gives_different_files(tmp_path: Path) -> None:
    a = build_world(WorldConfig(**CFG, seed=11), tmp_path / "a")
    c = build_world(WorldConfig(**CFG, seed=12), tmp_path / "c")
    da, dc = file_digests(a.out_dir), file_digests(c.out_dir)
    shared = set(da) & set(dc)
    assert any(da[p] != dc[p] for p in shared)


def test_rebuilding_into_the_same_folder_replaces_the_previous_world(tmp_path: Path) -> None:
    build_world(WorldConfig(**CFG, seed=11, start=date(2026, 12, 7)), tmp_path / "w")
    again = build_world(WorldConfig(**CFG, seed=11), tmp_path / "w")
    fresh = build_world(WorldConfig(**CFG, seed=11), tmp_path / "fresh")
    assert file_digests(again.out_dir) == file_digests(fresh.out_dir)


def test_payments_are_split_over_days_exactly() -> None:
    counts = attempts_per_day(WorldConfig(days=7, payments=200_001))
    assert sum(counts) == 200_001
    assert max(counts) - min(counts) < 0.25 * max(counts)
