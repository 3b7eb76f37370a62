"""The stored monitoring history: each business day grouped once, reused, rebuilt when it changed.

The daily batch must raise exactly the alerts it would raise grouping the whole look-back from
the transfers; a day whose lake files changed must be grouped again, not served stale.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import warehouse
from risk.aml import history
from risk.aml.batch import BatchResult, run_batch
from tests.risk.aml.conftest import AmlWorld


def _same(a: BatchResult, b: BatchResult) -> None:
    key = ["business_date", "entity_type", "entity_id", "rule_id"]
    assert a.hits.height > 0
    assert a.hits.sort(key).equals(b.hits.sort(key))
    assert a.alerts.drop("created_at").equals(b.alerts.drop("created_at"))
    assert a.active_by_day.equals(b.active_by_day)


@pytest.fixture
def world_copy(aml_world: AmlWorld, tmp_path: Path) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """The small world's lake in a folder of its own, with an empty warehouse (no history)."""
    shutil.copytree(aml_world.data_dir / "lake", tmp_path / "lake")
    shutil.copytree(aml_world.data_dir / "truth", tmp_path / "truth")
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    warehouse.refresh_views(con, tmp_path)
    yield tmp_path, con
    con.close()


def test_stored_history_raises_the_same_hits_and_alerts_as_grouping_from_scratch(
    world_copy: tuple[Path, duckdb.DuckDBPyConnection], aml_world: AmlWorld
) -> None:
    _, con = world_copy
    scratch = run_batch(con, aml_world.start, aml_world.end, stored_history=False, store=False)
    assert scratch.days_grouped == []
    cold = run_batch(con, aml_world.start, aml_world.end)
    assert cold.days_grouped  # nothing was stored: the whole look-back was grouped
    warm = run_batch(con, aml_world.start, aml_world.end)
    assert warm.days_grouped == []  # a re-run with unchanged files reuses every stored day
    _same(scratch, cold)
    _same(scratch, warm)


def test_a_day_at_a_time_matches_the_whole_range_at_once(
    world_copy: tuple[Path, duckdb.DuckDBPyConnection], aml_world: AmlWorld
) -> None:
    _, con = world_copy
    last = aml_world.end
    run_batch(con, aml_world.start, last - timedelta(days=1))  # yesterday's run: days stored
    daily = run_batch(con, last, last)
    assert daily.days_grouped == [last]  # only the new day is grouped from the lake
    _same(run_batch(con, last, last, stored_history=False, store=False), daily)


def test_missing_history_is_grouped_with_a_progress_message(
    world_copy: tuple[Path, duckdb.DuckDBPyConnection], aml_world: AmlWorld
) -> None:
    _, con = world_copy
    messages: list[str] = []
    res = run_batch(con, aml_world.end, aml_world.end, progress=messages.append)
    assert len(messages) == 1 and f"grouping {len(res.days_grouped)} business day(s)" in messages[0]
    stored = con.execute(f"select count(*) from {history.DAYS}").fetchall()[0][0]
    assert stored == len(res.days_grouped) == 47  # the day and its 46-day look-back


def test_a_day_whose_lake_files_changed_is_grouped_again_not_served_stale(
    world_copy: tuple[Path, duckdb.DuckDBPyConnection], aml_world: AmlWorld
) -> None:
    root, con = world_copy
    day = aml_world.end - (aml_world.end - aml_world.start) // 2
    run_batch(con, aml_world.start, aml_world.end)
    # the day is re-extracted: its busiest payer's transfers are gone from the lake
    folder = root / "lake" / "ledger_transfers" / f"business_date={day.isoformat()}"
    files = sorted(folder.glob("*.parquet"))
    frame = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    payer = frame.filter(pl.col("status") == "completed")["payer_account_id"].mode()[0]
    for f in files:
        f.unlink()
    frame.filter(pl.col("payer_account_id") != payer).write_parquet(folder / "reextract.parquet")
    warehouse.refresh_views(con, root)
    assert history.stale_days(con, root / "lake", aml_world.start, aml_world.end) == [day]
    rerun = run_batch(con, aml_world.start, aml_world.end)
    assert rerun.days_grouped == [day]
    _same(run_batch(con, aml_world.start, aml_world.end, stored_history=False, store=False), rerun)
    gone = con.execute(
        f"select count(*) from {history.PAIR_DAY} where payer = hash(?) and business_date = ?",
        [payer, day],
    ).fetchall()[0][0]
    assert gone == 0


def test_history_of_a_lake_with_no_files_for_a_day_is_an_empty_day(tmp_path: Path) -> None:
    con = duckdb.connect()
    (tmp_path / "ledger_transfers").mkdir()
    built = history.ensure(con, tmp_path, date(2026, 1, 1), date(2026, 1, 2))
    assert built == [date(2026, 1, 1), date(2026, 1, 2)]
    assert con.execute(f"select count(*) from {history.PAIR_DAY}").fetchall()[0][0] == 0
    assert history.ensure(con, tmp_path, date(2026, 1, 1), date(2026, 1, 2)) == []


def test_stored_days_older_than_the_retention_are_deleted(
    world_copy: tuple[Path, duckdb.DuckDBPyConnection], aml_world: AmlWorld
) -> None:
    """The history keeps what the daily runs read (the look-back) and a month before it: a
    year of daily runs must not keep a year of per-pair days."""
    _, con = world_copy
    first = run_batch(con, aml_world.end, aml_world.end)
    lo = min(first.days_grouped)
    old, kept = (
        lo - timedelta(days=history.RETAIN_DAYS + 1),
        lo - timedelta(days=history.RETAIN_DAYS),
    )
    for day in (old, kept):  # two days stored by runs long ago
        con.execute(f"insert into {history.DAYS} values (?, 'old', now())", [day])
        con.execute(f"insert into {history.PAIR_DAY} values (1, 2, ?, 1, 100, 0)", [day])
        con.execute(f"insert into {history.ACCT_DAY} values (1, ?, 0, 0, 1, 100, 0, 1, 0)", [day])
    again = run_batch(con, aml_world.end, aml_world.end)
    assert again.days_grouped == []  # the look-back is still served from the store
    for table in (history.DAYS, history.PAIR_DAY, history.ACCT_DAY):
        days = {d for (d,) in con.execute(f"select distinct business_date from {table}").fetchall()}
        assert old not in days and kept in days, table
