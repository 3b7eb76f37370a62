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

This covers settlement credits only; payouts to merchants are the ledger's, not the gateways'.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from api.gateways.journal import GatewayJournal
from api.gateways.settlement import settlement_batches
from pipelines.simulator import narrations
from pipelines.simulator.banking import STATEMENT_WRITERS
from pipelines.simulator.gateways import ESCROW_ACCOUNTS, GATEWAYS
from pipelines.simulator.statements import Statement, StatementEntry

EMULATED = ("razorpay", "payu", "ccavenue")


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
) -> list[Path]:
    """Write every escrow account's statement for each day in [first_day, last_day]."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    adjust = dict(credit_adjustments or {})
    batches = _settled_between(journal, first_day, last_day, seed)
    balances = {
        s: a.opening_balance_paise + _prior_net(journal, first_day, seed).get(s, 0)
        for s, a in ESCROW_ACCOUNTS.items()
    }
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
