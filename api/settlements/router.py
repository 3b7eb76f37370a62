"""HTTP routes for settlements, the settlement recon report and per-payment recon status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.auth.deps import DbDep, MerchantPrincipal
from api.payments.service import get_payment
from api.recon.warehouse import payin_recon
from api.schemas import Collection, Page
from api.settlements import service
from api.settlements.schemas import ReconItem, ReconQuery, SettlementOut

router = APIRouter(tags=["settlements"])


def _warehouse(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings.warehouse


@router.get("/settlements", response_model=Collection[SettlementOut])
def list_settlements(
    db: DbDep, principal: MerchantPrincipal, page: Annotated[Page, Query()]
) -> Collection[SettlementOut]:
    with db.read_session() as session:
        rows = service.list_settlements(session, merchant_id=principal.merchant_id or "", page=page)
        items = [service.settlement_out(s) for s in rows]
    return Collection[SettlementOut](count=len(items), items=items)


@router.get("/settlements/recon/combined", response_model=Collection[ReconItem])
def settlement_recon_report(
    request: Request,
    db: DbDep,
    principal: MerchantPrincipal,
    query: Annotated[ReconQuery, Query()],
) -> Collection[ReconItem]:
    """Every transaction settled on a day (or in a month), with our recon verdict per payment."""
    merchant_id = principal.merchant_id or ""
    with db.read_session() as session:
        ids = service.settlements_on(
            session, merchant_id=merchant_id, year=query.year, month=query.month, day=query.day
        )
        items = service.settlement_items(session, merchant_id=merchant_id, settlement_ids=ids)
    state = payin_recon(_warehouse(request), sorted({i.payment_id for i in items}))
    for item in items:
        row = state.rows.get(item.payment_id)
        item.recon_status = row["match_status"] if row else None
    page = items[query.skip : query.skip + query.count]
    return Collection[ReconItem](count=len(page), items=page)


@router.get("/settlements/{settlement_id}", response_model=SettlementOut)
def get_settlement(settlement_id: str, db: DbDep, principal: MerchantPrincipal) -> SettlementOut:
    with db.read_session() as session:
        s = service.get_settlement(
            session, merchant_id=principal.merchant_id or "", settlement_id=settlement_id
        )
        return service.settlement_out(s)


@router.get("/settlements/{settlement_id}/transactions", response_model=Collection[ReconItem])
def list_settlement_transactions(
    settlement_id: str, db: DbDep, principal: MerchantPrincipal
) -> Collection[ReconItem]:
    """The payments (credits, net of fee) and refunds (debits) a settlement paid out."""
    merchant_id = principal.merchant_id or ""
    with db.read_session() as session:
        service.get_settlement(session, merchant_id=merchant_id, settlement_id=settlement_id)
        items = service.settlement_items(
            session, merchant_id=merchant_id, settlement_ids=[settlement_id]
        )
    return Collection[ReconItem](count=len(items), items=items)


@router.get("/payments/{payment_id}/recon")
def get_payment_recon(
    request: Request, payment_id: str, db: DbDep, principal: MerchantPrincipal
) -> dict[str, Any]:
    """Our reconciliation's verdict on one payment (from the warehouse; read-only)."""
    with db.read_session() as session:
        get_payment(session, merchant_id=principal.merchant_id or "", payment_id=payment_id)
    state = payin_recon(_warehouse(request), [payment_id])
    row = state.rows.get(payment_id)
    return {
        "entity": "payment_recon",
        "payment_id": payment_id,
        "available": state.available,
        "message": state.message
        if not state.available
        else (None if row else "This payment is not in the latest reconciliation yet."),
        "recon": row,
    }
