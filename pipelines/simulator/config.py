"""What a simulated world looks like: its size, its seed and how dirty it is.

The defaults give the demo world; ``WorldConfig(clean=True)`` switches every injected
discrepancy off so ledger, gateway files and bank statements agree to the paisa.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# Each payment-level kind is a share of all payment attempts; settlement-level kinds a share of
# gateway settlements; payout_returned a share of payouts; unknown bank credits a count per
# account per week. Together the payment-level shares add up to about 2% of payments.
DEFAULT_PAYMENT_RATES: dict[str, float] = {
    "missing_in_gateway": 0.0025,
    "missing_in_ledger": 0.0020,
    "amount_mismatch": 0.0020,
    "fee_mismatch": 0.0025,
    "tax_mismatch": 0.0020,
    "duplicate": 0.0015,
    "status_mismatch": 0.0020,
    "refund_unreconciled": 0.0010,  # share of payments whose refund the ledger lacks
    "chargeback_unreconciled": 0.0005,
    "cutover_timing": 0.0015,  # not a break: clears the next day
    "upi_deemed_unresolved": 0.0015,  # deemed (RB) that ends in RET while the ledger says captured
}
DEFAULT_SETTLEMENT_RATES: dict[str, float] = {
    "settlement_delayed": 0.02,
    "settlement_short": 0.01,
    "settlement_excess": 0.005,
}
DEFAULT_PAYOUT_RETURN_RATE = 0.01
DEFAULT_UNKNOWN_CREDITS_PER_ACCOUNT_WEEK = 2

# Kinds that are not breaks once the next day's files are in.
NON_BREAK_KINDS = frozenset({"cutover_timing"})


@dataclass(frozen=True)
class WorldConfig:
    """Arguments of ``hisaab simulate``; the same config always yields byte-identical files."""

    days: int = 7
    merchants: int = 200
    payments: int = 200_000  # payment attempts (failed ones included)
    seed: int = 42
    start: date = date(2026, 11, 2)  # fixed default, so a world does not depend on today's date
    clean: bool = False
    discrepancy_scale: float = 1.0  # multiplies every default rate
    payment_rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PAYMENT_RATES))
    settlement_rates: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SETTLEMENT_RATES)
    )
    payout_return_rate: float = DEFAULT_PAYOUT_RETURN_RATE
    unknown_credits_per_account_week: int = DEFAULT_UNKNOWN_CREDITS_PER_ACCOUNT_WEEK
    corrupt: bool = False  # add bad files and damaged rows for ingestion to quarantine
    bnpl_drift: float = 0.0  # shift of the last BNPL applicant cohorts (pipelines.simulator.bnpl)
    aml_network: bool = True  # also build the account/transfer network with AML typologies
    chunk_size: int = 250_000  # attempts per generation chunk: bounds memory, part of determinism

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be >= 1")
        if self.merchants < 1:
            raise ValueError("merchants must be >= 1")
        if self.payments < 1:
            raise ValueError("payments must be >= 1")
        if self.discrepancy_scale < 0:
            raise ValueError("discrepancy_scale must be >= 0")

    @property
    def customers(self) -> int:
        return int(min(2_000_000, max(1_000, self.payments // 8)))

    def payment_rate(self, kind: str) -> float:
        return 0.0 if self.clean else self.payment_rates.get(kind, 0.0) * self.discrepancy_scale

    def settlement_rate(self, kind: str) -> float:
        return 0.0 if self.clean else self.settlement_rates.get(kind, 0.0) * self.discrepancy_scale

    @property
    def effective_payout_return_rate(self) -> float:
        return 0.0 if self.clean else self.payout_return_rate * self.discrepancy_scale

    @property
    def effective_unknown_credits(self) -> int:
        if self.clean:
            return 0
        return round(self.unknown_credits_per_account_week * self.discrepancy_scale)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"] = self.start.isoformat()
        return d
