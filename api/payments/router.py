"""HTTP routes for payments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth.deps import DbDep, MerchantPrincipal
from api.orders.service import get_order
from api.payments import service
from api.payments.gateway_port import GatewayPort
from api.payments.schemas import CaptureRequest, PaymentCreate, PaymentOut
from api.schemas import Collection, Page

router = APIRouter(tags=["payments"])


async def get_gateway_port(request: Request) -> GatewayPort:
    return request.app.state.gateway_port


GatewayDep = Annotated[GatewayPort, Depends(get_gateway_port)]


@router.post("/payments/create/json", response_model=PaymentOut)
async def create_payment(
    body: PaymentCreate, db: DbDep, port: GatewayDep, principal: MerchantPrincipal
) -> PaymentOut:
    """Pay an order server to server: routed to a gateway and authorised (or failed/pending)."""
    # One thread-pool hop for the blocking work (see api/orders/router.py).
    return await run_in_threadpool(
        lambda: service.payment_out(
            service.create_payment(
                db=db, port=port, merchant_id=principal.merchant_id or "", data=body
            )
        )
    )


@router.get("/payments", response_model=Collection[PaymentOut])
def list_payments(
    db: DbDep, principal: MerchantPrincipal, page: Annotated[Page, Query()]
) -> Collection[PaymentOut]:
    with db.read_session() as session:
        rows = service.list_payments(session, merchant_id=principal.merchant_id or "", page=page)
        items = [service.payment_out(p) for p in rows]
    return Collection[PaymentOut](count=len(items), items=items)


@router.get("/payments/{payment_id}", response_model=PaymentOut)
def get_payment(payment_id: str, db: DbDep, principal: MerchantPrincipal) -> PaymentOut:
    with db.read_session() as session:
        payment = service.get_payment(
            session, merchant_id=principal.merchant_id or "", payment_id=payment_id
        )
        return service.payment_out(payment)


@router.post("/payments/{payment_id}/capture", response_model=PaymentOut)
async def capture_payment(
    payment_id: str,
    body: CaptureRequest,
    db: DbDep,
    port: GatewayDep,
    principal: MerchantPrincipal,
) -> PaymentOut:
    return await run_in_threadpool(
        lambda: service.payment_out(
            service.capture_payment(
                db=db,
                port=port,
                merchant_id=principal.merchant_id or "",
                payment_id=payment_id,
                data=body,
            )
        )
    )


@router.post("/payments/{payment_id}/status_check", response_model=PaymentOut)
def check_payment_status(
    payment_id: str, db: DbDep, port: GatewayDep, principal: MerchantPrincipal
) -> PaymentOut:
    """Ask the gateway about a ``pending`` payment (outcome unknown) and record the answer."""
    payment = service.check_status(
        db=db, port=port, merchant_id=principal.merchant_id or "", payment_id=payment_id
    )
    return service.payment_out(payment)


@router.get("/orders/{order_id}/payments", response_model=Collection[PaymentOut])
def list_order_payments(
    order_id: str, db: DbDep, principal: MerchantPrincipal, page: Annotated[Page, Query()]
) -> Collection[PaymentOut]:
    merchant_id = principal.merchant_id or ""
    with db.read_session() as session:
        get_order(session, merchant_id=merchant_id, order_id=order_id)
        rows = service.list_payments(session, merchant_id=merchant_id, page=page, order_id=order_id)
        items = [service.payment_out(p) for p in rows]
    return Collection[PaymentOut](count=len(items), items=items)
