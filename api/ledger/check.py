"""The ledger's invariants, checked against the payments and refunds they came from.

Finance trusts the ledger only if it is provably consistent: every entry balances, the books as
a whole balance, every captured payment has exactly its capture and fee entries (the fee by the
one half-up rule of ``hisaab.money``), every processed refund exactly one refund entry, every
settlement its payout entry and totals that match what it paid out, every chargeback its
opening entry (and its win entry once won), every gateway settlement its escrow entry with the
lines its totals call for, nothing was posted for money that did not move, and each merchant's
payable balance equals what the payments, refunds, chargebacks and payouts say we owe. ``hisaab api ledger-check`` prints the violations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from api.chargebacks.models import Chargeback
from api.ledger.models import JournalEntry, LedgerLine
from api.ledger.service import (
    FEE_REVENUE,
    GST_PAYABLE,
    gateway_settlement_lines,
    merchant_payable,
)
from api.payments.models import Payment
from api.refunds.models import Refund
from api.settlements.models import GatewaySettlement, Settlement
from hisaab.money import fee_with_gst


@dataclass
class LedgerReport:
    entries: int = 0
    lines: int = 0
    total_debits_paise: int = 0
    total_credits_paise: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_ledger(db_session: Session, *, limit: int = 100) -> LedgerReport:
    report = LedgerReport()
    debit = case((LedgerLine.side == "debit", LedgerLine.amount_paise), else_=0)
    credit = case((LedgerLine.side == "credit", LedgerLine.amount_paise), else_=0)

    def violate(msg: str) -> None:
        if len(report.violations) < limit:
            report.violations.append(msg)

    per_entry = db_session.execute(
        select(
            JournalEntry.id,
            JournalEntry.kind,
            JournalEntry.ref_id,
            func.count(LedgerLine.id),
            func.coalesce(func.sum(debit), 0),
            func.coalesce(func.sum(credit), 0),
        )
        .outerjoin(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.kind, JournalEntry.ref_id)
    ).all()
    posted: dict[tuple[str, str], int] = {}
    for entry_id, kind, ref_id, n_lines, debits, credits in per_entry:
        report.entries += 1
        report.lines += int(n_lines)
        report.total_debits_paise += int(debits)
        report.total_credits_paise += int(credits)
        if n_lines < 2:
            violate(f"entry {entry_id} ({kind} {ref_id}) has {n_lines} lines")
        if int(debits) != int(credits):
            violate(f"entry {entry_id} ({kind} {ref_id}) debits {debits} != credits {credits}")
        posted[(kind, ref_id)] = entry_id
    if report.total_debits_paise != report.total_credits_paise:
        violate(
            f"books do not balance: debits {report.total_debits_paise} != credits "
            f"{report.total_credits_paise}"
        )

    # Entry amounts by (kind, ref_id, account, side).
    amounts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for kind, ref_id, account, side, amount in db_session.execute(
        select(
            JournalEntry.kind,
            JournalEntry.ref_id,
            LedgerLine.account,
            LedgerLine.side,
            LedgerLine.amount_paise,
        ).join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
    ):
        amounts[(kind, ref_id, account, side)] += int(amount)

    owed: dict[str, int] = defaultdict(int)
    seen_payments: set[str] = set()
    for p in db_session.scalars(
        select(Payment).where(Payment.status.in_(("captured", "refunded")))
    ):
        seen_payments.add(p.id)
        payable = merchant_payable(p.merchant_id)
        if ("payment.captured", p.id) not in posted:
            violate(f"captured payment {p.id} has no capture entry")
        elif amounts[("payment.captured", p.id, payable, "credit")] != p.amount_paise:
            violate(f"capture entry of {p.id} does not credit the merchant {p.amount_paise} paise")
        expected = fee_with_gst(p.amount_paise, p.mdr_bps or 0)
        if (p.fee_paise, p.tax_paise) != (expected.total_paise, expected.gst_paise):
            violate(
                f"payment {p.id} fee {p.fee_paise}/tax {p.tax_paise} differs from MDR "
                f"{p.mdr_bps} bps: {expected.total_paise}/{expected.gst_paise}"
            )
        if expected.total_paise:
            fee_posted = amounts[("payment.fee", p.id, FEE_REVENUE, "credit")]
            gst_posted = amounts[("payment.fee", p.id, GST_PAYABLE, "credit")]
            if (fee_posted, gst_posted) != (expected.fee_paise, expected.gst_paise):
                violate(
                    f"fee entry of {p.id} posts fee {fee_posted} and GST {gst_posted}, expected "
                    f"{expected.fee_paise} and {expected.gst_paise}"
                )
        elif ("payment.fee", p.id) in posted:
            violate(f"zero-MDR payment {p.id} has a fee entry")
        owed[p.merchant_id] += p.amount_paise - expected.total_paise

    for (kind, ref_id), entry_id in posted.items():
        if kind in ("payment.captured", "payment.fee") and ref_id not in seen_payments:
            violate(f"entry {entry_id} ({kind}) for {ref_id}, which is not a captured payment")

    refunded: dict[str, int] = defaultdict(int)
    for r in db_session.scalars(select(Refund)):
        has_entry = ("refund.processed", r.id) in posted
        if r.status == "processed":
            refunded[r.payment_id] += r.amount_paise
            owed[r.merchant_id] -= r.amount_paise
            if not has_entry:
                violate(f"processed refund {r.id} has no ledger entry")
            elif (
                amounts[("refund.processed", r.id, merchant_payable(r.merchant_id), "debit")]
                != r.amount_paise
            ):
                violate(
                    f"refund entry of {r.id} does not debit the merchant {r.amount_paise} paise"
                )
        elif has_entry:
            violate(f"refund {r.id} is {r.status} but was posted to the ledger")
    for st in db_session.scalars(select(Settlement)):
        owed[st.merchant_id] -= st.amount_paise
        if ("settlement.paid", st.id) not in posted:
            violate(f"settlement {st.id} has no ledger entry")
        elif (
            amounts[("settlement.paid", st.id, merchant_payable(st.merchant_id), "debit")]
            != st.amount_paise
        ):
            violate(
                f"settlement entry of {st.id} does not debit the merchant {st.amount_paise} paise"
            )
        deductions = st.fees_paise + st.refunds_paise + st.chargebacks_paise
        if st.gross_paise - deductions != st.amount_paise:
            violate(f"settlement {st.id}: gross - fees - refunds - chargebacks != net")
        paid = db_session.execute(
            select(
                func.coalesce(func.sum(Payment.amount_paise), 0),
                func.coalesce(func.sum(Payment.fee_paise), 0),
            ).where(Payment.settlement_id == st.id)
        ).one()
        refunds_in = db_session.scalar(
            select(func.coalesce(func.sum(Refund.amount_paise), 0)).where(
                Refund.settlement_id == st.id
            )
        )
        disputes_in = db_session.scalar(
            select(func.coalesce(func.sum(Chargeback.amount_paise), 0)).where(
                Chargeback.settlement_id == st.id
            )
        )
        disputes_back = db_session.scalar(
            select(func.coalesce(func.sum(Chargeback.amount_paise), 0)).where(
                Chargeback.returned_settlement_id == st.id
            )
        )
        if (
            int(paid[0]),
            int(paid[1]),
            int(refunds_in or 0),
            int(disputes_in or 0) - int(disputes_back or 0),
        ) != (st.gross_paise, st.fees_paise, st.refunds_paise, st.chargebacks_paise):
            violate(
                f"settlement {st.id} totals differ from the payments, refunds and chargebacks it "
                "paid out"
            )

    _check_chargebacks(db_session, posted, amounts, owed, violate)
    _check_gateway_settlements(db_session, posted, amounts, violate)

    for payment_id, total in refunded.items():
        p = db_session.get(Payment, payment_id)
        if p is not None and total > p.amount_paise:
            violate(f"payment {payment_id} refunded {total} paise, more than its {p.amount_paise}")

    signed = case(
        (LedgerLine.side == "credit", LedgerLine.amount_paise), else_=-LedgerLine.amount_paise
    )
    balances = dict(
        db_session.execute(
            select(LedgerLine.account, func.sum(signed))
            .where(LedgerLine.account.startswith("merchant_payable:"))
            .group_by(LedgerLine.account)
        ).all()
    )
    for merchant_id in set(owed) | {a.split(":", 1)[1] for a in balances}:
        balance = int(balances.get(merchant_payable(merchant_id), 0))
        if balance != owed.get(merchant_id, 0):
            violate(
                f"merchant {merchant_id}: ledger owes {balance} paise, payments and refunds say "
                f"{owed.get(merchant_id, 0)}"
            )
    return report


def _check_chargebacks(
    db_session: Session,
    posted: dict[tuple[str, str], int],
    amounts: dict[tuple[str, str, str, str], int],
    owed: dict[str, int],
    violate: Callable[[str], None],
) -> None:
    seen: set[str] = set()
    for c in db_session.scalars(select(Chargeback)):
        seen.add(c.id)
        payable = merchant_payable(c.merchant_id)
        if ("chargeback.opened", c.id) not in posted:
            violate(f"chargeback {c.id} has no ledger entry")
        elif amounts[("chargeback.opened", c.id, payable, "debit")] != c.amount_paise:
            violate(
                f"chargeback entry of {c.id} does not debit the merchant {c.amount_paise} paise"
            )
        won_posted = ("chargeback.won", c.id) in posted
        if c.status == "won":
            if not won_posted:
                violate(f"chargeback {c.id} was won but the win was not posted")
            elif amounts[("chargeback.won", c.id, payable, "credit")] != c.amount_paise:
                violate(f"win entry of {c.id} does not credit the merchant {c.amount_paise} paise")
        else:
            owed[c.merchant_id] -= c.amount_paise
            if won_posted:
                violate(f"chargeback {c.id} is {c.status} but a win was posted")
    for kind, ref_id in posted:
        if kind.startswith("chargeback.") and ref_id not in seen:
            violate(f"{kind} entry for {ref_id}, which is not a chargeback")


def _check_gateway_settlements(
    db_session: Session,
    posted: dict[tuple[str, str], int],
    amounts: dict[tuple[str, str, str, str], int],
    violate: Callable[[str], None],
) -> None:
    seen: set[str] = set()
    for g in db_session.scalars(select(GatewaySettlement)):
        seen.add(g.id)
        deductions = g.fee_paise + g.tax_paise + g.refunds_paise + g.chargebacks_paise
        if g.gross_paise - deductions != g.net_paise:
            violate(f"gateway settlement {g.id}: gross - fee - tax - refunds - chargebacks != net")
        if ("gateway_settlement", g.id) not in posted:
            violate(f"gateway settlement {g.id} has no ledger entry")
            continue
        expected = gateway_settlement_lines(
            gateway=g.gateway,
            bank_source=g.bank_source,
            gross_paise=g.gross_paise,
            fee_paise=g.fee_paise,
            tax_paise=g.tax_paise,
            refunds_paise=g.refunds_paise,
            chargebacks_paise=g.chargebacks_paise,
        )
        for line in expected:
            got = amounts[("gateway_settlement", g.id, line.account, line.side)]
            if got != line.amount_paise:
                violate(
                    f"gateway settlement entry of {g.id} posts {got} paise to {line.side} "
                    f"{line.account}, expected {line.amount_paise}"
                )
    for kind, ref_id in posted:
        if kind == "gateway_settlement" and ref_id not in seen:
            violate(f"gateway_settlement entry for {ref_id}, which is not a gateway settlement")
