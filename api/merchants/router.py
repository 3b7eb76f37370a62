"""HTTP routes for merchants and their API keys."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth.deps import AnyPrincipal, DbDep, MerchantPrincipal, PlatformPrincipal
from api.auth.models import ApiKey
from api.auth.service import list_keys, rotate_key
from api.db import epoch
from api.errors import not_found
from api.merchants import service
from api.merchants.schemas import (
    ApiKeyOut,
    IssuedKeyOut,
    MerchantCreate,
    MerchantOut,
    MerchantUpdate,
    OnboardedMerchantOut,
    RotatedKeyOut,
    RotateKey,
)
from api.schemas import Collection

router = APIRouter(tags=["merchants"])


@router.post("/merchants", response_model=OnboardedMerchantOut)
def onboard_merchant(
    body: MerchantCreate, db: DbDep, _principal: PlatformPrincipal
) -> OnboardedMerchantOut:
    """Onboard a merchant (platform key): KYC checked, first API key and webhook secret issued."""
    with db.session() as session:
        merchant, key = service.onboard_merchant(session, data=body)
        return OnboardedMerchantOut(
            merchant=service.merchant_out(merchant),
            key=IssuedKeyOut(
                id=key.key_id, secret=key.key_secret, created_at=epoch(key.created_at)
            ),
            webhook_secret=merchant.webhook_secret or "",
        )


@router.get("/merchants/me", response_model=MerchantOut)
def get_own_merchant(db: DbDep, principal: MerchantPrincipal) -> MerchantOut:
    with db.read_session() as session:
        merchant = service.get_merchant(session, merchant_id=principal.merchant_id or "")
        return service.merchant_out(merchant)


@router.patch("/merchants/me", response_model=MerchantOut)
def update_own_merchant(
    body: MerchantUpdate, db: DbDep, principal: MerchantPrincipal
) -> MerchantOut:
    with db.session() as session:
        merchant = service.update_merchant(
            session, merchant_id=principal.merchant_id or "", data=body
        )
        return service.merchant_out(merchant)


@router.get("/merchants/{merchant_id}", response_model=MerchantOut)
def get_merchant(merchant_id: str, db: DbDep, principal: AnyPrincipal) -> MerchantOut:
    """A platform key sees any merchant; a merchant's key only itself (others are 404)."""
    if principal.scope != "platform" and principal.merchant_id != merchant_id:
        raise not_found("merchant", merchant_id)
    with db.read_session() as session:
        return service.merchant_out(service.get_merchant(session, merchant_id=merchant_id))


@router.get("/keys", response_model=Collection[ApiKeyOut])
def list_api_keys(db: DbDep, principal: AnyPrincipal) -> Collection[ApiKeyOut]:
    with db.read_session() as session:
        rows = list_keys(session, principal=principal)
        items = [
            ApiKeyOut(
                id=r.id,
                scope=r.scope,
                created_at=epoch(r.created_at),
                expires_at=epoch(r.expires_at) if r.expires_at else None,
                replaced_by=r.replaced_by,
            )
            for r in rows
        ]
    return Collection[ApiKeyOut](count=len(items), items=items)


@router.post("/keys/{key_id}/rotate", response_model=RotatedKeyOut)
def rotate_api_key(
    key_id: str, body: RotateKey, db: DbDep, principal: AnyPrincipal
) -> RotatedKeyOut:
    """Issue a new key; the old one keeps working for ``overlap_seconds`` (default 24 h)."""
    from datetime import timedelta

    with db.session() as session:
        new = rotate_key(
            session,
            principal=principal,
            key_id=key_id,
            overlap=timedelta(seconds=body.overlap_seconds),
        )
        old = session.get(ApiKey, key_id)
        assert old is not None and old.expires_at is not None
        return RotatedKeyOut(
            key=IssuedKeyOut(
                id=new.key_id, secret=new.key_secret, created_at=epoch(new.created_at)
            ),
            previous_key=ApiKeyOut(
                id=old.id,
                scope=old.scope,
                created_at=epoch(old.created_at),
                expires_at=epoch(old.expires_at),
                replaced_by=old.replaced_by,
            ),
        )
