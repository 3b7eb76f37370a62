"""HTTP routes for chargebacks (platform key): a gateway's dispute recorded, then resolved."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth.deps import DbDep, PlatformPrincipal
from api.chargebacks import service
from api.chargebacks.schemas import ChargebackCreate, ChargebackOut, ChargebackResolve

router = APIRouter(tags=["chargebacks"])


@router.post("/chargebacks", response_model=ChargebackOut)
def open_chargeback(
    body: ChargebackCreate, db: DbDep, _principal: PlatformPrincipal
) -> ChargebackOut:
    """Record a dispute a gateway reported on a captured payment (the amount is taken back)."""
    with db.session() as session:
        return service.chargeback_out(service.open_chargeback(session, data=body))


@router.get("/chargebacks/{chargeback_id}", response_model=ChargebackOut)
def get_chargeback(chargeback_id: str, db: DbDep, _principal: PlatformPrincipal) -> ChargebackOut:
    with db.read_session() as session:
        return service.chargeback_out(service.get_chargeback(session, chargeback_id=chargeback_id))


@router.post("/chargebacks/{chargeback_id}/resolve", response_model=ChargebackOut)
def resolve_chargeback(
    chargeback_id: str, body: ChargebackResolve, db: DbDep, _principal: PlatformPrincipal
) -> ChargebackOut:
    """Move a dispute to under review, won (the amount returns to the merchant) or lost."""
    with db.session() as session:
        return service.chargeback_out(
            service.resolve_chargeback(session, chargeback_id=chargeback_id, status=body.status)
        )
