"""Full and partial refunds of captured payments.

The refundable balance is reserved on the payment (optimistic lock) before the gateway is
called, so two refunds racing each other can never add up to more than was captured. A refund
posts to the ledger only once the gateway has processed it; a failed one releases its reserve.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import Database, epoch, utcnow
from api.errors import ApiError, not_found
from api.ledger.service import post_refund
from api.payments.gateway_port import GatewayPort
from api.payments.service import get_payment, payment_out, transition, unit_of_work
from api.refunds.models import Refund
from api.refunds.schemas import RefundCreate, RefundOut
from api.schemas import Page
from api.webhooks.outbox import enqueue_event
from hisaab.ids import is_valid_id, new_id


def get_refund(db_session: Session, *, merchant_id: str, refund_id: str) -> Refund:
    if not is_valid_id(refund_id, "rfnd"):
        raise not_found("refund", refund_id)
    refund = db_session.get(Refund, refund_id)
    if refund is None or refund.merchant_id != merchant_id:
        raise not_found("refund", refund_id)
    return refund


def list_refunds(
    db_session: Session, *, merchant_id: str, page: Page, payment_id: str | None = None
) -> list[Refund]:
    from api.orders.service import _ts

    stmt = select(Refund).where(Refund.merchant_id == merchant_id)
    if payment_id is not None:
        stmt = stmt.where(Refund.payment_id == payment_id)
    if page.from_ is not None:
        stmt = stmt.where(Refund.created_at >= _ts(page.from_))
    if page.to is not None:
        stmt = stmt.where(Refund.created_at <= _ts(page.to))
    stmt = stmt.order_by(Refund.created_at.desc(), Refund.id.desc())
    return list(db_session.scalars(stmt.offset(page.skip).limit(page.count)))


def create_refund(
    *, db: Database, port: GatewayPort, merchant_id: str, payment_id: str, data: RefundCreate
) -> Refund:
    with unit_of_work(db, "payment") as session:
        payment = get_payment(session, merchant_id=merchant_id, payment_id=payment_id)
        if payment.status != "captured":
            raise ApiError(
                400,
                f"Payment {payment.id} is {payment.status}; only captured payments can be refunded",
                reason="payment_not_refundable",
                field="payment_id",
            )
        refundable = payment.amount_paise - payment.amount_refunded_paise
        amount = refundable if data.amount is None else data.amount
        if amount > refundable or amount <= 0:
            raise ApiError(
                400,
                f"The refund amount ({amount} paise) is more than what is left to refund "
                f"({refundable} paise)",
                reason="refund_amount_exceeds_balance",
                field="amount",
                metadata={"refundable": refundable},
            )
        payment.amount_refunded_paise += amount  # the reserve: version-checked on commit
        refund = Refund(
            id=new_id("rfnd"),
            merchant_id=merchant_id,
            payment_id=payment.id,
            amount_paise=amount,
            currency=payment.currency,
            status="pending",
            speed_requested=data.speed,
            receipt=data.receipt,
            notes=dict(data.notes),
            gateway=payment.gateway or "",
            created_at=utcnow(),
        )
        session.add(refund)
        gateway, gateway_payment_id = (
            payment.gateway or "",
            payment.gateway_payment_id or payment.id,
        )
    result = port.refund(gateway, gateway_payment_id, amount, refund.id)
    with unit_of_work(db, "payment") as session:
        refund = get_refund(session, merchant_id=merchant_id, refund_id=refund.id)
        apply_refund_result(session, refund, result)
    return refund


def apply_refund_result(db_session: Session, refund: Refund, result: object) -> None:
    """Record the gateway's answer for a pending refund (also used by status checks)."""
    outcome = getattr(result, "outcome", "unknown")
    payment = get_payment(db_session, merchant_id=refund.merchant_id, payment_id=refund.payment_id)
    refund.gateway_refund_id = (
        getattr(result, "gateway_refund_id", None) or refund.gateway_refund_id
    )
    if outcome == "success":
        refund.status = "processed"
        refund.processed_at = utcnow()
        payment.refund_status = (
            "full" if payment.amount_refunded_paise >= payment.amount_paise else "partial"
        )
        if payment.refund_status == "full":
            transition(payment, "refunded")
        post_refund(
            db_session,
            merchant_id=refund.merchant_id,
            refund_id=refund.id,
            payment_id=payment.id,
            gateway=refund.gateway,
            amount_paise=refund.amount_paise,
        )
        enqueue_event(
            db_session,
            merchant_id=refund.merchant_id,
            event="refund.processed",
            entity="refund",
            body=refund_out(refund).model_dump(),
        )
        if payment.refund_status == "full":
            enqueue_event(
                db_session,
                merchant_id=refund.merchant_id,
                event="payment.refunded",
                entity="payment",
                body=payment_out(payment).model_dump(),
            )
    elif outcome == "failed":
        refund.status = "failed"
        refund.error_code = (getattr(result, "error_code", None) or "GATEWAY_ERROR")[:64]
        payment.amount_refunded_paise -= refund.amount_paise
        enqueue_event(
            db_session,
            merchant_id=refund.merchant_id,
            event="refund.failed",
            entity="refund",
            body=refund_out(refund).model_dump(),
        )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        amount=refund.amount_paise,
        currency=refund.currency,
        payment_id=refund.payment_id,
        notes=refund.notes or {},
        receipt=refund.receipt,
        acquirer_data={"arn": refund.gateway_refund_id},
        status=refund.status,
        speed_requested=refund.speed_requested,
        speed_processed="normal" if refund.status == "processed" else None,
        created_at=epoch(refund.created_at),
    )
