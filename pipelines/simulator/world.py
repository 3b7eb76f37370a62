"""Build a whole simulated world on disk: landing files, our books and the ground truth.

``build_world(WorldConfig(...), out_dir)`` writes::

    out_dir/landing/<source>/<date>/<file>   the outside world's files (gateways, UPI switch, banks)
    out_dir/books/<table>/...parquet         our own ledger (payments, refunds, chargebacks, payouts…)
    out_dir/truth/...                        what really happened: injected discrepancies and more

Payments are generated chunk by chunk (``flows.generate_chunk``) and streamed to their files, so
memory stays bounded however many payments are asked for; only per-settlement aggregates (a
few thousand rows) are kept until the end, when bank statements and payouts are built from them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import numpy as np
import polars as pl

from pipelines.simulator import entities, keys
from pipelines.simulator.banking import BankActivity, build_bank_activity
from pipelines.simulator.bnpl import build_bnpl_applicants
from pipelines.simulator.config import NON_BREAK_KINDS, WorldConfig
from pipelines.simulator.flows import MerchantArrays, SettlementCalendar, generate_chunk
from pipelines.simulator.gateway_lines import SettlementKeys, build_lines
from pipelines.simulator.gateways import GATEWAY_NAMES, UPI_PSP
from pipelines.simulator.writers import ccavenue, payu, razorpay, upi_switch

GATEWAY_WRITERS = {"razorpay": razorpay, "payu": payu, "ccavenue": ccavenue}
WORLD_SUBDIRS = ("landing", "books", "truth")
_DAY_WEIGHTS = np.array([1.0, 0.97, 0.98, 1.0, 1.08, 1.15, 1.05])  # Mon..Sun

CUSTOMER_COLUMNS = (
    "customer_id",
    "vpa",
    "card_token",
    "card_network",
    "card_issuer",
    "card_type",
    "netbanking_bank",
    "wallet",
)


@dataclass
class WorldSummary:
    """What was built, for the CLI's summary and for tests."""

    config: WorldConfig
    out_dir: Path
    attempts: int = 0
    captured: int = 0
    captured_paise: int = 0
    refunds: int = 0
    chargebacks: int = 0
    settlements: int = 0
    payouts: int = 0
    by_route_method: pl.DataFrame | None = None
    discrepancies: pl.DataFrame | None = None
    files: dict[str, int] = field(default_factory=dict)  # landing source -> file count

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "attempts": self.attempts,
            "captured": self.captured,
            "captured_paise": self.captured_paise,
            "refunds": self.refunds,
            "chargebacks": self.chargebacks,
            "settlements": self.settlements,
            "payouts": self.payouts,
            "files": self.files,
            "discrepancies_by_kind": (
                dict(self.discrepancies.group_by("kind").len().sort("kind").iter_rows())
                if self.discrepancies is not None
                else {}
            ),
        }


class _AppendingCsv:
    """CSV files that chunks append to; the header is written once, on creation."""

    def __init__(self) -> None:
        self._handles: dict[Path, IO[bytes]] = {}

    def append(self, path: Path, frame: pl.DataFrame) -> None:
        handle = self._handles.get(path)
        if handle is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("wb")
            self._handles[path] = handle
            include_header = True
        else:
            include_header = False
        buf = BytesIO()
        frame.write_csv(buf, include_header=include_header)
        handle.write(buf.getvalue())

    def close(self) -> None:
        for h in self._handles.values():
            h.close()
        self._handles.clear()


def attempts_per_day(cfg: WorldConfig) -> list[int]:
    """Split the payment count over the days by weekday weight (largest remainder, exact)."""
    days = [cfg.start + timedelta(days=i) for i in range(cfg.days)]
    w = np.array([_DAY_WEIGHTS[d.weekday()] for d in days])
    raw = cfg.payments * w / w.sum()
    counts = np.floor(raw).astype(np.int64)
    remainder = cfg.payments - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return [int(c) for c in counts]


def _write_parquet(frame: pl.DataFrame, path: Path, *, skip_empty: bool = False) -> None:
    if skip_empty and frame.height == 0:
        return  # a day without refunds has no refunds file, as an export would have none
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", statistics=True)


def build_world(
    cfg: WorldConfig,
    out_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> WorldSummary:
    """Generate the world described by ``cfg`` under ``out_dir`` (its previous world is replaced).

    ``progress`` is called with the number of attempts generated after each chunk.
    """
    out_dir = Path(out_dir)
    for sub in WORLD_SUBDIRS:
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    landing, books, truth = (out_dir / s for s in WORLD_SUBDIRS)
    for d in (landing, books, truth):
        d.mkdir(parents=True, exist_ok=True)

    merchants = entities.generate_merchants(cfg.seed, cfg.merchants)
    customers = entities.generate_customers(cfg.seed, cfg.customers)
    _write_parquet(merchants, books / "merchants" / "merchants.parquet")
    _write_parquet(customers, books / "customers" / "customers.parquet")
    m_arrays = MerchantArrays.from_frame(merchants, entities.CATEGORIES)
    merchant_cols = merchants.select(
        pl.int_range(pl.len(), dtype=pl.Int32).alias("merchant_idx"),
        "merchant_id",
        "merchant_vpa",
        "trade_name",
        "mcc",
    )
    customer_cols = customers.select(
        pl.int_range(pl.len(), dtype=pl.Int32).alias("customer_idx"), *CUSTOMER_COLUMNS
    )

    calendar = SettlementCalendar()
    settlement_keys = SettlementKeys(cfg)
    csv_out = _AppendingCsv()
    window_end = cfg.start + timedelta(days=cfg.days - 1)
    line_aggs: list[pl.DataFrame] = []
    expected_aggs: list[pl.DataFrame] = []
    truth_parts: list[pl.DataFrame] = []
    route_method_parts: list[pl.DataFrame] = []
    summary = WorldSummary(config=cfg, out_dir=out_dir)

    counter = 0
    for day_index, n_day in enumerate(attempts_per_day(cfg)):
        day = cfg.start + timedelta(days=day_index)
        chunk_sizes = [cfg.chunk_size] * (n_day // cfg.chunk_size)
        if n_day % cfg.chunk_size:
            chunk_sizes.append(n_day % cfg.chunk_size)
        for chunk_no, n in enumerate(chunk_sizes):
            res = generate_chunk(
                cfg,
                m_arrays,
                customers.height,
                day,
                day_index,
                chunk_no,
                n,
                counter,
                calendar,
                window_end,
            )
            counter += n
            attempts = res.attempts.join(merchant_cols, on="merchant_idx", how="left").join(
                customer_cols, on="customer_idx", how="left"
            )
            refunds = res.refunds.join(merchant_cols, on="merchant_idx", how="left")
            chargebacks = res.chargebacks.join(merchant_cols, on="merchant_idx", how="left")
            part = f"part-{chunk_no:05d}.parquet"
            _write_books_chunk(books, day, part, attempts, refunds, chargebacks)

            lines = build_lines(attempts, refunds, chargebacks, settlement_keys)
            for route, writer in GATEWAY_WRITERS.items():
                sub = lines.filter(pl.col("route") == route)
                for (settled_on,), group in sub.partition_by(
                    "settled_on", as_dict=True, maintain_order=True
                ).items():
                    path = landing / route / settled_on.isoformat() / writer.file_name(settled_on)
                    csv_out.append(path, writer.render(group))
            upi = attempts.filter(pl.col("route") == UPI_PSP).sort(
                "gw_created_at", "payment_id", maintain_order=True
            )
            for (on,), group in upi.partition_by(
                "gw_business_date", as_dict=True, maintain_order=True
            ).items():
                path = landing / "upi_switch" / on.isoformat() / upi_switch.file_name(on)
                csv_out.append(path, upi_switch.render(group))
                deemed = group.filter(pl.col("upi_deemed"))
                if deemed.height:
                    adj_on = on + timedelta(days=1)
                    path = (
                        landing
                        / "upi_switch"
                        / adj_on.isoformat()
                        / upi_switch.adjustment_file_name(adj_on)
                    )
                    csv_out.append(path, upi_switch.render_adjustments(deemed))

            line_aggs.append(_aggregate_lines(lines))
            line_aggs.append(_aggregate_upi(attempts, settlement_keys))
            expected_aggs.append(_expected_settlements(attempts, refunds, chargebacks, calendar))
            truth_parts.append(_chunk_truth(res.truth, refunds, chargebacks, merchant_cols))
            route_method_parts.append(
                attempts.group_by("route", "method").agg(
                    attempts=pl.len(),
                    captured=(pl.col("ledger_status") == "captured").sum(),
                    captured_paise=pl.when(pl.col("ledger_status") == "captured")
                    .then(pl.col("amount_paise"))
                    .otherwise(0)
                    .sum(),
                )
            )
            summary.attempts += n
            summary.refunds += refunds.height
            summary.chargebacks += chargebacks.height
            if progress:
                progress(n)
    csv_out.close()

    settlements = _final_settlements(line_aggs, settlement_keys)
    activity = build_bank_activity(cfg, settlements, merchants, out_dir=landing)
    _write_parquet(settlements, truth / "settlements.parquet")
    _write_parquet(activity.payouts, truth / "payouts.parquet")
    _write_parquet(
        activity.payouts.select(
            "payout_id",
            "merchant_id",
            "bank_source",
            "payout_date",
            "amount_paise",
            "mode",
            "utr",
            "beneficiary_ifsc",
            "beneficiary_account_number",
            pl.lit("processed").alias("status"),
        ),
        books / "payouts" / "payouts.parquet",
    )
    expected = (
        pl.concat(expected_aggs)
        .group_by("route", "merchant_id", "expected_settlement_date")
        .agg(pl.all().sum())
        .sort("route", "merchant_id", "expected_settlement_date")
    )
    _write_parquet(expected, books / "settlements" / "settlements.parquet")

    build_bnpl_applicants(cfg, out_dir)
    discrepancies = _finalise_truth(cfg, truth_parts, settlement_keys, settlements, activity)
    _write_parquet(discrepancies, truth / "discrepancies.parquet")

    if cfg.aml_network:
        from pipelines.simulator.aml_network import AmlNetworkConfig, write_aml_world

        write_aml_world(AmlNetworkConfig.from_world(cfg), customers, merchants, books, truth)

    if cfg.corrupt:
        from pipelines.simulator.corruption import corrupt_landing

        corrupt_landing(out_dir, cfg.seed)

    by_rm = (
        pl.concat(route_method_parts)
        .group_by("route", "method")
        .agg(pl.all().sum())
        .sort("route", "method")
    )
    summary.by_route_method = by_rm
    summary.captured = int(by_rm["captured"].sum())
    summary.captured_paise = int(by_rm["captured_paise"].sum())
    summary.settlements = settlements.height
    summary.payouts = activity.payouts.height
    summary.discrepancies = discrepancies
    summary.files = {
        src.name: sum(1 for p in src.rglob("*") if p.is_file()) for src in sorted(landing.iterdir())
    }
    (truth / "world.json").write_text(json.dumps(summary.to_json(), indent=2, sort_keys=True))
    return summary


def _write_books_chunk(
    books: Path,
    day: date,
    part: str,
    attempts: pl.DataFrame,
    refunds: pl.DataFrame,
    chargebacks: pl.DataFrame,
) -> None:
    partition = f"business_date={day.isoformat()}"
    ledger = attempts.filter(pl.col("in_ledger")).select(
        "payment_id",
        "order_id",
        "attempt_no",
        "merchant_id",
        "customer_id",
        "method",
        pl.col("route").alias("gateway"),
        "gateway_payment_id",
        "rrn",
        "amount_paise",
        pl.lit("INR").alias("currency"),
        pl.col("ledger_status").alias("status"),
        "error_code",
        "error_reason",
        "mdr_bps",
        "fee_paise",
        "gst_paise",
        "created_at",
        "captured_at",
        "business_date",
        "latency_ms",
        pl.col("upi_deemed").alias("is_upi_deemed"),
        pl.when(pl.col("method") == "card").then(pl.col("card_token")).alias("card_token"),
        pl.when(pl.col("method") == "card").then(pl.col("card_network")).alias("card_network"),
        pl.when(pl.col("method") == "upi").then(pl.col("vpa")).alias("payer_vpa"),
    )
    _write_parquet(ledger, books / "payments" / partition / part, skip_empty=True)
    _write_parquet(
        refunds.filter(pl.col("in_ledger")).select(
            "refund_id",
            "payment_id",
            "merchant_id",
            pl.col("route").alias("gateway"),
            "amount_paise",
            "created_at",
            "business_date",
            pl.lit("processed").alias("status"),
        ),
        books / "refunds" / partition / part,
        skip_empty=True,
    )
    _write_parquet(
        chargebacks.filter(pl.col("in_ledger")).select(
            "chargeback_id",
            pl.col("chargeback_id").str.replace("^chb_", "disp_").alias("gateway_dispute_id"),
            "payment_id",
            "merchant_id",
            pl.col("route").alias("gateway"),
            "amount_paise",
            "created_at",
            "business_date",
            pl.lit("lost").alias("status"),
        ),
        books / "chargebacks" / partition / part,
        skip_empty=True,
    )


_AGG_KEYS = ("route", "merchant_id", "cycle_date", "settlement_id", "settlement_utr", "settled_on")


def _aggregate_lines(lines: pl.DataFrame) -> pl.DataFrame:
    def s(t: str, col: str = "amount_paise") -> pl.Expr:
        return pl.when(pl.col("line_type") == t).then(pl.col(col)).otherwise(0).sum()

    return lines.group_by(_AGG_KEYS).agg(
        gross_paise=s("payment"),
        fee_paise=s("payment", "fee_paise"),
        tax_paise=s("payment", "tax_paise"),
        refunds_paise=s("refund"),
        chargebacks_paise=s("chargeback"),
        payment_lines=(pl.col("line_type") == "payment").sum().cast(pl.Int64),
        refund_lines=(pl.col("line_type") == "refund").sum().cast(pl.Int64),
        chargeback_lines=(pl.col("line_type") == "chargeback").sum().cast(pl.Int64),
    )


def _aggregate_upi(attempts: pl.DataFrame, settlement_keys: SettlementKeys) -> pl.DataFrame:
    """Our PSP's settlement: approved and deemed-then-confirmed UPI, not the returned ones."""
    ok = attempts.filter(
        (pl.col("route") == UPI_PSP)
        & (pl.col("gw_status") == "captured")
        & (pl.col("upi_final").is_null() | (pl.col("upi_final") == "TCC"))
    )
    if ok.height == 0:
        return pl.DataFrame()
    ok = ok.join(
        settlement_keys.frame_for(ok), on=["route", "merchant_id", "cycle_date"], how="left"
    )
    return ok.group_by(_AGG_KEYS).agg(
        gross_paise=pl.col("gw_amount_paise").sum(),
        fee_paise=pl.col("gw_fee_paise").sum(),
        tax_paise=pl.col("gw_tax_paise").sum(),
        refunds_paise=pl.lit(0, pl.Int64),
        chargebacks_paise=pl.lit(0, pl.Int64),
        payment_lines=pl.len().cast(pl.Int64),
        refund_lines=pl.lit(0, pl.Int64),
        chargeback_lines=pl.lit(0, pl.Int64),
    )


def _final_settlements(parts: list[pl.DataFrame], settlement_keys: SettlementKeys) -> pl.DataFrame:
    frames = [p for p in parts if p.height]
    agg = (
        pl.concat(frames)
        .group_by(_AGG_KEYS)
        .agg(pl.all().sum())
        .with_columns(
            net_paise=pl.col("gross_paise")
            - pl.col("fee_paise")
            - pl.col("tax_paise")
            - pl.col("refunds_paise")
            - pl.col("chargebacks_paise")
        )
    )
    delays = pl.DataFrame(
        {
            "settlement_id": [k.settlement_id for k in settlement_keys.all()],
            "delay_business_days": [k.delay_business_days for k in settlement_keys.all()],
        },
        schema={"settlement_id": pl.String, "delay_business_days": pl.Int64},
    )
    return agg.join(delays, on="settlement_id", how="left").sort(
        "settled_on", "route", "merchant_id", "cycle_date"
    )


def _expected_settlements(
    attempts: pl.DataFrame,
    refunds: pl.DataFrame,
    chargebacks: pl.DataFrame,
    calendar: SettlementCalendar,
) -> pl.DataFrame:
    """What our ledger expects each gateway to settle, per merchant and cycle date."""
    pays = attempts.filter(pl.col("in_ledger") & (pl.col("ledger_status") == "captured"))
    pays = pays.with_columns(
        expected_settlement_date=pl.when(pl.col("route") == UPI_PSP)
        .then(pl.col("business_date") + timedelta(days=1))
        .otherwise(calendar.settle_expr("business_date", "cycle_days", pays))
    )
    keys_ = ("route", "merchant_id", "expected_settlement_date")
    zero = pl.lit(0, pl.Int64)
    parts = [
        pays.group_by(keys_).agg(
            gross_paise=pl.col("amount_paise").sum(),
            fee_paise=pl.col("fee_paise").sum(),
            tax_paise=pl.col("gst_paise").sum(),
            refunds_paise=zero,
            chargebacks_paise=zero,
            payment_count=pl.len().cast(pl.Int64),
        )
    ]
    for frame, col in ((refunds, "refunds_paise"), (chargebacks, "chargebacks_paise")):
        f = frame.filter(pl.col("in_ledger")).rename({"cycle_date": "expected_settlement_date"})
        parts.append(
            f.group_by(keys_).agg(
                gross_paise=zero,
                fee_paise=zero,
                tax_paise=zero,
                refunds_paise=pl.col("amount_paise").sum() if col == "refunds_paise" else zero,
                chargebacks_paise=pl.col("amount_paise").sum()
                if col == "chargebacks_paise"
                else zero,
                payment_count=zero,
            )
        )
    out = pl.concat([p.cast({"expected_settlement_date": pl.Date}) for p in parts])
    return (
        out.group_by(keys_)
        .agg(pl.all().sum())
        .with_columns(
            net_paise=pl.col("gross_paise")
            - pl.col("fee_paise")
            - pl.col("tax_paise")
            - pl.col("refunds_paise")
            - pl.col("chargebacks_paise")
        )
    )


_TRUTH_SCHEMA = {
    "kind": pl.String,
    "is_break": pl.Boolean,
    "source": pl.String,
    "gateway": pl.String,
    "merchant_id": pl.String,
    "payment_id": pl.String,
    "gateway_payment_id": pl.String,
    "refund_id": pl.String,
    "chargeback_id": pl.String,
    "rrn": pl.String,
    "settlement_id": pl.String,
    "settlement_utr": pl.String,
    "payout_id": pl.String,
    "bank_source": pl.String,
    "bank_utr": pl.String,
    "business_date": pl.Date,
    "expected_paise": pl.Int64,
    "actual_paise": pl.Int64,
    "detail": pl.String,
}


def _chunk_truth(
    pay_truth: pl.DataFrame,
    refunds: pl.DataFrame,
    chargebacks: pl.DataFrame,
    merchant_cols: pl.DataFrame,
) -> pl.DataFrame:
    pays = pay_truth.join(merchant_cols.select("merchant_idx", "merchant_id"), on="merchant_idx")
    pays = pays.select(
        "kind",
        pl.lit("payment").alias("source"),
        pl.col("route").alias("gateway"),
        "merchant_id",
        "payment_id",
        "gateway_payment_id",
        "rrn",
        "business_date",
        "expected_paise",
        "actual_paise",
    )
    money_out = []
    for frame, id_col in ((refunds, "refund_id"), (chargebacks, "chargeback_id")):
        money_out.append(
            frame.filter(pl.col("discrepancy") != "").select(
                pl.col("discrepancy").alias("kind"),
                pl.lit(id_col.removesuffix("_id")).alias("source"),
                pl.col("route").alias("gateway"),
                "merchant_id",
                "payment_id",
                "gateway_payment_id",
                pl.col(id_col),
                "business_date",
                pl.lit(0, pl.Int64).alias("expected_paise"),
                pl.col("amount_paise").alias("actual_paise"),
            )
        )
    return pl.concat([pays, *money_out], how="diagonal_relaxed")


def _finalise_truth(
    cfg: WorldConfig,
    parts: list[pl.DataFrame],
    settlement_keys: SettlementKeys,
    settlements: pl.DataFrame,
    activity: BankActivity,
) -> pl.DataFrame:
    frames = [p for p in parts if p.height]
    pay_level = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    # Payment-level faults: a refund/chargeback fault is keyed by its own id, and the payment's
    # discrepancy row would duplicate it.
    if pay_level.height:
        pay_level = pay_level.filter(
            ~(
                pl.col("kind").is_in(["refund_unreconciled", "chargeback_unreconciled"])
                & (pl.col("source") == "payment")
            )
        )
    delayed = settlements.filter(pl.col("delay_business_days") > 0).select(
        pl.lit("settlement_delayed").alias("kind"),
        pl.lit("settlement").alias("source"),
        pl.col("route").alias("gateway"),
        "merchant_id",
        "settlement_id",
        "settlement_utr",
        pl.col("cycle_date").alias("business_date"),
        pl.col("net_paise").alias("expected_paise"),
        pl.col("net_paise").alias("actual_paise"),
        pl.format(
            "due {} (T+N), settled {} ({} business days late)",
            pl.col("cycle_date"),
            pl.col("settled_on"),
            pl.col("delay_business_days"),
        ).alias("detail"),
    )
    out = pl.concat([pay_level, delayed, activity.truth], how="diagonal_relaxed")
    for col, dtype in _TRUTH_SCHEMA.items():
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype).alias(col))
    out = out.with_columns(is_break=~pl.col("kind").is_in(sorted(NON_BREAK_KINDS)))
    out = out.select(list(_TRUTH_SCHEMA)).cast(_TRUTH_SCHEMA)  # type: ignore[arg-type]
    out = out.sort(
        "kind",
        "business_date",
        "payment_id",
        "settlement_id",
        "payout_id",
        "bank_utr",
        "refund_id",
        "chargeback_id",
        nulls_last=True,
    )
    ids = [
        keys.object_id("dsc", cfg.seed, *row)
        for row in out.select(
            "kind",
            "payment_id",
            "refund_id",
            "chargeback_id",
            "settlement_id",
            "payout_id",
            "bank_utr",
        ).iter_rows()
    ]
    return out.with_columns(pl.Series("discrepancy_id", ids)).select(
        "discrepancy_id", *_TRUTH_SCHEMA
    )


def file_digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> hex), for determinism checks."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


__all__ = ["GATEWAY_NAMES", "WorldSummary", "attempts_per_day", "build_world", "file_digests"]
