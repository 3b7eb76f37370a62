"""Payment flows of one chunk of one day: orders, attempts, captures, refunds and chargebacks.

A chunk is generated with numpy and polars, vectorised, from its own seed sequence
``(seed, day, chunk)``, so a world of ten million payments is produced chunk by chunk in bounded
memory and every chunk is reproducible on its own. Each attempt carries two views: what our
ledger recorded and what the gateway (or the UPI switch) recorded. They agree unless a
discrepancy was injected, and every injected discrepancy is returned as a ground-truth row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from hisaab.calendar import add_business_days, ist_midnight_utc
from hisaab.ids import derived_bodies, permuted_digits
from hisaab.money import gst_on_array, mdr_fee_array
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.gateways import ALL_ROUTES, GATEWAYS, METHODS, UPI_PSP

# Namespaces keep derived ids of different object kinds apart.
NS_PAYMENT, NS_ORDER, NS_GW_PAYMENT, NS_REFUND, NS_CHARGEBACK, NS_RRN, NS_UPI_TXN = range(100, 107)
NS_PAYU_ID, NS_CCAV_ID = 107, 108

# Share of the day's orders in each IST hour: quiet nights, a lunch peak and an evening peak.
_HOUR_WEIGHTS = np.array(
    [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 12, 12, 10, 9, 9, 10, 12, 14, 15, 14, 10, 5],
    dtype=np.float64,
)
_HOUR_P = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
_ATTEMPTS_P = np.array([0.86, 0.11, 0.03])  # one, two or three attempts per order
REFUND_RATE = 0.03
FULL_REFUND_SHARE = 0.7
CHARGEBACK_RATE_CARD = 0.002
DEEMED_RATE_UPI = 0.008


@dataclass(frozen=True)
class MerchantArrays:
    """The merchant columns the flow generator needs, as numpy arrays indexed by merchant."""

    merchant_id: np.ndarray  # object (str)
    weight: np.ndarray  # float64, sums to 1
    cycle_days: np.ndarray  # int8
    mdr_bps: np.ndarray  # int64 (M, 4) in METHODS order
    method_p: np.ndarray  # float64 (M, 4)
    ticket_median_paise: np.ndarray  # float64
    ticket_sigma: np.ndarray  # float64
    gateway_options: np.ndarray  # int8 (M, 3): route codes into ALL_ROUTES, padded by repetition
    gateway_count: np.ndarray  # int8

    @classmethod
    def from_frame(cls, merchants: pl.DataFrame, categories: dict[str, object]) -> MerchantArrays:
        m = merchants.height
        opts = np.zeros((m, 3), dtype=np.int8)
        counts = np.zeros(m, dtype=np.int8)
        for i, gws in enumerate(merchants["gateways"].to_list()):
            codes = [ALL_ROUTES.index(g) for g in gws]
            counts[i] = len(codes)
            for j in range(3):
                opts[i, j] = codes[j % len(codes)]
        cats = merchants["category"].to_list()
        method_p = np.array(
            [[categories[c].method_mix[k] for k in METHODS] for c in cats],
            dtype=np.float64,
        )
        method_p /= method_p.sum(axis=1, keepdims=True)
        return cls(
            merchant_id=np.array(merchants["merchant_id"].to_list(), dtype=object),
            weight=merchants["volume_weight"].to_numpy().astype(np.float64),
            cycle_days=merchants["settlement_cycle_days"].to_numpy().astype(np.int8),
            mdr_bps=np.stack(
                [merchants[f"mdr_bps_{k}"].to_numpy().astype(np.int64) for k in METHODS], axis=1
            ),
            method_p=method_p,
            ticket_median_paise=np.array(
                [categories[c].ticket_median_paise for c in cats], dtype=np.float64
            ),
            ticket_sigma=np.array([categories[c].ticket_sigma for c in cats], dtype=np.float64),
            gateway_options=opts,
            gateway_count=counts,
        )


@dataclass
class ChunkResult:
    attempts: pl.DataFrame
    refunds: pl.DataFrame
    chargebacks: pl.DataFrame
    truth: pl.DataFrame


class SettlementCalendar:
    """Memoised T+N settlement dates (few distinct dates, many rows)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[date, int], date] = {}

    def settle(self, on: date, cycle: int) -> date:
        key = (on, cycle)
        if key not in self._cache:
            self._cache[key] = add_business_days(on, cycle)
        return self._cache[key]

    def settle_expr(self, date_col: str, cycle_col: str, frame: pl.DataFrame) -> pl.Series:
        pairs = frame.select(date_col, cycle_col).unique()
        mapping = pl.DataFrame(
            {
                date_col: pairs[date_col],
                cycle_col: pairs[cycle_col],
                "_settle": [
                    self.settle(d, int(c))
                    for d, c in zip(
                        pairs[date_col].to_list(), pairs[cycle_col].to_list(), strict=True
                    )
                ],
            },
            schema={date_col: pl.Date, cycle_col: frame.schema[cycle_col], "_settle": pl.Date},
        )
        return frame.select(date_col, cycle_col).join(
            mapping, on=[date_col, cycle_col], how="left", maintain_order="left"
        )["_settle"]


def _strings(values: np.ndarray) -> pl.Series:
    """A polars String series from a numpy object array (None stays null)."""
    return pl.Series(values=values.tolist(), dtype=pl.String)


def _prefixed(prefix: str, body: np.ndarray) -> pl.Series:
    return pl.select(pl.lit(prefix) + pl.Series("b", body.astype(f"U{body.dtype.itemsize}")))[
        "literal"
    ]


def generate_chunk(
    cfg: WorldConfig,
    merchants: MerchantArrays,
    n_customers: int,
    day: date,
    day_index: int,
    chunk_no: int,
    n_attempts: int,
    counter_base: int,
    calendar: SettlementCalendar,
    window_end: date,
) -> ChunkResult:
    """Generate ``n_attempts`` payment attempts made on IST date ``day``."""
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([cfg.seed, day_index, chunk_no]))
    )
    seed = cfg.seed

    # Orders with one to three attempts each, trimmed to exactly n_attempts attempts.
    n_orders_guess = int(n_attempts / 1.17) + 16
    per_order = rng.choice(3, size=n_orders_guess, p=_ATTEMPTS_P) + 1
    while per_order.sum() < n_attempts:
        per_order = np.concatenate([per_order, rng.choice(3, size=64, p=_ATTEMPTS_P) + 1])
    cum = np.cumsum(per_order)
    n_orders = int(np.searchsorted(cum, n_attempts) + 1)
    per_order = per_order[:n_orders].copy()
    per_order[-1] -= int(cum[n_orders - 1] - n_attempts)

    o_merchant = rng.choice(merchants.weight.size, size=n_orders, p=merchants.weight).astype(
        np.int32
    )
    o_customer = rng.integers(0, n_customers, size=n_orders, dtype=np.int32)
    u_method = rng.random(n_orders)
    o_method = (u_method[:, None] > np.cumsum(merchants.method_p[o_merchant], axis=1)).sum(axis=1)
    o_method = np.minimum(o_method, 3).astype(np.int8)
    o_amount = np.exp(
        np.log(merchants.ticket_median_paise[o_merchant])
        + merchants.ticket_sigma[o_merchant] * rng.standard_normal(n_orders)
    )
    o_amount = np.clip(o_amount, 100, 50_00_000_00).astype(np.int64)  # ₹1 to ₹50 lakh
    whole = rng.random(n_orders) < 0.45  # price points like ₹499 and ₹1,200 are whole rupees
    o_amount = np.where(whole, np.maximum(100, (o_amount // 100) * 100), o_amount)
    hours = rng.choice(24, size=n_orders, p=_HOUR_P)
    o_seconds = hours * 3600 + rng.integers(0, 3600, size=n_orders)
    o_seconds = np.minimum(o_seconds, 86_400 - 900)  # retries finish before midnight
    succeeds = rng.random(n_orders)

    # Attempts.
    a_order = np.repeat(np.arange(n_orders, dtype=np.int64), per_order)
    first_of_order = np.concatenate([[0], np.cumsum(per_order)[:-1]])
    a_no = (np.arange(n_attempts) - np.repeat(first_of_order, per_order)).astype(np.int8) + 1
    a_last = a_no == per_order[a_order]
    a_merchant = o_merchant[a_order]
    a_method = o_method[a_order]
    # Route: UPI goes half to our own UPI PSP, the rest (and other methods) to a gateway the
    # merchant is on; a retry may fail over to another gateway.
    pick = (rng.integers(0, 3, size=n_attempts) + a_no) % 3
    gw_code = merchants.gateway_options[a_merchant, pick]
    to_psp = (a_method == 0) & (rng.random(n_attempts) < 0.5)
    route = np.where(to_psp, ALL_ROUTES.index(UPI_PSP), gw_code).astype(np.int8)
    route_names = np.array(ALL_ROUTES, dtype=object)[route]
    method_names = np.array(METHODS, dtype=object)[a_method]
    success_p = np.array(
        [[GATEWAYS[r].success_rate[m] for m in METHODS] for r in ALL_ROUTES], dtype=np.float64
    )[route, a_method]
    captured = a_last & (succeeds[a_order] < success_p)

    day_start = ist_midnight_utc(day).replace(tzinfo=None)
    a_created_us = (
        o_seconds[a_order].astype(np.int64) * 1_000_000
        + (a_no.astype(np.int64) - 1) * rng.integers(20_000_000, 180_000_000, size=n_attempts)
        + rng.integers(0, 1_000_000, size=n_attempts)
    )
    lat_median = np.array(
        [[GATEWAYS[r].latency_ms_median[m] or 1 for m in METHODS] for r in ALL_ROUTES],
        dtype=np.float64,
    )[route, a_method]
    latency_ms = np.clip(lat_median * rng.lognormal(0, 0.5, size=n_attempts), 150, 120_000).astype(
        np.int32
    )
    gw_offset_us = rng.integers(200_000, 3_000_000, size=n_attempts).astype(np.int64)

    counters = counter_base + np.arange(n_attempts, dtype=np.uint64)
    order_counters = np.uint64(counter_base) + a_order.astype(np.uint64)

    amount = o_amount[a_order]
    mdr = merchants.mdr_bps[a_merchant, a_method]
    fee = mdr_fee_array(amount, mdr)
    gst = gst_on_array(fee)

    # --- discrepancy selection (payment level) ---------------------------------------------
    u = rng.random(n_attempts)
    kind = np.full(n_attempts, "", dtype=object)
    gw_captured = captured & (route != ALL_ROUTES.index(UPI_PSP))
    psp_captured = captured & (route == ALL_ROUTES.index(UPI_PSP))
    payment_kinds = [
        ("missing_in_gateway", gw_captured),
        ("missing_in_ledger", gw_captured),
        ("amount_mismatch", gw_captured),
        ("fee_mismatch", gw_captured & (fee > 0)),
        ("tax_mismatch", gw_captured & (fee >= 10)),
        ("duplicate", gw_captured),
        ("status_mismatch", gw_captured),
        ("refund_unreconciled", gw_captured & (a_created_us < 20 * 3_600_000_000)),
        ("chargeback_unreconciled", gw_captured & (a_method == 1)),
        ("cutover_timing", gw_captured),
        ("upi_deemed_unresolved", psp_captured),
    ]
    lo = 0.0
    for name, eligible in payment_kinds:
        rate = cfg.payment_rate(name)
        if rate <= 0:
            continue
        # Scale by eligibility so each kind is about `rate` of all attempts.
        share = eligible.mean() if n_attempts else 0.0
        hi = lo + (rate / share if share > 0 else 0.0)
        hit = eligible & (u >= lo) & (u < hi) & (kind == "")
        kind[hit] = name
        lo = hi

    is_kind = {name: kind == name for name, _ in payment_kinds}

    # Cut-over: the payment happens in the last minute of the IST day; the gateway stamps it
    # just after midnight, so it lands in the next day's cycle.
    cut = is_kind["cutover_timing"]
    a_created_us = np.where(
        cut, (86_400 - 60) * 1_000_000 + rng.integers(0, 50_000_000, size=n_attempts), a_created_us
    )
    gw_created_us = np.where(
        cut,
        86_400 * 1_000_000 + rng.integers(1_000_000, 30_000_000, size=n_attempts),
        a_created_us + gw_offset_us,
    )

    gw_amount = amount.copy()
    delta = np.maximum(100, (amount * rng.uniform(0.001, 0.05, size=n_attempts)).astype(np.int64))
    sign = np.where(rng.random(n_attempts) < 0.5, -1, 1)
    am = is_kind["amount_mismatch"]
    gw_amount = np.where(am, np.maximum(100, amount + sign * delta), gw_amount)
    gw_amount = np.where(am & (gw_amount == amount), amount + 100, gw_amount)
    gw_fee = mdr_fee_array(gw_amount, mdr)
    fm = is_kind["fee_mismatch"]
    gw_fee = np.where(
        fm, mdr_fee_array(gw_amount, mdr + rng.integers(10, 60, size=n_attempts)), gw_fee
    )
    gw_fee = np.where(fm & (gw_fee == fee), fee + 1, gw_fee)
    gw_tax = gst_on_array(gw_fee)
    tm = is_kind["tax_mismatch"]
    gw_tax = np.where(tm, gw_tax + np.maximum(1, gw_fee // 10), gw_tax)

    ledger_status = np.where(captured, "captured", "failed").astype(object)
    ledger_status[is_kind["status_mismatch"]] = "failed"
    gw_status = np.where(captured, "captured", "failed").astype(object)
    in_ledger = ~is_kind["missing_in_ledger"]
    in_gateway = ~is_kind["missing_in_gateway"]
    dup = is_kind["duplicate"]

    # Errors for failed attempts (and the timeout our side saw on a status mismatch).
    err_idx = rng.integers(0, 5, size=n_attempts)
    err_code = np.full(n_attempts, None, dtype=object)
    err_reason = np.full(n_attempts, None, dtype=object)
    for mi, mname in enumerate(METHODS):
        choices = GATEWAYS["razorpay"].errors[mname]
        sel = (a_method == mi) & ~captured
        if sel.any():
            idx = err_idx[sel] % len(choices)
            err_code[sel] = np.array([c for c, _ in choices], dtype=object)[idx]
            err_reason[sel] = np.array([r for _, r in choices], dtype=object)[idx]
    sm = is_kind["status_mismatch"]
    err_code[sm] = "GATEWAY_ERROR"
    err_reason[sm] = "gateway_timeout_status_unknown"

    # UPI deemed approvals (RB) on our own PSP: most resolve as TCC, injected ones as RET.
    deemed = psp_captured & (
        (rng.random(n_attempts) < DEEMED_RATE_UPI) | is_kind["upi_deemed_unresolved"]
    )
    upi_final = np.full(n_attempts, None, dtype=object)
    upi_final[deemed] = "TCC"
    upi_final[is_kind["upi_deemed_unresolved"]] = "RET"

    # Identifiers.
    payment_id = _prefixed("pay_", derived_bodies(seed, NS_PAYMENT, counters))
    order_id = _prefixed("order_", derived_bodies(seed, NS_ORDER, order_counters))
    gw_pid_razorpay = _prefixed("pay_", derived_bodies(seed, NS_GW_PAYMENT, counters))
    # Numeric gateway ids and RRNs must never collide: a bijection of the counter, not a hash.
    payu_id = pl.Series(permuted_digits(seed, NS_PAYU_ID, counters, 11).astype("U11"))
    ccav_id = pl.Series(permuted_digits(seed, NS_CCAV_ID, counters, 12).astype("U12"))
    is_upi = a_method == 0
    yday = day.timetuple().tm_yday
    rrn_tail = pl.Series(permuted_digits(seed, NS_RRN, counters, 8).astype("U8"))
    upi_txn = _prefixed("HSB", derived_bodies(seed, NS_UPI_TXN, counters).astype("U14"))

    frame = pl.DataFrame(
        {
            "payment_id": payment_id,
            "order_id": order_id,
            "attempt_no": a_no,
            "merchant_idx": a_merchant,
            "customer_idx": o_customer[a_order],
            "method": _strings(method_names),
            "route": _strings(route_names),
            "amount_paise": amount,
            "mdr_bps": mdr.astype(np.int32),
            "fee_paise": fee,
            "gst_paise": gst,
            "created_us": a_created_us,
            "latency_ms": latency_ms,
            "gw_created_us": gw_created_us,
            "ledger_status": _strings(ledger_status),
            "gw_status": _strings(gw_status),
            "error_code": _strings(err_code),
            "error_reason": _strings(err_reason),
            "gw_amount_paise": gw_amount,
            "gw_fee_paise": gw_fee,
            "gw_tax_paise": gw_tax,
            "in_ledger": in_ledger,
            "in_gateway": in_gateway,
            "gw_duplicate": dup,
            "upi_deemed": deemed,
            "upi_final": _strings(upi_final),
            "discrepancy": _strings(kind),
            "_razorpay_id": gw_pid_razorpay,
            "_payu_id": payu_id,
            "_ccav_id": ccav_id,
            "_is_upi": is_upi,
            "_rrn_tail": rrn_tail,
            "upi_txn_id": upi_txn,
        }
    )
    base = pl.lit(day_start)
    frame = (
        frame.with_columns(
            created_at=(base + pl.duration(microseconds=pl.col("created_us"))).dt.replace_time_zone(
                "UTC"
            ),
            gw_created_at=(
                base + pl.duration(microseconds=pl.col("gw_created_us"))
            ).dt.replace_time_zone("UTC"),
            gateway_payment_id=pl.when(pl.col("route") == "razorpay")
            .then(pl.col("_razorpay_id"))
            .when(pl.col("route") == "payu")
            .then(pl.col("_payu_id"))
            .when(pl.col("route") == "ccavenue")
            .then(pl.col("_ccav_id"))
            .otherwise(pl.col("upi_txn_id")),
            rrn=pl.when(pl.col("_is_upi"))
            .then(
                # RRN: last digit of the year, day of year, an 8-digit sequence number.
                pl.format(
                    "{}{}{}",
                    pl.lit(str(day.year % 10)),
                    pl.lit(f"{yday:03d}"),
                    pl.col("_rrn_tail"),
                )
            )
            .otherwise(None),
        )
        .with_columns(
            captured_at=pl.when(pl.col("ledger_status") == "captured")
            .then(pl.col("created_at") + pl.duration(milliseconds=pl.col("latency_ms")))
            .otherwise(None),
            business_date=pl.col("created_at").dt.convert_time_zone("Asia/Kolkata").dt.date(),
            gw_business_date=pl.col("gw_created_at").dt.convert_time_zone("Asia/Kolkata").dt.date(),
            cycle_days=pl.Series(merchants.cycle_days[a_merchant]),
        )
        .drop(
            "created_us",
            "gw_created_us",
            "_razorpay_id",
            "_payu_id",
            "_ccav_id",
            "_is_upi",
            "_rrn_tail",
        )
    )
    frame = frame.with_columns(
        cycle_date=pl.when(pl.col("route") == UPI_PSP)
        .then(pl.col("gw_business_date") + timedelta(days=1))
        .otherwise(calendar.settle_expr("gw_business_date", "cycle_days", frame))
    )

    refunds, chargebacks = _refunds_and_chargebacks(
        cfg, rng, frame, counters, kind, day, window_end, calendar
    )
    truth = _payment_truth(frame)
    return ChunkResult(attempts=frame, refunds=refunds, chargebacks=chargebacks, truth=truth)


def _refunds_and_chargebacks(
    cfg: WorldConfig,
    rng: np.random.Generator,
    frame: pl.DataFrame,
    counters: np.ndarray,
    kind: np.ndarray,
    day: date,
    window_end: date,
    calendar: SettlementCalendar,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = frame.height
    clean_gw = (
        (frame["gw_status"] == "captured").to_numpy()
        & (frame["route"] != UPI_PSP).to_numpy()
        & (kind == "")
    )
    refund_unrec = kind == "refund_unreconciled"
    cb_unrec = kind == "chargeback_unreconciled"
    u = rng.random(n)
    refunded = (clean_gw & (u < REFUND_RATE)) | refund_unrec
    is_card = (frame["method"] == "card").to_numpy()
    charged_back = (clean_gw & is_card & (u >= 0.5) & (u < 0.5 + CHARGEBACK_RATE_CARD)) | cb_unrec

    amount = frame["amount_paise"].to_numpy()
    full = rng.random(n) < FULL_REFUND_SHARE
    part = np.maximum(100, (amount * rng.uniform(0.1, 0.9, size=n)).astype(np.int64) // 100 * 100)
    refund_amount = np.where(full, amount, np.minimum(part, amount))
    end_us = (window_end - day).days * 86_400_000_000 + 86_399_000_000
    # A refund or dispute happens before the window closes; what would fall later is not made.
    refund_after_us = rng.integers(3_600_000_000, 4 * 86_400_000_000, size=n)
    cb_after_us = rng.integers(86_400_000_000, 6 * 86_400_000_000, size=n)
    # Injected refund/chargeback faults must land inside the window: they happen within hours.
    soon = rng.integers(3_600_000_000, 3 * 3_600_000_000, size=n)
    refund_after_us = np.where(refund_unrec, soon, refund_after_us)
    cb_after_us = np.where(cb_unrec, soon, cb_after_us)

    def build(
        mask: np.ndarray,
        after_us: np.ndarray,
        amounts: np.ndarray,
        prefix: str,
        ns: int,
        unrec: np.ndarray,
        kind_name: str,
        id_col: str,
    ) -> pl.DataFrame:
        idx = np.nonzero(mask)[0]
        sub = frame[idx]
        base_us = sub["created_at"].dt.timestamp("us").to_numpy()
        at_us = base_us + after_us[idx]
        day_start_us = int(ist_midnight_utc(day).timestamp() * 1_000_000)
        keep = (at_us - day_start_us) <= end_us
        idx, at_us = idx[keep], at_us[keep]
        sub = frame[idx]
        ids = _prefixed(prefix, derived_bodies(cfg.seed, ns, counters[idx]))
        out = pl.DataFrame(
            {
                id_col: ids,
                "payment_id": sub["payment_id"],
                "gateway_payment_id": sub["gateway_payment_id"],
                "order_id": sub["order_id"],
                "merchant_idx": sub["merchant_idx"],
                "route": sub["route"],
                "method": sub["method"],
                "cycle_days": sub["cycle_days"],
                "amount_paise": amounts[idx],
                "created_at": pl.Series(at_us).cast(pl.Datetime("us", "UTC")),
                "in_ledger": ~unrec[idx],
                "discrepancy": pl.Series(np.where(unrec[idx], kind_name, ""), dtype=pl.String),
            }
        )
        out = out.with_columns(
            business_date=pl.col("created_at").dt.convert_time_zone("Asia/Kolkata").dt.date()
        )
        return out.with_columns(cycle_date=calendar.settle_expr("business_date", "cycle_days", out))

    refunds = build(
        refunded,
        refund_after_us,
        refund_amount,
        "rfnd_",
        NS_REFUND,
        refund_unrec,
        "refund_unreconciled",
        "refund_id",
    )
    chargebacks = build(
        charged_back,
        cb_after_us,
        amount,
        "chb_",
        NS_CHARGEBACK,
        cb_unrec,
        "chargeback_unreconciled",
        "chargeback_id",
    )
    return refunds, chargebacks


def _payment_truth(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("discrepancy") != "").select(
        kind=pl.col("discrepancy"),
        route=pl.col("route"),
        merchant_idx=pl.col("merchant_idx"),
        payment_id=pl.col("payment_id"),
        gateway_payment_id=pl.col("gateway_payment_id"),
        rrn=pl.col("rrn"),
        business_date=pl.col("business_date"),
        expected_paise=pl.when(pl.col("discrepancy") == "fee_mismatch")
        .then(pl.col("fee_paise"))
        .when(pl.col("discrepancy") == "tax_mismatch")
        .then(pl.col("gst_paise"))
        .otherwise(pl.col("amount_paise")),
        actual_paise=pl.when(pl.col("discrepancy") == "fee_mismatch")
        .then(pl.col("gw_fee_paise"))
        .when(pl.col("discrepancy") == "tax_mismatch")
        .then(pl.col("gw_tax_paise"))
        .otherwise(pl.col("gw_amount_paise")),
    )
