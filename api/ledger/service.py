"""Posting balanced entries for every money movement, and deriving balances from them.

Accounts (a name and an owner): ``gateway_receivable:<gateway>`` (asset: what a gateway owes us
for captured payments), ``merchant_payable:<merchant>`` (liability: what we owe a merchant),
``fee_revenue`` (income: MDR), ``gst_payable`` (liability: GST collected on the MDR),
``escrow_bank:<bank source>`` (asset: an escrow account a gateway settles into),
``gateway_fees:<gateway>`` (expense: the gateway's charge, deducted from its settlement) and
``gst_input_credit`` (asset: GST on the gateway's charge, claimable). The postings::

    payment.captured    Dr gateway_receivable A          Cr merchant_payable A
    payment.fee         Dr merchant_payable F+G          Cr fee_revenue F, gst_payable G
    refund.processed    Dr merchant_payable R            Cr gateway_receivable R
    chargeback.opened   Dr merchant_payable C            Cr gateway_receivable C
    chargeback.won      Dr gateway_receivable C          Cr merchant_payable C
    gateway_settlement  Dr escrow_bank N, gateway_fees F', gst_input_credit G'
                                                         Cr gateway_receivable S-R-C
    settlement.paid     Dr merchant_payable P            Cr escrow_bank:bank_hdfc P

The MDR is not returned on refunds, as with Razorpay. A gateway takes a disputed amount back
when the dispute opens and returns it when the merchant wins. A gateway settlement clears what
the gateway owed for the sales S less the refunds R and chargebacks C it settled, pays the net N
into its escrow account and keeps its charge F' with GST G' (a negative net, when deductions
exceed sales, is a recovery: a credit to the escrow account). ``settlement.paid`` is the payout
of a merchant's settlement from our nodal account (``NODAL_BANK``, the HDFC escrow account).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.ledger.models import JournalEntry, LedgerLine

FEE_REVENUE = "fee_revenue"
# Our nodal account is the HDFC escrow account (bank feed ``bank_hdfc``): payouts to merchants
# leave it, so its ledger balance moves as its bank statement does.
NODAL_BANK_SOURCE = "bank_hdfc"
GST_PAYABLE = "gst_payable"
GST_INPUT_CREDIT = "gst_input_credit"


def gateway_receivable(gateway: str) -> str:
    return f"gateway_receivable:{gateway}"


def merchant_payable(merchant_id: str) -> str:
    return f"merchant_payable:{merchant_id}"


def escrow_bank(bank_source: str) -> str:
    return f"escrow_bank:{bank_source}"


def gateway_fees(gateway: str) -> str:
    return f"gateway_fees:{gateway}"


NODAL_BANK = escrow_bank(NODAL_BANK_SOURCE)


@dataclass(frozen=True)
class Line:
    account: str
    side: str  # debit | credit
    amount_paise: int


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ, or with a non-positive line."""


def post_entry(
    db_session: Session,
    *,
    merchant_id: str,
    kind: str,
    ref_type: str,
    ref_id: str,
    description: str,
    lines: Sequence[Line],
) -> JournalEntry:
    """Post one balanced entry in the caller's transaction (it commits with the change)."""
    if len(lines) < 2:
        raise UnbalancedEntry(f"{kind} {ref_id}: an entry needs at least two lines")
    for line in lines:
        if not isinstance(line.amount_paise, int) or line.amount_paise <= 0:
            raise UnbalancedEntry(f"{kind} {ref_id}: line amounts must be positive paise")
        if line.side not in ("debit", "credit"):
            raise UnbalancedEntry(f"{kind} {ref_id}: side must be debit or credit")
    debits = sum(x.amount_paise for x in lines if x.side == "debit")
    credits = sum(x.amount_paise for x in lines if x.side == "credit")
    if debits != credits:
        raise UnbalancedEntry(f"{kind} {ref_id}: debits {debits} != credits {credits}")
    entry = JournalEntry(
        merchant_id=merchant_id,
        kind=kind,
        ref_type=ref_type,
        ref_id=ref_id,
        description=description,
        posted_at=utcnow(),
    )
    entry.lines = [
        LedgerLine(account=x.account, side=x.side, amount_paise=x.amount_paise) for x in lines
    ]
    db_session.add(entry)
    return entry


def post_capture(
    db_session: Session,
    *,
    merchant_id: str,
    payment_id: str,
    gateway: str,
    amount_paise: int,
    fee_paise: int,
    gst_paise: int,
) -> None:
    """The capture and its MDR fee with GST, as two balanced entries."""
    payable = merchant_payable(merchant_id)
    post_entry(
        db_session,
        merchant_id=merchant_id,
        kind="payment.captured",
        ref_type="payment",
        ref_id=payment_id,
        description=f"capture of {payment_id} via {gateway}",
        lines=[
            Line(gateway_receivable(gateway), "debit", amount_paise),
            Line(payable, "credit", amount_paise),
        ],
    )
    if fee_paise + gst_paise > 0:
        fee_lines = [Line(payable, "debit", fee_paise + gst_paise)]
        if fee_paise:
            fee_lines.append(Line(FEE_REVENUE, "credit", fee_paise))
        if gst_paise:
            fee_lines.append(Line(GST_PAYABLE, "credit", gst_paise))
        post_entry(
            db_session,
            merchant_id=merchant_id,
            kind="payment.fee",
            ref_type="payment",
            ref_id=payment_id,
            description=f"MDR and GST on {payment_id}",
            lines=fee_lines,
        )


def post_refund(
    db_session: Session,
    *,
    merchant_id: str,
    refund_id: str,
    payment_id: str,
    gateway: str,
    amount_paise: int,
) -> None:
    post_entry(
        db_session,
        merchant_id=merchant_id,
        kind="refund.processed",
        ref_type="refund",
        ref_id=refund_id,
        description=f"refund {refund_id} of {payment_id} via {gateway}",
        lines=[
            Line(merchant_payable(merchant_id), "debit", amount_paise),
            Line(gateway_receivable(gateway), "credit", amount_paise),
        ],
    )


def balances(db_session: Session, *, account_prefix: str | None = None) -> dict[str, int]:
    """Debit-positive balance per account, summed from the lines (never stored)."""
    signed = case(
        (LedgerLine.side == "debit", LedgerLine.amount_paise), else_=-LedgerLine.amount_paise
    )
    stmt = select(LedgerLine.account, func.sum(signed)).group_by(LedgerLine.account)
    if account_prefix:
        stmt = stmt.where(LedgerLine.account.startswith(account_prefix))
    return {account: int(total) for account, total in db_session.execute(stmt)}


def merchant_balance_paise(db_session: Session, *, merchant_id: str) -> int:
    """What we owe a merchant now (credit-positive)."""
    return -balances(db_session, account_prefix=merchant_payable(merchant_id)).get(
        merchant_payable(merchant_id), 0
    )


def post_settlement(
    db_session: Session, *, merchant_id: str, settlement_id: str, utr: str, amount_paise: int
) -> None:
    """The net paid out to a merchant from the nodal account."""
    post_entry(
        db_session,
        merchant_id=merchant_id,
        kind="settlement.paid",
        ref_type="settlement",
        ref_id=settlement_id,
        description=f"settlement {settlement_id} paid by NEFT, UTR {utr}",
        lines=[
            Line(merchant_payable(merchant_id), "debit", amount_paise),
            Line(NODAL_BANK, "credit", amount_paise),
        ],
    )


def post_chargeback(
    db_session: Session,
    *,
    merchant_id: str,
    chargeback_id: str,
    payment_id: str,
    gateway: str,
    amount_paise: int,
    won: bool = False,
) -> None:
    """A dispute opened (the gateway takes the amount back) or won (the gateway returns it)."""
    payable, receivable = merchant_payable(merchant_id), gateway_receivable(gateway)
    if won:
        kind, debit, credit = "chargeback.won", receivable, payable
        what = f"chargeback {chargeback_id} on {payment_id} won: {gateway} returns the amount"
    else:
        kind, debit, credit = "chargeback.opened", payable, receivable
        what = f"chargeback {chargeback_id} on {payment_id}: {gateway} takes the amount back"
    post_entry(
        db_session,
        merchant_id=merchant_id,
        kind=kind,
        ref_type="chargeback",
        ref_id=chargeback_id,
        description=what,
        lines=[Line(debit, "debit", amount_paise), Line(credit, "credit", amount_paise)],
    )


def gateway_settlement_lines(
    *,
    gateway: str,
    bank_source: str,
    gross_paise: int,
    fee_paise: int,
    tax_paise: int,
    refunds_paise: int,
    chargebacks_paise: int,
) -> list[Line]:
    """The lines of one gateway settlement; zero legs are left out, signs pick the side."""
    net = gross_paise - fee_paise - tax_paise - refunds_paise - chargebacks_paise
    legs = [
        (escrow_bank(bank_source), net),
        (gateway_fees(gateway), fee_paise),
        (GST_INPUT_CREDIT, tax_paise),
        (gateway_receivable(gateway), -(gross_paise - refunds_paise - chargebacks_paise)),
    ]
    return [
        Line(account, "debit" if amount > 0 else "credit", abs(amount))
        for account, amount in legs
        if amount != 0
    ]


def post_gateway_settlement(
    db_session: Session,
    *,
    merchant_id: str,
    settlement_id: str,
    gateway: str,
    bank_source: str,
    utr: str,
    gross_paise: int,
    fee_paise: int,
    tax_paise: int,
    refunds_paise: int,
    chargebacks_paise: int = 0,
) -> None:
    """A gateway's settlement batch for one merchant, received into its escrow account."""
    post_entry(
        db_session,
        merchant_id=merchant_id,
        kind="gateway_settlement",
        ref_type="gateway_settlement",
        ref_id=settlement_id,
        description=f"{gateway} settlement {settlement_id} into {bank_source}, UTR {utr}",
        lines=gateway_settlement_lines(
            gateway=gateway,
            bank_source=bank_source,
            gross_paise=gross_paise,
            fee_paise=fee_paise,
            tax_paise=tax_paise,
            refunds_paise=refunds_paise,
            chargebacks_paise=chargebacks_paise,
        ),
    )
