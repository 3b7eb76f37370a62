"""The bank side of the world: settlement credits, payouts, returns and strangers' credits.

Given the gateways' settlements, this builds what the escrow banks see: one credit per gateway
settlement (by its UTR), one UPI settlement credit a day, one payout debit per merchant per
account and day (NEFT, IMPS or RTGS), some payouts returned, and a few credits nobody can
explain. It then writes each account's daily statements in its bank's format and returns the
payouts and the bank-side ground truth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import polars as pl

from hisaab.calendar import next_business_day
from pipelines.simulator import keys, narrations
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.gateways import ESCROW_ACCOUNTS, GATEWAYS, RTGS_THRESHOLD_PAISE, UPI_PSP
from pipelines.simulator.statements import BankAccount, Statement, StatementEntry
from pipelines.simulator.writers import bank_csv, camt053, mt940

STATEMENT_WRITERS: dict[str, ModuleType] = {
    "bank_csv": bank_csv,
    "mt940": mt940,
    "camt053": camt053,
}
RETURN_REASONS = (
    "ACCOUNT DOES NOT EXIST",
    "ACCOUNT CLOSED",
    "INVALID IFSC",
    "BENEFICIARY NAME MISMATCH",
)
UNKNOWN_REMITTERS = (
    ("SHREE GANESH TRADERS", "SBIN0001234"),
    ("MAHALAXMI ENTERPRISES", "BARB0VJAHME"),
    ("R K DISTRIBUTORS", "PUNB0012300"),
    ("NAVKAR IMPEX", "KKBK0000958"),
    ("SAI BABA AGENCIES", "CNRB0002411"),
)
# Order of a day's entries: UPI settlement first thing, gateway credits mid-morning, returns,
# stray credits, then the afternoon payout run.
_ORDER = {"upi": 0, "settlement": 1, "return": 2, "unknown": 3, "payout": 4}


@dataclass
class BankActivity:
    payouts: pl.DataFrame
    truth: pl.DataFrame
    statements: int


@dataclass
class _Pending:
    source: str
    on: date
    order: int
    entry: StatementEntry


def _entry(
    on: date,
    amount: int,
    direction: str,
    channel: str,
    utr: str,
    narration: str,
    name: str,
    ifsc: str | None,
) -> StatementEntry:
    return StatementEntry(
        booking_date=on,
        value_date=on,
        amount_paise=amount,
        direction=direction,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        utr=utr,
        narration=narration,
        counterparty_name=name,
        counterparty_ifsc=ifsc,
        bank_reference="",
    )


def build_bank_activity(
    cfg: WorldConfig, settlements: pl.DataFrame, merchants: pl.DataFrame, out_dir: Path
) -> BankActivity:
    """Build entries and payouts, write every account's statements under ``out_dir`` (landing)."""
    seed = cfg.seed
    pending: list[_Pending] = []
    truth: list[dict[str, object]] = []
    payout_net: dict[tuple[str, str, date], int] = defaultdict(int)

    # Gateway settlements: one credit per settlement UTR, possibly short or excess.
    for row in settlements.iter_rows(named=True):
        route, net = row["route"], int(row["net_paise"])
        profile = GATEWAYS[route]
        source = profile.escrow_source
        payout_net[(source, row["merchant_id"], row["settled_on"])] += net
        if route == UPI_PSP:
            continue
        k = (row["settlement_id"],)
        credited = net
        kind = None
        if keys.uniform(seed, "short", *k) < cfg.settlement_rate("settlement_short"):
            kind = "settlement_short"
            credited = net - max(100, net * (5 + keys.derived_int(seed, 200, "sd", *k)) // 1000)
        elif keys.uniform(seed, "excess", *k) < cfg.settlement_rate("settlement_excess"):
            kind = "settlement_excess"
            credited = net + max(100, net * (5 + keys.derived_int(seed, 100, "ed", *k)) // 1000)
        if kind:
            truth.append(
                {
                    "kind": kind,
                    "source": "bank",
                    "gateway": route,
                    "merchant_id": row["merchant_id"],
                    "settlement_id": row["settlement_id"],
                    "settlement_utr": row["settlement_utr"],
                    "bank_source": source,
                    "bank_utr": row["settlement_utr"],
                    "business_date": row["settled_on"],
                    "expected_paise": net,
                    "actual_paise": credited,
                }
            )
        if credited == 0:
            continue
        account = ESCROW_ACCOUNTS[source]
        if credited > 0:
            narr = narrations.neft_credit(
                profile.remitter_ifsc,
                profile.legal_name,
                account.account_name,
                row["settlement_utr"],
            )
            entry = _entry(
                row["settled_on"],
                credited,
                "CR",
                "NEFT",
                row["settlement_utr"],
                narr,
                profile.legal_name,
                profile.remitter_ifsc,
            )
        else:  # refunds exceeded sales: the gateway recovers the shortfall by debit
            narr = f"ACH DR-{profile.legal_name[:35]}-RECOVERY-{row['settlement_utr']}"
            entry = _entry(
                row["settled_on"],
                -credited,
                "DR",
                "OTHER",
                row["settlement_utr"],
                narr,
                profile.legal_name,
                profile.remitter_ifsc,
            )
        pending.append(_Pending(source, row["settled_on"], _ORDER["settlement"], entry))

    # UPI: NPCI settles our PSP's approved transactions once a day, in one credit.
    upi = (
        settlements.filter(pl.col("route") == UPI_PSP)
        .group_by("settled_on", "settlement_utr")
        .agg(pl.col("net_paise").sum())
        .sort("settled_on")
    )
    upi_profile = GATEWAYS[UPI_PSP]
    for on, utr, amount in upi.iter_rows():
        if amount <= 0:
            continue
        entry = _entry(
            on,
            int(amount),
            "CR",
            "NEFT",
            utr,
            narrations.upi_settlement_credit(on, utr),
            upi_profile.legal_name,
            upi_profile.remitter_ifsc,
        )
        pending.append(_Pending(upi_profile.escrow_source, on, _ORDER["upi"], entry))

    # Payouts: each merchant is paid what each account received for it that day.
    m = {r["merchant_id"]: r for r in merchants.iter_rows(named=True)}
    payout_rows = []
    for (source, merchant_id, on), amount in sorted(payout_net.items()):
        if amount <= 0:
            continue
        account = ESCROW_ACCOUNTS[source]
        mer = m[merchant_id]
        k = (source, merchant_id, on)
        payout_id = keys.object_id("pout", seed, *k)
        bank = account.ifsc[:4]
        if amount >= RTGS_THRESHOLD_PAISE:
            mode, utr = "RTGS", keys.rtgs_utr(bank, on, seed, "pout", *k)
            narr = narrations.rtgs_debit(mer["bank_ifsc"], mer["beneficiary_name"], utr)
        elif keys.uniform(seed, "imps", *k) < 0.3:
            mode, utr = "IMPS", keys.rrn(on, seed, "pout", *k)
            narr = narrations.imps_debit(
                utr,
                mer["beneficiary_name"],
                mer["bank_ifsc"],
                beneficiary_account=mer["bank_account_number"],
            )
        else:
            mode, utr = "NEFT", keys.neft_utr(bank, on, seed, "pout", *k)
            narr = narrations.neft_debit(mer["bank_ifsc"], mer["beneficiary_name"], utr)
        channel = mode
        pending.append(
            _Pending(
                source,
                on,
                _ORDER["payout"],
                _entry(
                    on, amount, "DR", channel, utr, narr, mer["beneficiary_name"], mer["bank_ifsc"]
                ),
            )
        )
        returned = (
            mode == "NEFT" and keys.uniform(seed, "return", *k) < cfg.effective_payout_return_rate
        )
        payout_rows.append(
            {
                "payout_id": payout_id,
                "merchant_id": merchant_id,
                "bank_source": source,
                "payout_date": on,
                "amount_paise": amount,
                "mode": mode,
                "utr": utr,
                "beneficiary_ifsc": mer["bank_ifsc"],
                "beneficiary_account_number": mer["bank_account_number"],
                "is_returned": returned,
            }
        )
        if returned:
            back_on = next_business_day(on + timedelta(days=1))
            reason = RETURN_REASONS[keys.derived_int(seed, len(RETURN_REASONS), "why", *k)]
            pending.append(
                _Pending(
                    source,
                    back_on,
                    _ORDER["return"],
                    _entry(
                        back_on,
                        amount,
                        "CR",
                        "NEFT",
                        utr,
                        narrations.neft_return_credit(utr, reason),
                        mer["beneficiary_name"],
                        mer["bank_ifsc"],
                    ),
                )
            )
            truth.append(
                {
                    "kind": "payout_returned",
                    "source": "bank",
                    "merchant_id": merchant_id,
                    "payout_id": payout_id,
                    "bank_source": source,
                    "bank_utr": utr,
                    "business_date": back_on,
                    "expected_paise": amount,
                    "actual_paise": 0,
                    "detail": reason,
                }
            )

    # Credits nobody can explain.
    weeks = -(-cfg.days // 7)
    for source in sorted(ESCROW_ACCOUNTS):
        for i in range(cfg.effective_unknown_credits * weeks):
            k = (source, i)
            on = next_business_day(
                cfg.start + timedelta(days=keys.derived_int(seed, cfg.days, "ud", *k))
            )
            name, ifsc = UNKNOWN_REMITTERS[keys.derived_int(seed, len(UNKNOWN_REMITTERS), "un", *k)]
            amount = 1_000_00 + keys.derived_int(seed, 4_99_000_00, "ua", *k)
            utr = keys.neft_utr(ifsc, on, seed, "unknown", *k)
            pending.append(
                _Pending(
                    source,
                    on,
                    _ORDER["unknown"],
                    _entry(
                        on,
                        amount,
                        "CR",
                        "NEFT",
                        utr,
                        narrations.unknown_credit(name, utr, remitter_ifsc=ifsc),
                        name,
                        ifsc,
                    ),
                )
            )
            truth.append(
                {
                    "kind": "unmatched_bank_credit",
                    "source": "bank",
                    "bank_source": source,
                    "bank_utr": utr,
                    "business_date": on,
                    "expected_paise": 0,
                    "actual_paise": amount,
                    "detail": name,
                }
            )

    statements = _write_statements(cfg, pending, out_dir)
    payouts = pl.DataFrame(
        payout_rows,
        schema={
            "payout_id": pl.String,
            "merchant_id": pl.String,
            "bank_source": pl.String,
            "payout_date": pl.Date,
            "amount_paise": pl.Int64,
            "mode": pl.String,
            "utr": pl.String,
            "beneficiary_ifsc": pl.String,
            "beneficiary_account_number": pl.String,
            "is_returned": pl.Boolean,
        },
    )
    truth_frame = pl.DataFrame(truth, infer_schema_length=None) if truth else pl.DataFrame()
    return BankActivity(payouts=payouts, truth=truth_frame, statements=statements)


def _write_statements(cfg: WorldConfig, pending: list[_Pending], out_dir: Path) -> int:
    by_account_day: dict[tuple[str, date], list[_Pending]] = defaultdict(list)
    last = cfg.start + timedelta(days=cfg.days - 1)
    for p in pending:
        by_account_day[(p.source, p.on)].append(p)
        last = max(last, p.on)
    written = 0
    for source, account in sorted(ESCROW_ACCOUNTS.items()):
        balance = account.opening_balance_paise
        day, seq = cfg.start, 1
        while day <= last:
            todays = sorted(
                by_account_day.get((source, day), []),
                key=lambda p: (p.order, p.entry.utr, p.entry.amount_paise),
            )
            entries = tuple(
                _with_reference(p.entry, account, day, i) for i, p in enumerate(todays, start=1)
            )
            statement = Statement(
                account=account,
                statement_date=day,
                sequence_number=seq,
                opening_balance_paise=balance,
                entries=entries,
            )
            writer = STATEMENT_WRITERS[account.statement_format]
            path = out_dir / source / day.isoformat() / writer.filename(statement)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(writer.render(statement))
            balance = statement.closing_balance_paise
            written += 1
            day += timedelta(days=1)
            seq += 1
    return written


def _with_reference(
    entry: StatementEntry, account: BankAccount, day: date, n: int
) -> StatementEntry:
    ref = f"{account.bic[:4]}{day:%y%m%d}{n:06d}"
    return StatementEntry(**{**entry.__dict__, "bank_reference": ref})
