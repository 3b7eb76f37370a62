"""Payment attempts: create and route, authorise at the gateway, capture, read.

A gateway call never runs inside a database transaction: the attempt is committed first (so a
crash leaves a ``created`` payment to investigate, never a charge we do not know about), the
gateway is called, and its answer is recorded in a second transaction. ``unknown`` answers put
the payment in ``pending``; only ``check_status`` moves it on, never a blind retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.db import Database, epoch, utcnow
from api.errors import GATEWAY_ERROR, ApiError, not_found
from api.ledger.service import post_capture
from api.merchants.models import Merchant
from api.orders.models import Order
from api.orders.service import get_order
from api.payments.gateway_port import AttemptContext, GatewayPort
from api.payments.models import TRANSITIONS, Payment
from api.payments.schemas import AcquirerData, CaptureRequest, PaymentCreate, PaymentOut
from api.schemas import Page
from api.webhooks.outbox import enqueue_event
from hisaab.ids import is_valid_id, new_id
from hisaab.money import fee_with_gst


def conflict(what: str) -> ApiError:
    return ApiError(
        409,
        f"The {what} was changed by another request at the same time; fetch it and retry",
        reason="concurrent_update",
    )


@contextmanager
def unit_of_work(db: Database, what: str) -> Iterator[Session]:
    """A writing transaction; a lost optimistic-lock race becomes a 409, not a 500."""
    try:
        with db.session() as session:
            yield session
    except StaleDataError as exc:
        raise conflict(what) from exc


def transition(payment: Payment, new_status: str) -> None:
    """Move a payment to ``new_status`` or refuse with the allowed moves."""
    if new_status not in TRANSITIONS[payment.status]:
        allowed = ", ".join(TRANSITIONS[payment.status]) or "none"
        raise ApiError(
            400,
            f"Payment {payment.id} is {payment.status}; it cannot become {new_status} "
            f"(allowed: {allowed})",
            reason="invalid_status_transition",
            field="status",
            metadata={"payment_id": payment.id, "status": payment.status},
        )
    payment.status = new_status


def get_payment(db_session: Session, *, merchant_id: str, payment_id: str) -> Payment:
    if not is_valid_id(payment_id, "pay"):
        raise not_found("payment", payment_id)
    payment = db_session.get(Payment, payment_id)
    if payment is None or payment.merchant_id != merchant_id:
        raise not_found("payment", payment_id)
    return payment


def list_payments(
    db_session: Session, *, merchant_id: str, page: Page, order_id: str | None = None
) -> list[Payment]:
    from api.orders.service import _ts

    stmt = select(Payment).where(Payment.merchant_id == merchant_id)
    if order_id is not None:
        stmt = stmt.where(Payment.order_id == order_id)
    if page.from_ is not None:
        stmt = stmt.where(Payment.created_at >= _ts(page.from_))
    if page.to is not None:
        stmt = stmt.where(Payment.created_at <= _ts(page.to))
    stmt = stmt.order_by(Payment.created_at.desc(), Payment.id.desc())
    return list(db_session.scalars(stmt.offset(page.skip).limit(page.count)))


def _context(payment: Payment, merchant: Merchant) -> AttemptContext:
    return AttemptContext(
        payment_id=payment.id,
        order_id=payment.order_id,
        merchant_id=payment.merchant_id,
        method=payment.method,
        amount_paise=payment.amount_paise,
        currency=payment.currency,
        mdr_bps=merchant.mdr_bps(payment.method),
        settlement_cycle_days=merchant.settlement_cycle_days,
        vpa=payment.vpa,
        card_token=payment.card_token,
        bank_code=payment.bank,
        wallet=payment.wallet,
    )


def _open_attempt(
    db_session: Session, *, merchant_id: str, data: PaymentCreate, port: GatewayPort
) -> tuple[Payment, AttemptContext]:
    order = get_order(db_session, merchant_id=merchant_id, order_id=data.order_id)
    due = order.amount_paise - order.amount_paid_paise
    if order.status == "paid" or due <= 0:
        raise ApiError(
            400, f"Order {order.id} is already paid", reason="order_already_paid", field="order_id"
        )
    if data.currency != order.currency:
        raise ApiError(
            400,
            "currency must match the order's currency",
            reason="currency_mismatch",
            field="currency",
        )
    if data.amount > due or (not order.partial_payment and data.amount != due):
        raise ApiError(
            400,
            f"amount must be {'at most ' if order.partial_payment else ''}the order's amount due ({due} paise)",
            reason="amount_mismatch",
            field="amount",
            metadata={"amount_due": due},
        )
    merchant = db_session.get(Merchant, merchant_id)
    assert merchant is not None
    payment = Payment(
        id=new_id("pay"),
        merchant_id=merchant_id,
        order_id=order.id,
        amount_paise=data.amount,
        currency=data.currency,
        status="created",
        method=data.method,
        vpa=data.vpa,
        card_token=data.token,
        bank=data.bank,
        wallet=data.wallet,
        email=data.email,
        contact=data.contact,
        notes=dict(data.notes),
        amount_refunded_paise=0,
        created_at=utcnow(),
    )
    ctx = _context(payment, merchant)
    route = port.route(ctx)
    payment.gateway = route.gateway
    payment.routing_reason = route.reason[:500]
    payment.routing_candidates = list(getattr(route, "candidates", ())) or None
    order.attempts += 1
    if order.status == "created":
        order.status = "attempted"
    db_session.add(payment)
    return payment, ctx


def _apply_authorization(db_session: Session, payment: Payment, result: Any) -> None:
    payment.gateway_latency_ms = int(round(float(result.latency_ms)))
    payment.gateway_payment_id = result.gateway_payment_id or payment.gateway_payment_id
    payment.rrn = getattr(result, "rrn", None) or payment.rrn
    if result.outcome == "success":
        transition(payment, "authorized")
        payment.authorized_at = utcnow()
        payment.error_code = payment.error_description = None
        event = "payment.authorized"
    elif result.outcome == "failed":
        transition(payment, "failed")
        payment.error_code = (result.error_code or "GATEWAY_ERROR")[:64]
        payment.error_description = (result.error_description or "declined by the gateway")[:500]
        event = "payment.failed"
    else:
        if payment.status != "pending":
            transition(payment, "pending")
        return
    enqueue_event(
        db_session,
        merchant_id=payment.merchant_id,
        event=event,
        entity="payment",
        body=payment_out(payment).model_dump(),
    )


def create_payment(
    *, db: Database, port: GatewayPort, merchant_id: str, data: PaymentCreate
) -> Payment:
    """Open an attempt on the order, route it, authorise it at the chosen gateway."""
    with unit_of_work(db, "order") as session:
        payment, ctx = _open_attempt(session, merchant_id=merchant_id, data=data, port=port)
    result = port.authorize(payment.gateway or "", ctx)
    port.record_outcome(
        payment.gateway or "", payment.method, result.outcome == "success", float(result.latency_ms)
    )
    with unit_of_work(db, "payment") as session:
        # The attempt committed above is re-attached, not read again: its UPDATE still checks
        # the version it was written with, so a concurrent change is a 409, never overwritten.
        session.add(payment)
        _apply_authorization(session, payment, result)
    return payment


def check_status(*, db: Database, port: GatewayPort, merchant_id: str, payment_id: str) -> Payment:
    """Ask the gateway what happened to a ``pending`` payment and record it."""
    with db.read_session() as session:
        payment = get_payment(session, merchant_id=merchant_id, payment_id=payment_id)
    if payment.status != "pending":
        return payment
    result = port.status(payment.gateway or "", payment.gateway_payment_id or payment.id)
    with unit_of_work(db, "payment") as session:
        payment = get_payment(session, merchant_id=merchant_id, payment_id=payment_id)
        if payment.status == "pending":
            _apply_authorization(session, payment, result)
    return payment


def capture_payment(
    *, db: Database, port: GatewayPort, merchant_id: str, payment_id: str, data: CaptureRequest
) -> Payment:
    """Capture an authorised payment in full; post it and its fee to the ledger."""
    with db.read_session() as session:
        payment = get_payment(session, merchant_id=merchant_id, payment_id=payment_id)
    if payment.status != "authorized":
        transition(payment, "captured")  # raises with the allowed moves
    if data.amount != payment.amount_paise:
        raise ApiError(
            400,
            f"Capture amount must equal the authorised amount ({payment.amount_paise} paise)",
            reason="capture_amount_mismatch",
            field="amount",
        )
    if data.currency != payment.currency:
        raise ApiError(
            400,
            "currency must match the payment's currency",
            reason="currency_mismatch",
            field="currency",
        )
    result = port.capture(
        payment.gateway or "", payment.gateway_payment_id or payment.id, data.amount
    )
    if result.outcome != "success":
        unknown = result.outcome == "unknown"
        raise ApiError(
            504 if unknown else 502,
            "The gateway did not confirm the capture; the payment stays authorised"
            + (
                "; its outcome is unknown, check the payment again before retrying"
                if unknown
                else ""
            )
            + (f" ({result.error_code}: {result.error_description})" if result.error_code else ""),
            reason="gateway_capture_unknown" if unknown else "gateway_capture_failed",
            code=GATEWAY_ERROR,
            source="gateway",
            step="payment_capture",
        )
    with unit_of_work(db, "payment") as session:
        payment = get_payment(session, merchant_id=merchant_id, payment_id=payment_id)
        transition(payment, "captured")
        merchant = session.get(Merchant, merchant_id)
        assert merchant is not None
        mdr_bps = merchant.mdr_bps(payment.method)
        split = fee_with_gst(payment.amount_paise, mdr_bps)
        payment.mdr_bps = mdr_bps
        payment.fee_paise = split.total_paise
        payment.tax_paise = split.gst_paise
        payment.captured_at = utcnow()
        order = session.get(Order, payment.order_id)
        assert order is not None
        order.amount_paid_paise += payment.amount_paise
        if order.amount_paid_paise >= order.amount_paise:
            order.status = "paid"
        post_capture(
            session,
            merchant_id=merchant_id,
            payment_id=payment.id,
            gateway=payment.gateway or "",
            amount_paise=payment.amount_paise,
            fee_paise=split.fee_paise,
            gst_paise=split.gst_paise,
        )
        enqueue_event(
            session,
            merchant_id=merchant_id,
            event="payment.captured",
            entity="payment",
            body=payment_out(payment).model_dump(),
        )
    return payment


def payment_out(payment: Payment) -> PaymentOut:
    failed = payment.status == "failed"
    return PaymentOut(
        id=payment.id,
        amount=payment.amount_paise,
        currency=payment.currency,
        status=payment.status,
        order_id=payment.order_id,
        method=payment.method,
        amount_refunded=payment.amount_refunded_paise,
        refund_status=payment.refund_status,
        captured=payment.status in ("captured", "refunded"),
        token_id=payment.card_token,
        bank=payment.bank,
        wallet=payment.wallet,
        vpa=payment.vpa,
        email=payment.email,
        contact=payment.contact,
        notes=payment.notes or {},
        fee=payment.fee_paise,
        tax=payment.tax_paise,
        error_code=payment.error_code,
        error_description=payment.error_description,
        error_source="gateway" if failed else None,
        error_step="payment_authorization" if failed else None,
        error_reason=(payment.error_code or "").lower() or None if failed else None,
        acquirer_data=AcquirerData(rrn=payment.rrn, gateway_payment_id=payment.gateway_payment_id),
        gateway=payment.gateway,
        created_at=epoch(payment.created_at),
    )
