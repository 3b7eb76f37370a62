"""Settlement files from emulated traffic: they parse, load under contract and add up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from api.gateways.settlement import (
    AMOUNT_MISMATCH,
    DROP_LINE,
    DUPLICATE_LINE,
    FEE_OVERCHARGE,
    TAX_ERROR,
    SettlementFault,
    SettlementFaultNotApplied,
    settlement_batches,
    write_settlement_files,
)
from hisaab.money import gst_inside
from pipelines.ingest import ingest_landing
from pipelines.parsers import ccavenue, payu, razorpay
from tests.api.gateways.conftest import World, make_world, request

PARSERS = {"razorpay": razorpay.parse, "payu": payu.parse, "ccavenue": ccavenue.parse}
TUESDAY, WEDNESDAY, THURSDAY = date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)
METHODS = ("upi", "card", "netbanking", "wallet")


@dataclass
class Traffic:
    captured: dict[str, list[tuple[str, str, int]]]  # gateway -> (payment_id, gpid, amount)
    refunds: dict[str, list[tuple[str, str, int]]]  # gateway -> (refund_id, payment_id, amount)


def emulate_day(w: World, payments: int = 40) -> Traffic:
    """A Tuesday of traffic on every gateway and method, T+1 and T+2 merchants, some refunds."""
    t = Traffic({g: [] for g in PARSERS}, {g: [] for g in PARSERS})
    for i in range(payments):
        for name, gw in w.gateways.items():
            method = METHODS[i % 4]
            req = request(
                method,
                amount_paise=10_000 + 9_973 * i,
                merchant_id=f"mer_Emul{i % 3:010d}",
                settlement_cycle_days=1 + (i % 3 == 2),
            )
            auth = gw.authorize(req)
            if i % 10 == 9:
                continue  # authorised, never captured: not in any settlement file
            gw.capture(auth.gateway_payment_id or "", req.amount_paise)
            t.captured[name].append(
                (req.payment_id, auth.gateway_payment_id or "", req.amount_paise)
            )
            w.clock.advance(seconds=7)
    # Refunds the same day: one full, one partial per gateway.
    for name, gw in w.gateways.items():
        for k, (pid, gpid, amount) in enumerate(t.captured[name][:2]):
            rid = f"rfnd_E{name[:3]}{k:09d}"
            amt = amount if k == 0 else amount // 3
            assert gw.refund(gpid, amt, rid).outcome == "success"
            t.refunds[name].append((rid, pid, amt))
    return t


@pytest.fixture
def traffic_world(tmp_path: Path) -> tuple[World, Traffic]:
    w = make_world(tmp_path / "journal.sqlite3")
    return w, emulate_day(w)


@pytest.mark.parametrize("gateway", PARSERS)
def test_settlement_file_parses_line_for_line_and_reconciles_to_the_journal(
    traffic_world: tuple[World, Traffic], tmp_path: Path, gateway: str
) -> None:
    w, t = traffic_world
    landing = tmp_path / "landing"
    files = write_settlement_files(gateway, WEDNESDAY, landing, journal=w.journal, seed=7)
    files += write_settlement_files(gateway, THURSDAY, landing, journal=w.journal, seed=7)
    assert [f.parent.name for f in files] == ["2026-11-04", "2026-11-05"]
    frames = []
    for f in files:
        parsed = PARSERS[gateway](f.read_bytes())
        parsed.check_accounting()
        assert parsed.rejects == [], parsed.rejects[:3]
        frames.append(parsed.tables[parsed.main_table])
    lines = pl.concat(frames)

    journal = {p.payment_id: p for p in w.journal.all_payments(gateway) if p.captured_at_us}
    assert len(journal) == len(t.captured[gateway]) == 36
    pay_lines = _payment_lines(gateway, lines)
    assert Counter(pay_lines["payment_id"].to_list()) == Counter(journal.keys()), (
        "each capture once"
    )
    for row in pay_lines.iter_rows(named=True):
        p = journal[row["payment_id"]]
        assert row["gateway_payment_id"] == p.gateway_payment_id
        assert row["amount_paise"] == p.amount_paise
        assert row["fee_paise"] == p.fee_paise and row["tax_paise"] == p.tax_paise
        assert row["settlement_date"].isoformat() == p.settled_on
    refund_total = _refund_lines(gateway, lines)
    assert refund_total == sum(a for _, _, a in t.refunds[gateway])

    batches = pl.concat(
        [settlement_batches(gateway, d, w.journal, seed=7) for d in (WEDNESDAY, THURSDAY)]
    )
    assert batches["gross_paise"].sum() == sum(p.amount_paise for p in journal.values())
    net = sum(p.amount_paise - p.fee_paise - p.tax_paise for p in journal.values()) - refund_total
    assert batches["net_paise"].sum() == net
    assert batches.height == 3, "two T+1 merchants on Wednesday, one T+2 merchant on Thursday"


def _payment_lines(gateway: str, lines: pl.DataFrame) -> pl.DataFrame:
    """Payment lines in one shape: our payment id, gateway id, amount, fee and tax without GST."""
    if gateway == "razorpay":
        pays = lines.filter(pl.col("type") == "payment")
        # Razorpay's fee includes GST; its ``tax`` is the GST inside it.
        assert all(
            gst_inside(f) in (t - 1, t, t + 1)
            for f, t in zip(pays["fee_paise"], pays["tax_paise"], strict=True)
        )
        return pays.select(
            payment_id="order_receipt",
            gateway_payment_id="payment_id",
            amount_paise="amount_paise",
            fee_paise=pl.col("fee_paise") - pl.col("tax_paise"),
            tax_paise="tax_paise",
            settlement_date=pl.col("settled_at").dt.convert_time_zone("Asia/Kolkata").dt.date(),
        )
    if gateway == "payu":
        pays = lines.filter(pl.col("action") == "capture")
        return pays.select(
            payment_id="txnid",
            gateway_payment_id="payuid",
            amount_paise="amount_paise",
            fee_paise="service_fee_paise",
            tax_paise="service_tax_paise",
            settlement_date="settlement_date",
        )
    pays = lines.filter(pl.col("transaction_type") == "Sale")
    return pays.select(
        payment_id="order_no",
        gateway_payment_id="reference_no",
        amount_paise="amount_paise",
        fee_paise="fees_paise",
        tax_paise="tax_paise",
        settlement_date="settlement_date",
    )


def _refund_lines(gateway: str, lines: pl.DataFrame) -> int:
    col, kind = {"razorpay": ("type", "refund"), "payu": ("action", "refund"),
                 "ccavenue": ("transaction_type", "Refund")}[gateway]  # fmt: skip
    return int(lines.filter(pl.col(col) == kind)["amount_paise"].sum())


def test_emulated_files_load_into_the_lake_under_their_data_contracts(
    traffic_world: tuple[World, Traffic], tmp_path: Path
) -> None:
    w, _ = traffic_world
    data_dir = tmp_path / "data"
    for gateway in PARSERS:
        for d in (WEDNESDAY, THURSDAY):
            write_settlement_files(gateway, d, data_dir / "landing", journal=w.journal, seed=7)
    reports = ingest_landing(data_dir, run_gx=False)
    assert len(reports) == 6
    for r in reports:
        assert (r.outcome, r.rows_quarantined) == ("loaded", 0), (r.landing_path, r.reasons)
        assert r.rows_in == r.rows_loaded > 0


def test_nothing_settles_on_the_capture_day_and_rewriting_is_byte_identical(
    traffic_world: tuple[World, Traffic], tmp_path: Path
) -> None:
    w, _ = traffic_world
    assert write_settlement_files("payu", TUESDAY, tmp_path, journal=w.journal, seed=7) == []
    (a,) = write_settlement_files("payu", WEDNESDAY, tmp_path / "a", journal=w.journal, seed=7)
    (b,) = write_settlement_files("payu", WEDNESDAY, tmp_path / "b", journal=w.journal, seed=7)
    assert a.read_bytes() == b.read_bytes()
    assert a.name == "payu_settlement_04112026.csv"


def test_settlement_ids_and_utrs_are_one_per_merchant_and_cycle(
    traffic_world: tuple[World, Traffic], tmp_path: Path
) -> None:
    w, _ = traffic_world
    (f,) = write_settlement_files("razorpay", WEDNESDAY, tmp_path, journal=w.journal, seed=7)
    lines = razorpay.parse(f.read_bytes()).tables["razorpay_settlement_lines"]
    per = lines.group_by("settlement_id").agg(pl.col("settlement_utr").n_unique())
    assert per["settlement_utr"].to_list() == [1] * per.height
    assert lines["settlement_utr"].str.contains(r"^YESBN26308\d{6}$").all(), "Razorpay's NEFT UTR"


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        (DROP_LINE, lambda before, after: after.height == before.height - 1),
        (DUPLICATE_LINE, lambda before, after: after.height == before.height + 1),
        (
            FEE_OVERCHARGE,
            lambda b, a: a["service_fee_paise"].sum() == b["service_fee_paise"].sum() + 100,
        ),
        (
            TAX_ERROR,
            lambda b, a: a["service_tax_paise"].sum() == b["service_tax_paise"].sum() + 100,
        ),
        (AMOUNT_MISMATCH, lambda b, a: a["amount_paise"].sum() == b["amount_paise"].sum() + 100),
    ],
)
def test_fault_hook_makes_the_file_disagree_with_the_journal_on_one_line(
    traffic_world: tuple[World, Traffic], tmp_path: Path, kind: str, check: object
) -> None:
    w, t = traffic_world
    victim = t.captured["payu"][3][0]  # a T+1 merchant: settles on Wednesday
    (clean,) = write_settlement_files("payu", WEDNESDAY, tmp_path / "c", journal=w.journal, seed=7)
    (bad,) = write_settlement_files(
        "payu", WEDNESDAY, tmp_path / "f", journal=w.journal, seed=7,
        faults=[SettlementFault(kind, victim)],
    )  # fmt: skip
    before = payu.parse(clean.read_bytes()).tables["payu_settlement_lines"]
    parsed = payu.parse(bad.read_bytes())
    after = parsed.tables["payu_settlement_lines"]
    assert check(before, after)  # type: ignore[operator]
    content = [c for c in before.columns if c != "source_row"]  # positions shift when a line goes
    old = set(before.select(content).iter_rows())
    new = set(after.select(content).iter_rows())
    txnid = content.index("txnid")
    assert {r[txnid] for r in old ^ new} <= {victim}, "only the victim's line differs"


def test_a_fault_on_a_line_that_is_not_in_the_file_is_an_error(
    traffic_world: tuple[World, Traffic], tmp_path: Path
) -> None:
    w, _ = traffic_world
    with pytest.raises(SettlementFaultNotApplied):
        write_settlement_files(
            "ccavenue", WEDNESDAY, tmp_path, journal=w.journal, seed=7,
            faults=[SettlementFault(DROP_LINE, "pay_NotInThisFile")],
        )  # fmt: skip
    with pytest.raises(ValueError, match="unknown settlement fault"):
        SettlementFault("make_it_up", "pay_X")
