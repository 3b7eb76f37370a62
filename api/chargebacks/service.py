"""Recording gateway disputes on captured payments and their outcome, with their ledger postings.

A gateway takes the disputed amount back from us when it reports the dispute, so opening a
chargeback posts ``chargeback.opened`` (the merchant owes it back); a dispute the merchant wins
returns it (``chargeback.won``); a lost one stays deducted. The same dispute reported twice
(gateway and dispute id) is the first chargeback, not a second deduction. Disputes on one
payment can never add up to more than was captured and not refunded.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.chargebacks.models import CHARGEBACK_TRANSITIONS, Chargeback
from api.chargebacks.schemas import ChargebackCreate, ChargebackOut
from api.db import epoch, utcnow
from api.errors import ApiError, not_found
from api.ledger.service import post_chargeback
from api.payments.models import Payment
from api.webhooks.outbox import enqueue_event
from hisaab.ids import is_valid_id, new_id

DISPUTABLE = ("captured", "refunded")


def get_chargeback(db_session: Session, *, chargeback_id: str) -> Chargeback:
    if not is_valid_id(chargeback_id, "chb"):
        raise not_found("chargeback", chargeback_id)
    row = db_session.get(Chargeback, chargeback_id)
    if row is None:
        raise not_found("chargeback", chargeback_id)
    return row


def open_chargeback(db_session: Session, *, data: ChargebackCreate) -> Chargeback:
    """Record a dispute the gateway reported, and take the amount back from the merchant."""
    payment = (
        db_session.get(Payment, data.payment_id) if is_valid_id(data.payment_id, "pay") else None
    )
    if payment is None:
        raise not_found("payment", data.payment_id)
    if payment.status not in DISPUTABLE or payment.gateway is None:
        raise ApiError(
            400,
            f"Payment {payment.id} is {payment.status}; only captured payments can be disputed",
            reason="payment_not_disputable",
            field="payment_id",
        )
    existing = db_session.scalar(
        select(Chargeback).where(
            Chargeback.gateway == payment.gateway,
            Chargeback.gateway_dispute_id == data.gateway_dispute_id,
        )
    )
    if existing is not None:
        if existing.payment_id != payment.id:
            raise ApiError(
                409,
                f"Dispute {data.gateway_dispute_id} is already recorded on another payment",
                reason="dispute_on_another_payment",
                field="gateway_dispute_id",
            )
        return existing
    held = db_session.scalar(
        select(func.coalesce(func.sum(Chargeback.amount_paise), 0)).where(
            Chargeback.payment_id == payment.id, Chargeback.status != "won"
        )
    )
    disputable = payment.amount_paise - payment.amount_refunded_paise - int(held or 0)
    amount = disputable if data.amount is None else data.amount
    if amount <= 0 or amount > disputable:
        raise ApiError(
            400,
            f"The disputed amount ({amount} paise) is more than what is left on the payment "
            f"({disputable} paise)",
            reason="chargeback_amount_exceeds_balance",
            field="amount",
            metadata={"disputable": disputable},
        )
    chargeback = Chargeback(
        id=new_id("chb"),
        merchant_id=payment.merchant_id,
        payment_id=payment.id,
        gateway=payment.gateway,
        gateway_dispute_id=data.gateway_dispute_id,
        amount_paise=amount,
        currency=payment.currency,
        reason_code=data.reason_code,
        status="open",
        created_at=utcnow(),
    )
    db_session.add(chargeback)
    db_session.flush()
    post_chargeback(
        db_session,
        merchant_id=payment.merchant_id,
        chargeback_id=chargeback.id,
        payment_id=payment.id,
        gateway=payment.gateway,
        amount_paise=amount,
    )
    enqueue_event(
        db_session,
        merchant_id=payment.merchant_id,
        event="payment.dispute.created",
        entity="dispute",
        body=chargeback_out(chargeback).model_dump(),
    )
    return chargeback


def resolve_chargeback(db_session: Session, *, chargeback_id: str, status: str) -> Chargeback:
    """Move a dispute on (under review, won, lost); a win gives the merchant the amount back."""
    chargeback = get_chargeback(db_session, chargeback_id=chargeback_id)
    if status == chargeback.status:
        return chargeback
    if status not in CHARGEBACK_TRANSITIONS[chargeback.status]:
        raise ApiError(
            400,
            f"Chargeback {chargeback.id} is {chargeback.status}; it cannot become {status}",
            reason="chargeback_status_invalid",
            field="status",
        )
    chargeback.status = status
    if status in ("won", "lost"):
        chargeback.resolved_at = utcnow()
    if status == "won":
        post_chargeback(
            db_session,
            merchant_id=chargeback.merchant_id,
            chargeback_id=chargeback.id,
            payment_id=chargeback.payment_id,
            gateway=chargeback.gateway,
            amount_paise=chargeback.amount_paise,
            won=True,
        )
    enqueue_event(
        db_session,
        merchant_id=chargeback.merchant_id,
        event=f"payment.dispute.{status}",
        entity="dispute",
        body=chargeback_out(chargeback).model_dump(),
    )
    return chargeback


def chargeback_out(c: Chargeback) -> ChargebackOut:
    return ChargebackOut(
        id=c.id,
        payment_id=c.payment_id,
        merchant_id=c.merchant_id,
        gateway=c.gateway,
        gateway_dispute_id=c.gateway_dispute_id,
        amount=c.amount_paise,
        currency=c.currency,
        reason_code=c.reason_code,
        status=c.status,
        created_at=epoch(c.created_at),
        resolved_at=epoch(c.resolved_at) if c.resolved_at else None,
    )
