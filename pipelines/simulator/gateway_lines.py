"""Turn a chunk's attempts, refunds and chargebacks into the lines each gateway settles.

A *gateway line* is one row of a settlement report, in a canonical internal shape that each
format writer (Razorpay, PayU, CCAvenue) renders in its own layout. Lines carry the settlement
they belong to, whose id, UTR and actual date are derived from the settlement key
``(gateway, merchant, cycle date)`` so that every chunk agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import polars as pl

from hisaab.calendar import IST, add_business_days
from pipelines.simulator import keys
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.gateways import GATEWAYS, UPI_PSP

SETTLED_AT_IST = time(10, 30)  # gateways push settlements mid-morning

LINE_SCHEMA = {
    "line_type": pl.String,  # payment | refund | chargeback
    "entity_id": pl.String,  # gateway's id of the line's own object
    "gateway_payment_id": pl.String,
    "payment_id": pl.String,  # ours
    "order_id": pl.String,
    "refund_id": pl.String,
    "chargeback_id": pl.String,
    "route": pl.String,
    "merchant_id": pl.String,
    "method": pl.String,
    "amount_paise": pl.Int64,
    "fee_paise": pl.Int64,  # excluding GST
    "tax_paise": pl.Int64,  # GST on the fee
    "created_at": pl.Datetime("us", "UTC"),
    "cycle_date": pl.Date,
    "settled_on": pl.Date,
    "settled_at": pl.Datetime("us", "UTC"),
    "settlement_id": pl.String,
    "settlement_utr": pl.String,
    "rrn": pl.String,
    "card_network": pl.String,
    "card_issuer": pl.String,
    "card_type": pl.String,
    "bank_code": pl.String,
    "wallet": pl.String,
}


@dataclass(frozen=True)
class SettlementKey:
    route: str
    merchant_id: str
    cycle_date: date
    settlement_id: str
    settlement_utr: str
    settled_on: date
    delay_business_days: int


class SettlementKeys:
    """Derives and remembers each settlement's id, UTR and (possibly delayed) date."""

    def __init__(self, cfg: WorldConfig) -> None:
        self.cfg = cfg
        self._keys: dict[tuple[str, str, date], SettlementKey] = {}

    def get(self, route: str, merchant_id: str, cycle_date: date) -> SettlementKey:
        k = (route, merchant_id, cycle_date)
        if k not in self._keys:
            seed = self.cfg.seed
            delay = 0
            if route != UPI_PSP and keys.uniform(seed, "delay", *k) < self.cfg.settlement_rate(
                "settlement_delayed"
            ):
                delay = 1 + keys.derived_int(seed, 3, "delay_days", *k)
            settled_on = add_business_days(cycle_date, delay) if delay else cycle_date
            remitter = GATEWAYS[route].remitter_ifsc
            self._keys[k] = SettlementKey(
                route=route,
                merchant_id=merchant_id,
                cycle_date=cycle_date,
                settlement_id=keys.object_id("setl", seed, *k),
                # Our UPI PSP is settled by NPCI in one daily credit shared by all merchants.
                settlement_utr=keys.neft_utr(remitter, settled_on, seed, "utr", *k)
                if route != UPI_PSP
                else keys.neft_utr(remitter, settled_on, seed, "upi_daily", settled_on),
                settled_on=settled_on,
                delay_business_days=delay,
            )
        return self._keys[k]

    def all(self) -> list[SettlementKey]:
        return [self._keys[k] for k in sorted(self._keys)]

    def frame_for(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Settlement columns for each (route, merchant_id, cycle_date) in ``lines``."""
        uniq = lines.select("route", "merchant_id", "cycle_date").unique(maintain_order=True)
        rows = [
            self.get(r, m, d)
            for r, m, d in zip(
                uniq["route"].to_list(),
                uniq["merchant_id"].to_list(),
                uniq["cycle_date"].to_list(),
                strict=True,
            )
        ]
        return pl.DataFrame(
            {
                "route": [k.route for k in rows],
                "merchant_id": [k.merchant_id for k in rows],
                "cycle_date": [k.cycle_date for k in rows],
                "settlement_id": [k.settlement_id for k in rows],
                "settlement_utr": [k.settlement_utr for k in rows],
                "settled_on": [k.settled_on for k in rows],
                "settled_at": [
                    datetime.combine(k.settled_on, SETTLED_AT_IST, tzinfo=IST) for k in rows
                ],
            },
            schema={
                "route": pl.String,
                "merchant_id": pl.String,
                "cycle_date": pl.Date,
                "settlement_id": pl.String,
                "settlement_utr": pl.String,
                "settled_on": pl.Date,
                "settled_at": pl.Datetime("us", "UTC"),
            },
        )


def build_lines(
    attempts: pl.DataFrame,
    refunds: pl.DataFrame,
    chargebacks: pl.DataFrame,
    settlement_keys: SettlementKeys,
) -> pl.DataFrame:
    """Every line the gateways (not the UPI PSP) put in their settlement reports for this chunk.

    ``attempts`` must already carry ``merchant_id`` and the customer's card/bank/wallet columns.
    A duplicated payment line (an injected ``duplicate``) appears twice.
    """
    pays = attempts.filter(
        (pl.col("gw_status") == "captured") & pl.col("in_gateway") & (pl.col("route") != UPI_PSP)
    )
    pays = pl.concat([pays, pays.filter(pl.col("gw_duplicate"))]).sort(
        "gw_created_at", "payment_id", maintain_order=True
    )
    pay_lines = pays.select(
        line_type=pl.lit("payment"),
        entity_id=pl.col("gateway_payment_id"),
        gateway_payment_id=pl.col("gateway_payment_id"),
        payment_id=pl.col("payment_id"),
        order_id=pl.col("order_id"),
        refund_id=pl.lit(None, pl.String),
        chargeback_id=pl.lit(None, pl.String),
        route=pl.col("route"),
        merchant_id=pl.col("merchant_id"),
        method=pl.col("method"),
        amount_paise=pl.col("gw_amount_paise"),
        fee_paise=pl.col("gw_fee_paise"),
        tax_paise=pl.col("gw_tax_paise"),
        created_at=pl.col("gw_created_at"),
        cycle_date=pl.col("cycle_date"),
        rrn=pl.col("rrn"),
        card_network=pl.when(pl.col("method") == "card").then(pl.col("card_network")),
        card_issuer=pl.when(pl.col("method") == "card").then(pl.col("card_issuer")),
        card_type=pl.when(pl.col("method") == "card").then(pl.col("card_type")),
        bank_code=pl.when(pl.col("method") == "netbanking").then(pl.col("netbanking_bank")),
        wallet=pl.when(pl.col("method") == "wallet").then(pl.col("wallet")),
    )

    def money_out(frame: pl.DataFrame, line_type: str, id_col: str) -> pl.DataFrame:
        return frame.filter(pl.col("route") != UPI_PSP).select(
            line_type=pl.lit(line_type),
            entity_id=pl.col(id_col),
            gateway_payment_id=pl.col("gateway_payment_id"),
            payment_id=pl.col("payment_id"),
            order_id=pl.col("order_id"),
            refund_id=pl.col(id_col) if line_type == "refund" else pl.lit(None, pl.String),
            chargeback_id=pl.col(id_col) if line_type == "chargeback" else pl.lit(None, pl.String),
            route=pl.col("route"),
            merchant_id=pl.col("merchant_id"),
            method=pl.col("method"),
            amount_paise=pl.col("amount_paise"),
            fee_paise=pl.lit(0, pl.Int64),
            tax_paise=pl.lit(0, pl.Int64),
            created_at=pl.col("created_at"),
            cycle_date=pl.col("cycle_date"),
            rrn=pl.lit(None, pl.String),
            card_network=pl.lit(None, pl.String),
            card_issuer=pl.lit(None, pl.String),
            card_type=pl.lit(None, pl.String),
            bank_code=pl.lit(None, pl.String),
            wallet=pl.lit(None, pl.String),
        )

    lines = pl.concat(
        [
            pay_lines,
            money_out(refunds, "refund", "refund_id"),
            money_out(chargebacks, "chargeback", "chargeback_id"),
        ]
    )
    if lines.height == 0:
        return pl.DataFrame(schema=LINE_SCHEMA)
    lines = lines.join(
        settlement_keys.frame_for(lines),
        on=["route", "merchant_id", "cycle_date"],
        how="left",
        maintain_order="left",
    )
    return lines.select(list(LINE_SCHEMA)).cast(LINE_SCHEMA)  # type: ignore[arg-type]
