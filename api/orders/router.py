"""HTTP routes for orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.auth.deps import DbDep, MerchantPrincipal
from api.db import Database
from api.orders import service
from api.orders.schemas import OrderCreate, OrderOut
from api.schemas import Collection, Page

router = APIRouter(tags=["orders"])


@router.post("/orders", response_model=OrderOut)
async def create_order(body: OrderCreate, db: DbDep, principal: MerchantPrincipal) -> OrderOut:
    # Async route, one thread-pool hop for the database work: a sync route costs FastAPI a
    # second hop to validate the response model.
    return await run_in_threadpool(_create_order, db, principal.merchant_id or "", body)


def _create_order(db: Database, merchant_id: str, body: OrderCreate) -> OrderOut:
    with db.session() as session:
        order = service.create_order(session, merchant_id=merchant_id, data=body)
    return service.order_out(order)


@router.get("/orders", response_model=Collection[OrderOut])
def list_orders(
    db: DbDep, principal: MerchantPrincipal, page: Annotated[Page, Query()]
) -> Collection[OrderOut]:
    with db.read_session() as session:
        rows = service.list_orders(session, merchant_id=principal.merchant_id or "", page=page)
        items = [service.order_out(o) for o in rows]
    return Collection[OrderOut](count=len(items), items=items)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, db: DbDep, principal: MerchantPrincipal) -> OrderOut:
    with db.read_session() as session:
        order = service.get_order(
            session, merchant_id=principal.merchant_id or "", order_id=order_id
        )
        return service.order_out(order)
