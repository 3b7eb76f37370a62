"""The dbt project, built end to end on DuckDB and on the local Postgres from one small world.

One world per module (simulate → ingest → extract, no Great Expectations), then ``run_recon`` —
the function behind ``hisaab recon`` — on both targets. Both builds must pass (models, contracts,
generic, singular and unit tests), agree on every break and every daily count, and keep money in
BIGINT paise in every relation. Postgres runs in a database of its own (``hisaab_test_<random>``,
dropped afterwards) and dbt writes its artifacts to the test's temporary directory, so parallel
workers and a concurrent ``hisaab recon`` never collide. No Postgres server: those tests skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import pytest

from pipelines.extract import extract_books
from pipelines.ingest import ingest_landing
from pipelines.recon import postgres_loader
from pipelines.recon.dbt_runner import run_dbt
from pipelines.recon.evaluate import evaluate_world
from pipelines.recon.runner import ReconOutcome, oltp_url_for, run_recon
from pipelines.recon.workflow import refresh_from_oltp
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world

# Small, but dirty enough that all 15 break kinds the simulator injects show up (seed 7 does).
WORLD = WorldConfig(
    days=3, merchants=15, payments=12_000, seed=7, discrepancy_scale=3.0, chunk_size=6_000
)
RELATION_SCHEMAS = ("staging", "intermediate", "marts")
# The only non-integer numbers in the project: ratios, never money.
DECIMAL_COLUMNS = {"match_confidence", "match_rate"}
# Every column of the break queue but the analyst's timestamp: ids, kinds, amounts, dates, ages,
# keys and evidence must come out the same on both engines.
BREAKS_SQL = """
    select break_id, break_key, kind, recon, severity, amount_at_risk_paise, first_seen_date,
           age_business_days, gateway, merchant_id, payment_id, gateway_payment_id, refund_id,
           settlement_id, settlement_utr, payout_id, bank_utr, rrn, ledger_amount_paise,
           external_amount_paise, detail, status, is_reopened
    from marts.fct_recon_breaks order by break_id"""
# How every item matched, per recon.
MATCHING_SQL = """
    select 'payin' as recon, match_status, coalesce(match_rule, '-') as rule,
           cast(match_confidence as varchar(8)) as confidence, count(*) as items,
           cast(sum(coalesce(ledger_amount_paise, gateway_amount_paise)) as bigint) as paise
    from marts.fct_payin_recon group by 1, 2, 3, 4
    union all
    select 'upi', match_status, coalesce(adj_type, '-'), '-', count(*),
           cast(sum(coalesce(ledger_amount_paise, switch_amount_paise)) as bigint)
    from marts.fct_upi_recon group by 1, 2, 3, 4
    union all
    select 'settlement', bank_match_status, cast(is_delayed as varchar(5)), '-', count(*),
           cast(sum(net_paise) as bigint)
    from marts.fct_settlement_recon group by 1, 2, 3, 4
    union all
    select 'payout', match_status, '-', '-', count(*), cast(sum(amount_paise) as bigint)
    from marts.fct_payout_recon group by 1, 2, 3, 4
    union all
    select 'fee_audit', cast(is_fee_mismatch as varchar(5)), cast(is_tax_mismatch as varchar(5)),
           '-', count(*), cast(sum(fee_difference_paise) as bigint)
    from marts.fct_fee_audit group by 1, 2, 3, 4
    order by 1, 2, 3, 4"""
AGG_SQL = """
    select source, business_date, items, matched_items, pending_items,
           cast(match_rate as varchar(12)) as match_rate,
           amount_paise, matched_amount_paise, unmatched_amount_paise
    from marts.agg_recon_daily order by source, business_date"""
COLUMNS_SQL = """
    select table_schema, table_name, column_name, lower(data_type) as data_type
    from information_schema.columns
    where table_schema in ('staging', 'intermediate', 'marts')
    order by table_schema, table_name, ordinal_position"""


@dataclass
class World:
    data_dir: Path
    warehouse: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("recon_world")
    build_world(WORLD, root)
    ingest_landing(root, run_gx=False)
    extract_books(root, run_gx=False)
    with pytest.MonkeyPatch.context() as mp:
        # dbt's artifacts (target/, logs/) go here, not into the shared dbt/ project folder.
        mp.setenv("DBT_TARGET_PATH", str(root / "dbt_target"))
        mp.setenv("DBT_LOG_PATH", str(root / "dbt_logs"))
        yield World(data_dir=root, warehouse=root / "warehouse.duckdb")


@pytest.fixture(scope="module")
def duck(world: World) -> ReconOutcome:
    return run_recon(world.data_dir, world.warehouse, target="duckdb", unit_tests=True)


@pytest.fixture(scope="module")
def pg_database(world: World) -> Iterator[str]:
    try:
        admin = psycopg.connect(
            postgres_loader.conninfo("postgres"), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):  # .ci/run starts Postgres: there it must run, never skip
            pytest.fail(f"CI must reconcile on Postgres too, but the server is down: {exc}")
        pytest.skip(f"no local Postgres server: {exc}")
    name = f"hisaab_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'create database "{name}"')
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HISAAB_PG_DATABASE", name)
            yield name
    finally:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.fixture(scope="module")
def decided(world: World, duck: ReconOutcome) -> tuple[str, str]:
    """Finance resolves the largest break through the one break service (the OLTP database owns
    decisions); DuckDB's queue is then rebuilt, and the Postgres build runs after this."""
    from api.db import Database, sqlalchemy_url
    from api.migrate import upgrade
    from api.recon.breaks import decide, find_break

    (break_id,) = duck_query(
        world,
        "select break_id from marts.fct_recon_breaks "
        "order by amount_at_risk_paise desc, break_id limit 1",
    )[0]
    url = sqlalchemy_url(oltp_url_for(world.data_dir))
    upgrade(url)
    db = Database(url, pool_size=1)
    try:
        with db.session() as session:
            decide(
                session,
                queue_break=find_break(world.warehouse, break_id),
                action="resolve",
                actor="test",
                reason="bank credit found under another UTR",
            )
    finally:
        db.dispose()
    with duckdb.connect(str(world.warehouse)) as con:
        refresh_from_oltp(con, oltp_url_for(world.data_dir))
    rebuilt = run_dbt(
        ["build", "--select", "fct_recon_breaks", "--exclude-resource-type", "unit_test"],
        world.warehouse,
    )
    assert rebuilt.success, rebuilt.failures
    return break_id, "resolved"


@pytest.fixture(scope="module")
def pg(world: World, pg_database: str, decided: tuple[str, str]) -> ReconOutcome:
    return run_recon(world.data_dir, world.warehouse, target="postgres", unit_tests=True)


def duck_query(world: World, sql: str) -> list[tuple]:
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def pg_query(sql: str) -> list[tuple]:
    with psycopg.connect(postgres_loader.conninfo()) as con:
        return con.execute(sql).fetchall()


def assert_build_passed(outcome: ReconOutcome) -> None:
    assert outcome.dbt.success, outcome.dbt.failures
    assert not outcome.dbt.failures
    kinds = {r["node"].split(".")[0] for r in outcome.dbt.results}
    assert {"model", "test", "unit_test", "seed"} <= kinds, kinds


def test_duckdb_build_passes(duck: ReconOutcome) -> None:
    assert_build_passed(duck)
    assert duck.total_breaks > 0


def test_postgres_build_passes(pg: ReconOutcome) -> None:
    assert_build_passed(pg)
    assert pg.total_breaks > 0


def test_both_engines_report_the_same_breaks(
    world: World, duck: ReconOutcome, pg: ReconOutcome
) -> None:
    on_duckdb = duck_query(world, BREAKS_SQL)
    on_postgres = pg_query(BREAKS_SQL)
    assert len(on_duckdb) > 0
    assert on_postgres == on_duckdb


def test_a_finance_decision_reaches_the_break_queue_on_both_engines(
    world: World, decided: tuple[str, str], pg: ReconOutcome
) -> None:
    break_id, status = decided
    sql = f"select status, is_reopened from marts.fct_recon_breaks where break_id = '{break_id}'"
    assert duck_query(world, sql) == [(status, False)]
    assert pg_query(sql) == [(status, False)]
    assert pg_query("select reason from workflow.break_status") == [
        ("bank credit found under another UTR",)
    ]


def test_both_engines_count_the_same_per_source_and_day(
    world: World, duck: ReconOutcome, pg: ReconOutcome
) -> None:
    on_duckdb = duck_query(world, AGG_SQL)
    on_postgres = pg_query(AGG_SQL)
    assert len(on_duckdb) > 0
    assert on_postgres == on_duckdb


def test_both_engines_match_the_same_way(
    world: World, duck: ReconOutcome, pg: ReconOutcome
) -> None:
    on_duckdb = duck_query(world, MATCHING_SQL)
    on_postgres = pg_query(MATCHING_SQL)
    assert {r[0] for r in on_duckdb} == {"payin", "upi", "settlement", "payout", "fee_audit"}
    assert on_postgres == on_duckdb


def test_duckdb_finds_the_injected_breaks(world: World, duck: ReconOutcome) -> None:
    assert duck.dbt.success
    report = evaluate_world(world.warehouse, world.data_dir / "truth")
    assert report["unexplained_breaks"] == 0
    for kind, score in report["kinds"].items():
        assert score["precision"] >= 0.99 and score["recall"] >= 0.99, (kind, score)


def money_problems(columns: list[tuple]) -> list[tuple]:
    """Columns that break the money rule: *_paise not BIGINT, or any float / wide integer."""
    bad = []
    for schema, table, column, data_type in columns:
        if column.endswith("_paise") and data_type not in ("bigint", "int8"):
            bad.append((schema, table, column, data_type))
        elif data_type.split("(")[0] in ("double", "double precision", "float", "real", "hugeint"):
            bad.append((schema, table, column, data_type))
        elif data_type.startswith(("decimal", "numeric")) and column not in DECIMAL_COLUMNS:
            bad.append((schema, table, column, data_type))
    return bad


def test_money_stays_bigint_paise_on_duckdb(world: World, duck: ReconOutcome) -> None:
    assert duck.dbt.success
    columns = duck_query(world, COLUMNS_SQL)
    assert {c[0] for c in columns} == set(RELATION_SCHEMAS)
    assert sum(1 for c in columns if c[2].endswith("_paise")) > 50
    assert money_problems(columns) == []


def test_money_stays_bigint_paise_on_postgres(pg: ReconOutcome) -> None:
    assert pg.dbt.success
    columns = pg_query(COLUMNS_SQL)
    assert {c[0] for c in columns} == set(RELATION_SCHEMAS)
    assert sum(1 for c in columns if c[2].endswith("_paise")) > 50
    assert money_problems(columns) == []


def test_money_check_catches_floats_and_hugeints() -> None:
    columns = [
        ("marts", "t", "amount_paise", "hugeint"),
        ("marts", "t", "fee_paise", "numeric"),
        ("marts", "t", "share", "double precision"),
        ("marts", "t", "match_rate", "decimal(7,6)"),
        ("marts", "t", "net_paise", "bigint"),
    ]
    assert [c[2] for c in money_problems(columns)] == ["amount_paise", "fee_paise", "share"]
