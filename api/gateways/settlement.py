"""Settlement files from the emulated gateways, for what they really processed.

User need: the recon analyst must see API traffic reconciled like any other: every capture and
refund the emulated Razorpay, PayU or CCAvenue processed appears in that gateway's settlement
file, in exactly the format the ingestion parses, with the gateway's fee and GST, settlement id
and UTR. ``write_settlement_files(gateway, settled_on, landing_dir)`` writes the file of one
settlement date to ``<landing_dir>/<gateway>/<settled_on>/<the gateway's file name>``.

The lines are built from the journal in the simulator's canonical line shape
(``pipelines.simulator.gateway_lines.LINE_SCHEMA``) and rendered by the simulator's writers
(``pipelines.simulator.writers.{razorpay,payu,ccavenue}``), so there is one definition of each
format. Settlement ids and UTRs come from the simulator's ``SettlementKeys`` for the settlement
key ``(gateway, merchant, cycle date)``, so every run agrees. Conventions, as in the simulator:

* a capture settles on the T+N business day (the merchant's cycle) after the IST date of its
  capture, and its line's ``created_at`` is the capture time (the recon's due date counts from it);
* a refund settles T+N after its own IST date, carries no fee, and is identified by our refund
  id (Razorpay ``entity_id``, PayU ``refund_id``); CCAvenue refunds carry no id, as in its export;
* fee and GST are the ones charged at capture (``hisaab.money``: contracted MDR, 18% GST,
  half-up per transaction); Razorpay's ``fee`` column includes the GST, PayU and CCAvenue show
  the fee without GST and the tax apart.

``SettlementFault`` makes the file disagree with the journal on purpose (drop a line, overcharge
a fee, get the GST wrong, change an amount, duplicate a line), so an end-to-end test can inject
a gateway fault and look for the right break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from types import ModuleType

import polars as pl
from sqlalchemy.orm import Session

from api.gateways.journal import GatewayJournal, PaymentRow, RefundRow, from_us
from hisaab.calendar import IST
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.gateway_lines import LINE_SCHEMA, SETTLED_AT_IST, SettlementKeys
from pipelines.simulator.writers import ccavenue as ccavenue_writer
from pipelines.simulator.writers import payu as payu_writer
from pipelines.simulator.writers import razorpay as razorpay_writer

WRITERS: dict[str, ModuleType] = {
    "razorpay": razorpay_writer,
    "payu": payu_writer,
    "ccavenue": ccavenue_writer,
}

# Fault kinds and the recon break each should cause.
DROP_LINE = "drop_line"  # missing_in_gateway
FEE_OVERCHARGE = "fee_overcharge"  # fee_mismatch
TAX_ERROR = "tax_error"  # tax_mismatch
AMOUNT_MISMATCH = "amount_mismatch"  # amount_mismatch
DUPLICATE_LINE = "duplicate_line"  # duplicate
FAULT_KINDS = (DROP_LINE, FEE_OVERCHARGE, TAX_ERROR, AMOUNT_MISMATCH, DUPLICATE_LINE)


@dataclass(frozen=True)
class SettlementFault:
    """Make the settlement file wrong about one line: our payment (or refund) id."""

    kind: str
    reference: str  # our payment id for payment lines, our refund id for refund lines
    delta_paise: int = 100

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown settlement fault {self.kind!r}; known: {FAULT_KINDS}")


class SettlementFaultNotApplied(LookupError):
    """A fault names a line that is not in the file being written."""


def _settlement_keys(seed: int) -> SettlementKeys:
    return SettlementKeys(WorldConfig(seed=seed, clean=True))


def settlement_lines(
    gateway: str, settled_on: date, journal: GatewayJournal, *, seed: int = 0
) -> pl.DataFrame:
    """The gateway's settlement lines for ``settled_on`` in the canonical line shape."""
    if gateway not in WRITERS:
        raise ValueError(f"no settlement file for {gateway!r}")
    pays = journal.captured_payments(gateway, settled_on)
    refunds = journal.refunds_settled_on(gateway, settled_on)
    by_gpid: dict[str, PaymentRow] = {p.gateway_payment_id: p for p in pays}
    for r in refunds:
        if r.gateway_payment_id not in by_gpid:
            p = journal.payment(gateway, r.gateway_payment_id)
            assert p is not None, f"refund {r.refund_id} of an unknown payment"
            by_gpid[p.gateway_payment_id] = p
    keys = _settlement_keys(seed)
    rows = [_payment_line(p, keys) for p in pays]
    rows += [_refund_line(r, by_gpid[r.gateway_payment_id], keys) for r in refunds]
    if not rows:
        return pl.DataFrame(schema=LINE_SCHEMA)
    return pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")


def _common(p: PaymentRow, cycle: date, keys: SettlementKeys) -> dict[str, object]:
    k = keys.get(p.gateway, p.merchant_id, cycle)
    return {
        "gateway_payment_id": p.gateway_payment_id,
        "payment_id": p.payment_id,
        "order_id": p.order_id,
        "route": p.gateway,
        "merchant_id": p.merchant_id,
        "method": p.method,
        "cycle_date": cycle,
        "settled_on": k.settled_on,
        "settled_at": datetime.combine(k.settled_on, SETTLED_AT_IST, tzinfo=IST),
        "settlement_id": k.settlement_id,
        "settlement_utr": k.settlement_utr,
    }


def _payment_line(p: PaymentRow, keys: SettlementKeys) -> tuple[object, ...]:
    assert p.settled_on is not None and p.captured_at_us is not None
    line = {
        **_common(p, date.fromisoformat(p.settled_on), keys),
        "line_type": "payment",
        "entity_id": p.gateway_payment_id,
        "refund_id": None,
        "chargeback_id": None,
        "amount_paise": p.amount_paise,
        "fee_paise": p.fee_paise,
        "tax_paise": p.tax_paise,
        "created_at": from_us(p.captured_at_us),
        "rrn": p.rrn,
        "card_network": p.card_network if p.method == "card" else None,
        "card_issuer": p.card_issuer if p.method == "card" else None,
        "card_type": p.card_type if p.method == "card" else None,
        "bank_code": p.bank_code if p.method == "netbanking" else None,
        "wallet": p.wallet if p.method == "wallet" else None,
    }
    return tuple(line[c] for c in LINE_SCHEMA)


def _refund_line(r: RefundRow, p: PaymentRow, keys: SettlementKeys) -> tuple[object, ...]:
    line = {
        **_common(p, date.fromisoformat(r.settled_on), keys),
        "line_type": "refund",
        "entity_id": r.refund_id,
        "refund_id": r.refund_id,
        "chargeback_id": None,
        "amount_paise": r.amount_paise,
        "fee_paise": 0,
        "tax_paise": 0,
        "created_at": from_us(r.created_at_us),
        "rrn": None,
        "card_network": None,
        "card_issuer": None,
        "card_type": None,
        "bank_code": None,
        "wallet": None,
    }
    return tuple(line[c] for c in LINE_SCHEMA)


def apply_faults(lines: pl.DataFrame, faults: Sequence[SettlementFault]) -> pl.DataFrame:
    """``lines`` with each fault applied; a fault naming no line raises."""
    for f in faults:
        hit = (pl.col("payment_id") == f.reference) & (pl.col("line_type") == "payment")
        if lines.filter(pl.col("refund_id") == f.reference).height:
            hit = pl.col("refund_id") == f.reference
        if lines.filter(hit).height == 0:
            raise SettlementFaultNotApplied(f"{f.kind}: no line for {f.reference!r} in this file")
        if f.kind == DROP_LINE:
            lines = lines.filter(~hit)
        elif f.kind == DUPLICATE_LINE:
            lines = pl.concat([lines, lines.filter(hit)])
        else:
            column = {
                FEE_OVERCHARGE: "fee_paise",
                TAX_ERROR: "tax_paise",
                AMOUNT_MISMATCH: "amount_paise",
            }[f.kind]
            lines = lines.with_columns(
                pl.when(hit)
                .then(pl.col(column) + f.delta_paise)
                .otherwise(pl.col(column))
                .alias(column)
            )
    return lines


def render_settlement_file(gateway: str, lines: pl.DataFrame) -> bytes:
    """The file's bytes: the simulator writer's layout, CSV with a header."""
    buf = BytesIO()
    WRITERS[gateway].render(lines).write_csv(buf)
    return buf.getvalue()


def write_settlement_files(
    gateway: str,
    settled_on: date,
    landing_dir: Path,
    *,
    journal: GatewayJournal | None = None,
    seed: int | None = None,
    faults: Sequence[SettlementFault] = (),
) -> list[Path]:
    """Write ``gateway``'s settlement file for ``settled_on`` under ``landing_dir``.

    Returns the files written (none when the gateway settled nothing that day). Rewriting the
    same date gives byte-identical files. ``journal`` and ``seed`` default to the process's
    emulators (``get_connector``).
    """
    if journal is None or seed is None:
        from api.gateways.config import EmulatorSettings
        from api.gateways.emulator import default_journal

        journal = journal or default_journal()
        seed = EmulatorSettings().seed if seed is None else seed
    lines = apply_faults(settlement_lines(gateway, settled_on, journal, seed=seed), faults)
    if lines.height == 0:
        return []
    writer = WRITERS[gateway]
    path = Path(landing_dir) / gateway / settled_on.isoformat() / writer.file_name(settled_on)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(render_settlement_file(gateway, lines))
    tmp.replace(path)  # a reader never sees half a file
    return [path]


def settlement_batches(
    gateway: str, settled_on: date, journal: GatewayJournal, *, seed: int = 0
) -> pl.DataFrame:
    """One row per settlement (gateway, merchant, cycle): gross, fee, tax, refunds, net, UTR.

    What the gateway credits to our escrow account for each settlement, for the ledger's
    settlement postings and the bank statement side of an end-to-end world.
    """
    lines = settlement_lines(gateway, settled_on, journal, seed=seed)

    def total(kind: str, col: str = "amount_paise") -> pl.Expr:
        return pl.when(pl.col("line_type") == kind).then(pl.col(col)).otherwise(0).sum()

    return (
        lines.group_by("settlement_id", "settlement_utr", "merchant_id", "cycle_date", "settled_on")
        .agg(
            gross_paise=total("payment"),
            fee_paise=total("payment", "fee_paise"),
            tax_paise=total("payment", "tax_paise"),
            refunds_paise=total("refund"),
            lines=pl.len().cast(pl.Int64),
        )
        .with_columns(
            net_paise=pl.col("gross_paise")
            - pl.col("fee_paise")
            - pl.col("tax_paise")
            - pl.col("refunds_paise")
        )
        .sort("merchant_id", "cycle_date")
    )


def record_emulated_settlements(
    db_session: Session,
    settled_on: date,
    *,
    journal: GatewayJournal | None = None,
    seed: int | None = None,
) -> int:
    """Record in the ledger every settlement the emulated gateways paid on ``settled_on``.

    Each batch goes to the gateway's escrow account (as ``write_escrow_statements`` credits it);
    returns how many batches were recorded or already known.
    """
    from api.settlements.service import record_gateway_settlement
    from pipelines.simulator.gateways import GATEWAYS

    if journal is None or seed is None:
        from api.gateways.config import EmulatorSettings
        from api.gateways.emulator import default_journal

        journal = journal or default_journal()
        seed = EmulatorSettings().seed if seed is None else seed
    n = 0
    for gateway in WRITERS:
        for b in settlement_batches(gateway, settled_on, journal, seed=seed).iter_rows(named=True):
            record_gateway_settlement(
                db_session,
                settlement_id=b["settlement_id"],
                gateway=gateway,
                merchant_id=b["merchant_id"],
                bank_source=GATEWAYS[gateway].escrow_source,
                utr=b["settlement_utr"],
                settled_on=b["settled_on"],
                gross_paise=int(b["gross_paise"]),
                fee_paise=int(b["fee_paise"]),
                tax_paise=int(b["tax_paise"]),
                refunds_paise=int(b["refunds_paise"]),
            )
            n += 1
    return n
