"""Creating and reading a merchant's orders (always scoped to that merchant)."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api.db import epoch, utcnow
from api.errors import not_found
from api.orders.models import Order
from api.orders.schemas import OrderCreate, OrderOut
from api.schemas import Page
from hisaab.ids import is_valid_id, new_id


def create_order(db_session: Session, *, merchant_id: str, data: OrderCreate) -> Order:
    """Insert the order with one Core statement: a new row needs none of the unit of work's
    change tracking, and the values written are the values returned (no read-back). The
    returned ``Order`` is not attached to the session."""
    values = {
        "id": new_id("order"),
        "merchant_id": merchant_id,
        "amount_paise": data.amount,
        "amount_paid_paise": 0,
        "currency": data.currency,
        "receipt": data.receipt,
        "notes": dict(data.notes),
        "status": "created",
        "attempts": 0,
        "partial_payment": data.partial_payment,
        "created_at": utcnow(),
        "version": 1,  # the optimistic-lock counter the ORM starts at
    }
    db_session.execute(_INSERT_ORDER, values)
    return Order(**values)


_INSERT_ORDER = insert(Order.__table__)


def get_order(db_session: Session, *, merchant_id: str, order_id: str) -> Order:
    """The merchant's order; another merchant's order is reported as not existing."""
    if not is_valid_id(order_id, "order"):
        raise not_found("order", order_id)
    order = db_session.get(Order, order_id)
    if order is None or order.merchant_id != merchant_id:
        raise not_found("order", order_id)
    return order


def list_orders(db_session: Session, *, merchant_id: str, page: Page) -> list[Order]:
    stmt = select(Order).where(Order.merchant_id == merchant_id)
    if page.from_ is not None:
        stmt = stmt.where(Order.created_at >= _ts(page.from_))
    if page.to is not None:
        stmt = stmt.where(Order.created_at <= _ts(page.to))
    stmt = (
        stmt.order_by(Order.created_at.desc(), Order.id.desc()).offset(page.skip).limit(page.count)
    )
    return list(db_session.scalars(stmt))


def _ts(epoch_s: int):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch_s, UTC)


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        id=order.id,
        amount=order.amount_paise,
        amount_paid=order.amount_paid_paise,
        amount_due=order.amount_paise - order.amount_paid_paise,
        currency=order.currency,
        receipt=order.receipt,
        status=order.status,
        attempts=order.attempts,
        notes=order.notes or {},
        partial_payment=order.partial_payment,
        created_at=epoch(order.created_at),
    )
