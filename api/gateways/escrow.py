"""The escrow banks' statements for what the emulated gateways settled.

User need: for API traffic to reconcile with zero breaks, each settlement the emulated
gateways pay out must also arrive in our escrow account, as the bank reports it: Razorpay
settles into the HDFC account (Indian bank CSV), PayU into ICICI (MT940), CCAvenue into Axis
(camt.053), as in the simulated world (``pipelines.simulator.gateways``).
``write_escrow_statements(first_day, last_day, landing_dir)`` writes each account's statement
for every calendar day in the range (an empty day still has a statement, so balances stay
continuous), with one NEFT credit per settlement UTR: the settlement's net
(``gross − fee − GST − refunds``; a net debit is a recovery debit, as the simulator books it).
Entries are rendered by the simulator's statement writers, narrations by its narration rules.

The opening balance of ``first_day`` is the account's opening balance plus every settlement
the journal holds before it, so statements written day by day chain. ``credit_adjustments``
(settlement id → paise added to the credit; negative for short) is the fault hook for a
short or excess credit.

Payouts to merchants are the ledger's, not the gateways': ``payouts`` (``nodal_payouts`` reads
them from the API's settlements) adds each as a NEFT debit on the nodal account's statement of
its date; payouts dated before ``first_day`` only move the opening balance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.gateways.journal import GatewayJournal
from api.gateways.settlement import settlement_batches
from pipelines.simulator import narrations
from pipelines.simulator.banking import STATEMENT_WRITERS
from pipelines.simulator.gateways import ESCROW_ACCOUNTS, GATEWAYS
from pipelines.simulator.statements import Statement, StatementEntry

EMULATED = ("razorpay", "payu", "ccavenue")


@dataclass(frozen=True)
class PayoutDebit:
    """A payout to a merchant as our bank books it: a NEFT debit with the payout's UTR."""

    bank_source: str
    paid_on: date
    amount_paise: int
    utr: str
    beneficiary_name: str
    beneficiary_ifsc: str


def nodal_payouts(db_session: Session) -> list[PayoutDebit]:
    """Every merchant settlement the API paid, as a debit on the nodal account."""
    from api.ledger.service import NODAL_BANK_SOURCE
    from api.merchants.models import Merchant
    from api.settlements.models import Settlement

    rows = db_session.execute(
        select(Settlement, Merchant)
        .join(Merchant, Merchant.id == Settlement.merchant_id)
        .order_by(Settlement.settlement_date, Settlement.utr)
    ).all()
    return [
        PayoutDebit(
            NODAL_BANK_SOURCE, s.settlement_date, s.amount_paise, s.utr, m.name, m.settlement_ifsc
        )
        for s, m in rows
    ]


def _settled_between(
    journal: GatewayJournal, first: date, last: date, seed: int
) -> dict[tuple[str, date], list[dict[str, object]]]:
    """Settlement batches by (escrow source, settled_on) for every day in [first, last]."""
    out: dict[tuple[str, date], list[dict[str, object]]] = {}
    day = first
    while day <= last:
        for gateway in EMULATED:
            batches = settlement_batches(gateway, day, journal, seed=seed)
            if batches.height:
                rows = [{**r, "gateway": gateway} for r in batches.iter_rows(named=True)]
                out.setdefault((GATEWAYS[gateway].escrow_source, day), []).extend(rows)
        day += timedelta(days=1)
    return out


def _prior_net(journal: GatewayJournal, before: date, seed: int) -> dict[str, int]:
    """Net settled into each escrow account on every day before ``before``."""
    days = [d for d in journal.settlement_days() if d < before]
    totals: dict[str, int] = {}
    if days:
        for rows in _settled_between(journal, min(days), before - timedelta(days=1), seed).items():
            (source, _), batches = rows
            totals[source] = totals.get(source, 0) + sum(int(b["net_paise"]) for b in batches)  # type: ignore[call-overload]
    return totals


def _payout_entry(p: PayoutDebit, n: int) -> StatementEntry:
    account = ESCROW_ACCOUNTS[p.bank_source]
    return StatementEntry(
        booking_date=p.paid_on,
        value_date=p.paid_on,
        amount_paise=p.amount_paise,
        direction="DR",
        channel="NEFT",
        utr=p.utr,
        narration=narrations.neft_debit(p.beneficiary_ifsc, p.beneficiary_name, p.utr),
        counterparty_name=p.beneficiary_name,
        counterparty_ifsc=p.beneficiary_ifsc,
        bank_reference=f"{account.bic[:4]}{p.paid_on:%y%m%d}{n:06d}",
    )


def _entry(batch: Mapping[str, object], credited: int, on: date, n: int) -> StatementEntry:
    gateway = str(batch["gateway"])
    profile = GATEWAYS[gateway]
    account = ESCROW_ACCOUNTS[profile.escrow_source]
    utr = str(batch["settlement_utr"])
    if credited >= 0:
        narration = narrations.neft_credit(
            profile.remitter_ifsc, profile.legal_name, account.account_name, utr
        )
        direction, channel = "CR", "NEFT"
    else:
        narration = f"ACH DR-{profile.legal_name[:35]}-RECOVERY-{utr}"
        direction, channel = "DR", "OTHER"
    return StatementEntry(
        booking_date=on,
        value_date=on,
        amount_paise=abs(credited),
        direction=direction,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        utr=utr,
        narration=narration,
        counterparty_name=profile.legal_name,
        counterparty_ifsc=profile.remitter_ifsc,
        bank_reference=f"{account.bic[:4]}{on:%y%m%d}{n:06d}",
    )


def write_escrow_statements(
    first_day: date,
    last_day: date,
    landing_dir: Path,
    *,
    journal: GatewayJournal,
    seed: int = 0,
    credit_adjustments: Mapping[str, int] | None = None,
    payouts: Sequence[PayoutDebit] = (),
) -> list[Path]:
    """Write every escrow account's statement for each day in [first_day, last_day]."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    unknown = {p.bank_source for p in payouts} - set(ESCROW_ACCOUNTS)
    if unknown:
        raise KeyError(f"payouts from accounts we do not hold: {sorted(unknown)}")
    adjust = dict(credit_adjustments or {})
    batches = _settled_between(journal, first_day, last_day, seed)
    prior = _prior_net(journal, first_day, seed)
    for p in payouts:
        if p.paid_on < first_day:
            prior[p.bank_source] = prior.get(p.bank_source, 0) - p.amount_paise
    balances = {s: a.opening_balance_paise + prior.get(s, 0) for s, a in ESCROW_ACCOUNTS.items()}
    written: list[Path] = []
    for source, account in sorted(ESCROW_ACCOUNTS.items()):
        day = first_day
        while day <= last_day:
            todays = sorted(
                batches.get((source, day), []),
                key=lambda b: (str(b["settlement_utr"]), str(b["settlement_id"])),
            )
            entries = []
            for n, b in enumerate(todays, start=1):
                credited = int(b["net_paise"]) + adjust.pop(str(b["settlement_id"]), 0)  # type: ignore[call-overload]
                if credited != 0:
                    entries.append(_entry(b, credited, day, n))
            paid = [p for p in payouts if p.bank_source == source and p.paid_on == day]
            for n, p in enumerate(paid, start=len(todays) + 1):
                entries.append(_payout_entry(p, n))
            statement = Statement(
                account=account,
                statement_date=day,
                sequence_number=day.timetuple().tm_yday,
                opening_balance_paise=balances[source],
                entries=tuple(entries),
            )
            writer = STATEMENT_WRITERS[account.statement_format]
            path = Path(landing_dir) / source / day.isoformat() / writer.filename(statement)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(writer.render(statement))
            written.append(path)
            balances[source] = statement.closing_balance_paise
            day += timedelta(days=1)
    if adjust:
        raise KeyError(f"credit adjustments for settlements not in range: {sorted(adjust)}")
    return written


def settlements_frame(
    first_day: date, last_day: date, *, journal: GatewayJournal, seed: int = 0
) -> pl.DataFrame:
    """Every emulated settlement batch in the range, one row each, with its gateway."""
    frames = []
    day = first_day
    while day <= last_day:
        for g in EMULATED:
            f = settlement_batches(g, day, journal, seed=seed)
            if f.height:
                frames.append(f.with_columns(gateway=pl.lit(g)))
        day += timedelta(days=1)
    return pl.concat(frames) if frames else pl.DataFrame()
