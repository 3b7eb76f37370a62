"""Onboarding and reading merchants."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from api.auth.service import IssuedKey, issue_key
from api.db import epoch, utcnow
from api.errors import not_found
from api.merchants.models import METHODS, Merchant
from api.merchants.schemas import MerchantCreate, MerchantOut, MerchantUpdate
from hisaab.ids import is_valid_id, new_id


def onboard_merchant(db_session: Session, *, data: MerchantCreate) -> tuple[Merchant, IssuedKey]:
    """Create a merchant whose KYC passed validation, with its first API key."""
    merchant = Merchant(
        id=new_id("mer"),
        name=data.name,
        email=data.email,
        category=data.category,
        mcc=data.mcc,
        pan=data.pan,
        gstin=data.gstin,
        settlement_ifsc=data.settlement_ifsc,
        settlement_account_number=data.settlement_account_number,
        mdr_bps_upi=data.mdr_bps.upi,
        mdr_bps_card=data.mdr_bps.card,
        mdr_bps_netbanking=data.mdr_bps.netbanking,
        mdr_bps_wallet=data.mdr_bps.wallet,
        settlement_cycle_days=data.settlement_cycle_days,
        webhook_url=data.webhook_url,
        webhook_secret=secrets.token_urlsafe(32),
        status="active",
        created_at=utcnow(),
    )
    db_session.add(merchant)
    db_session.flush()
    return merchant, issue_key(db_session, merchant_id=merchant.id)


def get_merchant(db_session: Session, *, merchant_id: str) -> Merchant:
    if not is_valid_id(merchant_id, "mer"):
        raise not_found("merchant", merchant_id)
    merchant = db_session.get(Merchant, merchant_id)
    if merchant is None:
        raise not_found("merchant", merchant_id)
    return merchant


def update_merchant(db_session: Session, *, merchant_id: str, data: MerchantUpdate) -> Merchant:
    merchant = get_merchant(db_session, merchant_id=merchant_id)
    if "webhook_url" in data.model_fields_set:
        merchant.webhook_url = data.webhook_url
    return merchant


def _mask(value: str, keep: int) -> str:
    return "X" * (len(value) - keep) + value[-keep:]


def merchant_out(merchant: Merchant) -> MerchantOut:
    """The merchant as the API shows it: bank account and PAN masked."""
    return MerchantOut(
        id=merchant.id,
        name=merchant.name,
        email=merchant.email,
        category=merchant.category,
        mcc=merchant.mcc,
        pan=_mask(merchant.pan[:-1], 4) + merchant.pan[-1],
        gstin=merchant.gstin,
        settlement_ifsc=merchant.settlement_ifsc,
        settlement_account_number=_mask(merchant.settlement_account_number, 4),
        mdr_bps={m: merchant.mdr_bps(m) for m in METHODS},
        settlement_cycle_days=merchant.settlement_cycle_days,
        webhook_url=merchant.webhook_url,
        status=merchant.status,
        created_at=epoch(merchant.created_at),
    )
