"""HTTP routes for refunds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth.deps import DbDep, MerchantPrincipal
from api.payments.router import GatewayDep
from api.payments.service import get_payment
from api.refunds import service
from api.refunds.schemas import RefundCreate, RefundOut
from api.schemas import Collection, Page

router = APIRouter(tags=["refunds"])


@router.post("/payments/{payment_id}/refund", response_model=RefundOut)
def refund_payment(
    payment_id: str,
    body: RefundCreate,
    db: DbDep,
    port: GatewayDep,
    principal: MerchantPrincipal,
) -> RefundOut:
    """Refund a captured payment in full (no amount) or in part."""
    refund = service.create_refund(
        db=db, port=port, merchant_id=principal.merchant_id or "", payment_id=payment_id, data=body
    )
    return service.refund_out(refund)


@router.get("/payments/{payment_id}/refunds", response_model=Collection[RefundOut])
def list_payment_refunds(
    payment_id: str, db: DbDep, principal: MerchantPrincipal, page: Annotated[Page, Query()]
) -> Collection[RefundOut]:
    merchant_id = principal.merchant_id or ""
    with db.read_session() as session:
        get_payment(session, merchant_id=merchant_id, payment_id=payment_id)
        rows = service.list_refunds(
            session, merchant_id=merchant_id, page=page, payment_id=payment_id
        )
        items = [service.refund_out(r) for r in rows]
    return Collection[RefundOut](count=len(items), items=items)


@router.get("/payments/{payment_id}/refunds/{refund_id}", response_model=RefundOut)
def get_payment_refund(
    payment_id: str, refund_id: str, db: DbDep, principal: MerchantPrincipal
) -> RefundOut:
    with db.read_session() as session:
        refund = service.get_refund(
            session, merchant_id=principal.merchant_id or "", refund_id=refund_id
        )
        if refund.payment_id != payment_id:
            from api.errors import not_found

            raise not_found("refund", refund_id)
        return service.refund_out(refund)


@router.get("/refunds", response_model=Collection[RefundOut])
def list_refunds(
    db: DbDep, principal: MerchantPrincipal, page: Annotated[Page, Query()]
) -> Collection[RefundOut]:
    with db.read_session() as session:
        rows = service.list_refunds(session, merchant_id=principal.merchant_id or "", page=page)
        items = [service.refund_out(r) for r in rows]
    return Collection[RefundOut](count=len(items), items=items)


@router.get("/refunds/{refund_id}", response_model=RefundOut)
def get_refund(refund_id: str, db: DbDep, principal: MerchantPrincipal) -> RefundOut:
    with db.read_session() as session:
        refund = service.get_refund(
            session, merchant_id=principal.merchant_id or "", refund_id=refund_id
        )
        return service.refund_out(refund)
