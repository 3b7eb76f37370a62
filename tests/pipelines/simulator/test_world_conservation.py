"""Conservation: every rupee in the simulated world is accounted for across ledger, gateways, bank.

With discrepancies off, ledger, gateway files and bank statements agree to the paisa; with them on,
every difference is in the ground truth and nothing else differs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from hisaab.calendar import settlement_date
from pipelines.simulator.world import WorldSummary
from tests.pipelines.simulator.world_files import (
    bank_entries,
    read_gateway_lines,
    read_statements,
    read_upi_switch,
    utr_in,
)

WORLDS = ["clean_world", "dirty_world"]


def _books(world: WorldSummary, table: str) -> pl.DataFrame:
    return pl.read_parquet(
        world.out_dir / "books" / table / "**" / "*.parquet", hive_partitioning=False
    )


def _truth(world: WorldSummary, kind: str | None = None) -> pl.DataFrame:
    t = pl.read_parquet(world.out_dir / "truth" / "discrepancies.parquet")
    return t if kind is None else t.filter(pl.col("kind") == kind)


def _ids(frame: pl.DataFrame, col: str) -> set[str]:
    return set(frame[col].drop_nulls().to_list())


def _ledger_captured_gateway_payments(world: WorldSummary) -> pl.DataFrame:
    return _books(world, "payments").filter(
        (pl.col("status") == "captured") & (pl.col("gateway") != "upi_psp")
    )


@pytest.fixture(scope="module")
def files(request: pytest.FixtureRequest) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for name in WORLDS:
        world: WorldSummary = request.getfixturevalue(name)
        landing = world.out_dir / "landing"
        txns, adjustments = read_upi_switch(landing)
        out[name] = {
            "world": world,
            "lines": read_gateway_lines(landing),
            "upi": txns,
            "adjustments": adjustments,
            "bank": bank_entries(landing).with_columns(
                utr=pl.concat_str("reference", "narration", separator=" ").map_elements(
                    utr_in, return_dtype=pl.String
                )
            ),
            "statements": read_statements(landing),
        }
    return out


@pytest.mark.parametrize("name", WORLDS)
def test_each_line_and_settlement_nets_gross_minus_fee_gst_refunds_chargebacks(
    files: dict, name: str
) -> None:
    lines: pl.DataFrame = files[name]["lines"]
    world: WorldSummary = files[name]["world"]
    expected_net = (
        pl.when(pl.col("line_type") == "payment")
        .then(pl.col("amount_paise") - pl.col("fee_paise") - pl.col("tax_paise"))
        .otherwise(-pl.col("amount_paise"))
    )
    assert lines.filter(pl.col("net_paise") != expected_net).height == 0

    def part(kind: str, col: str = "amount_paise") -> pl.Expr:
        return pl.when(pl.col("line_type") == kind).then(pl.col(col)).otherwise(0).sum()

    per_settlement = lines.group_by("settlement_id").agg(
        gross=part("payment"),
        fees=part("payment", "fee_paise"),
        gst=part("payment", "tax_paise"),
        refunds=part("refund"),
        chargebacks=part("chargeback"),
        net=pl.col("net_paise").sum(),
    )
    assert per_settlement.filter(
        pl.col("net")
        != pl.col("gross")
        - pl.col("fees")
        - pl.col("gst")
        - pl.col("refunds")
        - pl.col("chargebacks")
    ).is_empty()
    truth = pl.read_parquet(world.out_dir / "truth" / "settlements.parquet").filter(
        pl.col("route") != "upi_psp"
    )
    joined = truth.join(per_settlement, on="settlement_id", how="full", coalesce=True)
    assert joined.height == truth.height == per_settlement.height
    assert (joined["net"] == joined["net_paise"]).all()
    assert (joined["gross"] == joined["gross_paise"]).all()


@pytest.mark.parametrize("name", WORLDS)
def test_bank_statements_chain_opening_plus_entries_equals_closing_day_after_day(
    files: dict, name: str
) -> None:
    for source, statements in files[name]["statements"].items():
        assert statements, source
        previous_closing = None
        for st in statements:
            total = sum(e["signed_paise"] for e in st["entries"])
            assert st["opening"] + total == st["closing"], source
            if previous_closing is not None:
                assert st["opening"] == previous_closing, source
            previous_closing = st["closing"]
            if "running" in st:  # the CSV's running balance column chains row by row
                balance = st["opening"]
                for e, running in zip(st["entries"], st["running"], strict=True):
                    balance += e["signed_paise"]
                    assert balance == running


def test_clean_world_has_no_injected_discrepancies(clean_world: WorldSummary) -> None:
    assert _truth(clean_world).is_empty()


def test_clean_world_ledger_and_gateway_files_agree_to_the_paisa(files: dict) -> None:
    world = files["clean_world"]["world"]
    lines: pl.DataFrame = files["clean_world"]["lines"]
    pays = lines.filter(pl.col("line_type") == "payment")
    ledger = _ledger_captured_gateway_payments(world)
    merchants = _books(world, "merchants").select("merchant_id", "settlement_cycle_days")
    joined = ledger.join(
        pays,
        left_on=["gateway", "gateway_payment_id"],
        right_on=["gateway", "gateway_payment_id"],
        how="full",
        coalesce=True,
    )
    assert joined.height == ledger.height == pays.height
    assert (joined["amount_paise"] == joined["amount_paise_right"]).all()
    assert (joined["fee_paise"] == joined["fee_paise_right"]).all()
    assert (joined["gst_paise"] == joined["tax_paise"]).all()
    assert (joined["payment_id"] == joined["our_payment_id"]).all()
    # Each payment settles on its T+N business day, counted from its IST business date.
    with_cycle = joined.join(merchants, on="merchant_id")
    for bd, cycle, settled in (
        with_cycle.select("business_date", "settlement_cycle_days", "settled_on")
        .unique()
        .iter_rows()
    ):
        assert settled == settlement_date(bd, cycle)

    for table, line_type in (("refunds", "refund"), ("chargebacks", "chargeback")):
        ours = Counter(
            _books(world, table).select("gateway", "payment_id", "amount_paise").iter_rows()
        )
        theirs = Counter(
            lines.filter(pl.col("line_type") == line_type)
            .select("gateway", "our_payment_id", "amount_paise")
            .iter_rows()
        )
        assert ours == theirs, table


def test_clean_world_upi_switch_matches_ledger_by_rrn(files: dict) -> None:
    world = files["clean_world"]["world"]
    upi: pl.DataFrame = files["clean_world"]["upi"]
    adjustments: pl.DataFrame = files["clean_world"]["adjustments"]
    ledger = _books(world, "payments").filter(pl.col("gateway") == "upi_psp")
    ours = Counter(
        ledger.filter(pl.col("status") == "captured").select("rrn", "amount_paise").iter_rows()
    )
    theirs = Counter(
        upi.filter(pl.col("status").is_in(["SUCCESS", "DEEMED"]))
        .select("rrn", "amount_paise")
        .iter_rows()
    )
    assert ours == theirs
    assert upi.height == ledger.height  # failures too
    assert set(adjustments["adj_type"].to_list()) <= {"TCC"}


def test_clean_world_bank_agrees_with_settlements_and_payouts(files: dict) -> None:
    world = files["clean_world"]["world"]
    lines: pl.DataFrame = files["clean_world"]["lines"]
    bank: pl.DataFrame = files["clean_world"]["bank"]
    upi: pl.DataFrame = files["clean_world"]["upi"]
    credits = bank.filter(pl.col("signed_paise") > 0)
    debits = bank.filter(pl.col("signed_paise") < 0)
    per_utr = lines.group_by("settlement_utr").agg(pl.col("net_paise").sum())
    gateway_credits = credits.join(per_utr, left_on="utr", right_on="settlement_utr", how="inner")
    assert gateway_credits.height == per_utr.filter(pl.col("net_paise") > 0).height
    assert (gateway_credits["signed_paise"] == gateway_credits["net_paise"]).all()
    upi_credits = credits.filter(pl.col("narration").str.starts_with("UPI SETTLEMENT"))
    upi_ok = upi.filter(pl.col("status").is_in(["SUCCESS", "DEEMED"]))
    assert upi_credits["signed_paise"].sum() == upi_ok["amount_paise"].sum()
    assert credits.height == gateway_credits.height + upi_credits.height  # nothing unexplained
    payouts = _books(world, "payouts")
    assert Counter(payouts.select("utr", "amount_paise").iter_rows()) == Counter(
        (u, -a) for u, a in debits.select("utr", "signed_paise").iter_rows()
    )
    # Every rupee credited for a merchant is paid out to that merchant.
    assert payouts["amount_paise"].sum() == credits["signed_paise"].sum()


def test_dirty_world_every_payment_difference_is_in_the_ground_truth(files: dict) -> None:
    world = files["dirty_world"]["world"]
    lines: pl.DataFrame = files["dirty_world"]["lines"]
    pays = lines.filter(pl.col("line_type") == "payment")
    all_ledger = _books(world, "payments")
    ledger = _ledger_captured_gateway_payments(world)

    ledger_keys = _ids(ledger, "gateway_payment_id")
    gateway_keys = _ids(pays, "gateway_payment_id")
    failed_in_ledger = _ids(all_ledger.filter(pl.col("status") == "failed"), "gateway_payment_id")
    only_gateway = gateway_keys - ledger_keys
    assert ledger_keys - gateway_keys == _ids(
        _truth(world, "missing_in_gateway"), "gateway_payment_id"
    )
    assert only_gateway & failed_in_ledger == _ids(
        _truth(world, "status_mismatch"), "gateway_payment_id"
    )
    assert only_gateway - failed_in_ledger == _ids(
        _truth(world, "missing_in_ledger"), "gateway_payment_id"
    )
    dupes = pays.group_by("gateway_payment_id").len().filter(pl.col("len") > 1)
    assert _ids(dupes, "gateway_payment_id") == _ids(
        _truth(world, "duplicate"), "gateway_payment_id"
    )

    both = ledger.join(pays.unique("gateway_payment_id"), on="gateway_payment_id", how="inner")
    amount_diff = both.filter(pl.col("amount_paise") != pl.col("amount_paise_right"))
    assert _ids(amount_diff, "gateway_payment_id") == _ids(
        _truth(world, "amount_mismatch"), "gateway_payment_id"
    )
    same_amount = both.filter(pl.col("amount_paise") == pl.col("amount_paise_right"))
    fee_diff = same_amount.filter(pl.col("fee_paise") != pl.col("fee_paise_right"))
    assert _ids(fee_diff, "gateway_payment_id") == _ids(
        _truth(world, "fee_mismatch"), "gateway_payment_id"
    )
    tax_diff = same_amount.filter(
        (pl.col("fee_paise") == pl.col("fee_paise_right"))
        & (pl.col("gst_paise") != pl.col("tax_paise"))
    )
    assert _ids(tax_diff, "gateway_payment_id") == _ids(
        _truth(world, "tax_mismatch"), "gateway_payment_id"
    )

    # Late settlement: the 23:59 cut-over ones and those in a delayed settlement, nothing else.
    merchants = _books(world, "merchants").select("merchant_id", "settlement_cycle_days")
    timing = both.join(merchants, on="merchant_id").with_columns(
        due=pl.struct("business_date", "settlement_cycle_days").map_elements(
            lambda r: settlement_date(r["business_date"], r["settlement_cycle_days"]),
            return_dtype=pl.Date,
        )
    )
    late = timing.filter(pl.col("settled_on") != pl.col("due"))
    delayed_settlements = _ids(_truth(world, "settlement_delayed"), "settlement_id")
    cutover = _ids(_truth(world, "cutover_timing"), "gateway_payment_id")
    assert cutover <= _ids(late, "gateway_payment_id")
    unexplained = late.filter(~pl.col("gateway_payment_id").is_in(sorted(cutover)))
    assert set(unexplained["settlement_id"].to_list()) <= delayed_settlements
    assert not _truth(world, "cutover_timing")["is_break"].any()

    for table, line_type, kind in (
        ("refunds", "refund", "refund_unreconciled"),
        ("chargebacks", "chargeback", "chargeback_unreconciled"),
    ):
        ours = _books(world, table)
        theirs = lines.filter(pl.col("line_type") == line_type)
        missing = theirs.join(
            ours,
            left_on=["gateway", "our_payment_id", "amount_paise"],
            right_on=["gateway", "payment_id", "amount_paise"],
            how="anti",
        )
        truth = _truth(world, kind)
        assert _ids(missing, "our_payment_id") == _ids(truth, "payment_id"), kind
        assert truth.height > 0, f"the dirty world should inject {kind}"


def test_dirty_world_upi_deemed_returns_are_in_the_ground_truth(files: dict) -> None:
    world = files["dirty_world"]["world"]
    adjustments: pl.DataFrame = files["dirty_world"]["adjustments"]
    returned = _ids(adjustments.filter(pl.col("adj_type") == "RET"), "rrn")
    assert returned and returned == _ids(_truth(world, "upi_deemed_unresolved"), "rrn")
    ledger = _books(world, "payments").filter(pl.col("rrn").is_in(sorted(returned)))
    assert (ledger["status"] == "captured").all()  # our books still think they were paid


def test_dirty_world_every_bank_difference_is_in_the_ground_truth(files: dict) -> None:
    world = files["dirty_world"]["world"]
    lines: pl.DataFrame = files["dirty_world"]["lines"]
    bank: pl.DataFrame = files["dirty_world"]["bank"]
    credits = bank.filter(pl.col("signed_paise") > 0)
    per_utr = lines.group_by("settlement_utr").agg(pl.col("net_paise").sum())
    matched = credits.join(per_utr, left_on="utr", right_on="settlement_utr", how="inner")
    short = matched.filter(pl.col("signed_paise") < pl.col("net_paise"))
    excess = matched.filter(pl.col("signed_paise") > pl.col("net_paise"))
    assert _ids(short, "utr") == _ids(_truth(world, "settlement_short"), "bank_utr")
    assert _ids(excess, "utr") == _ids(_truth(world, "settlement_excess"), "bank_utr")

    payouts = _books(world, "payouts")
    payout_utrs = _ids(payouts, "utr")
    returns = credits.filter(pl.col("utr").is_in(sorted(payout_utrs)))
    assert _ids(returns, "utr") == _ids(_truth(world, "payout_returned"), "bank_utr")
    assert returns.height > 0

    known = (
        _ids(per_utr, "settlement_utr")
        | payout_utrs
        | _ids(credits.filter(pl.col("narration").str.starts_with("UPI SETTLEMENT")), "utr")
    )
    strangers = credits.filter(~pl.col("utr").is_in(sorted(known)))
    assert _ids(strangers, "utr") == _ids(_truth(world, "unmatched_bank_credit"), "bank_utr")


def test_ground_truth_kinds_cover_every_injectable_discrepancy(dirty_world: WorldSummary) -> None:
    kinds = set(_truth(dirty_world)["kind"].to_list())
    assert kinds == {
        "missing_in_gateway",
        "missing_in_ledger",
        "amount_mismatch",
        "fee_mismatch",
        "tax_mismatch",
        "duplicate",
        "status_mismatch",
        "settlement_delayed",
        "settlement_short",
        "settlement_excess",
        "unmatched_bank_credit",
        "refund_unreconciled",
        "chargeback_unreconciled",
        "cutover_timing",
        "upi_deemed_unresolved",
        "payout_returned",
    }
    ids = _truth(dirty_world)["discrepancy_id"]
    assert ids.n_unique() == ids.len()


def test_world_json_records_the_config_and_counts(dirty_world: WorldSummary) -> None:
    import json

    data = json.loads(Path(dirty_world.out_dir / "truth" / "world.json").read_text())
    assert data["config"]["seed"] == 7
    assert data["attempts"] == 30_000


def test_gateway_ids_and_rrns_never_collide(dirty_world: WorldSummary) -> None:
    # A hash-derived numeric id collides by the birthday bound at scale; the matching keys
    # (gateway payment id per gateway, RRN) must be unique in our books.
    pays = _books(dirty_world, "payments")
    per_gateway = pays.group_by("gateway", "gateway_payment_id").len()
    assert per_gateway["len"].max() == 1
    rrns = pays["rrn"].drop_nulls()
    assert rrns.n_unique() == rrns.len()


def test_permuted_ids_are_unique_for_a_ten_million_counter_range() -> None:
    import numpy as np

    from hisaab.ids import permuted_digits

    ids = permuted_digits(42, 107, np.arange(10_000_000, dtype=np.uint64), 11)
    assert np.unique(ids).size == 10_000_000
