"""Paying merchants what they are owed, on their T+N business-day cycle, and reporting it.

``settle_due`` groups each merchant's captured payments and processed refunds whose settlement
date (T+N business days after the IST business date of the capture or refund, from the
kernel's calendar) has come, nets fees (with GST), refunds and chargebacks off the gross (a
dispute is deducted in the cycle of the day it opened; a won dispute already deducted is paid
back in the cycle of the day it was won), records one settlement with a NEFT UTR, and posts it
to the ledger. A merchant whose deductions exceed its captures in a cycle is not paid
(net <= 0): the items wait for the next cycle.

``record_gateway_settlement`` is the other side of the money: a gateway's settlement batch
(gateway, merchant, cycle) as credited to our escrow account, recorded once per settlement id
and posted to the ledger (``gateway_settlement``); recording the same batch again is a no-op.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.chargebacks.models import Chargeback
from api.db import epoch, utcnow
from api.errors import not_found
from api.ledger.service import NODAL_BANK_SOURCE, post_gateway_settlement, post_settlement
from api.merchants.models import Merchant
from api.orders.models import Order
from api.payments.models import Payment
from api.refunds.models import Refund
from api.schemas import Page
from api.settlements.models import GatewaySettlement, Settlement
from api.settlements.schemas import ReconItem, SettlementOut
from api.webhooks.outbox import enqueue_event
from hisaab.calendar import ist_date, ist_midnight_utc, settlement_date
from hisaab.ids import is_valid_id, new_id
from pipelines.simulator.gateways import ESCROW_ACCOUNTS

# The bank a payout leaves: our nodal escrow account's (not the merchant's).
_NODAL_BANK_CODE = ESCROW_ACCOUNTS[NODAL_BANK_SOURCE].ifsc[:4]


def _utr(on: date, sequence: int) -> str:
    """A NEFT UTR (16 characters): the sending bank's code (our nodal escrow account's bank),
    'N', year, day of year, a 6-digit daily sequence."""
    return f"{_NODAL_BANK_CODE}N{on:%y}{on.timetuple().tm_yday:03d}{sequence:06d}"


def settle_due(
    db_session: Session, *, as_of: date, merchant_id: str | None = None
) -> list[Settlement]:
    """Create the settlements due on or before IST date ``as_of``; returns them."""
    cutoff = ist_midnight_utc(as_of + timedelta(days=1))
    payments = select(Payment).where(
        Payment.status.in_(("captured", "refunded")),
        Payment.settlement_id.is_(None),
        Payment.captured_at < cutoff,
    )
    refunds = select(Refund).where(
        Refund.status == "processed", Refund.settlement_id.is_(None), Refund.processed_at < cutoff
    )
    deducted = select(Chargeback).where(
        Chargeback.status != "won",
        Chargeback.settlement_id.is_(None),
        Chargeback.created_at < cutoff,
    )
    returned = select(Chargeback).where(
        Chargeback.status == "won",
        Chargeback.settlement_id.is_not(None),
        Chargeback.returned_settlement_id.is_(None),
        Chargeback.resolved_at < cutoff,
    )
    if merchant_id is not None:
        payments = payments.where(Payment.merchant_id == merchant_id)
        refunds = refunds.where(Refund.merchant_id == merchant_id)
        deducted = deducted.where(Chargeback.merchant_id == merchant_id)
        returned = returned.where(Chargeback.merchant_id == merchant_id)
    cycles: dict[str, int] = {}

    def due(mid: str, ts) -> bool:  # type: ignore[no-untyped-def]
        if mid not in cycles:
            merchant = db_session.get(Merchant, mid)
            cycles[mid] = merchant.settlement_cycle_days if merchant else 2
        return settlement_date(ist_date(ts), cycles[mid]) <= as_of

    by_merchant_p: dict[str, list[Payment]] = defaultdict(list)
    by_merchant_r: dict[str, list[Refund]] = defaultdict(list)
    for p in db_session.scalars(payments.order_by(Payment.captured_at)):
        if p.captured_at is not None and due(p.merchant_id, p.captured_at):
            by_merchant_p[p.merchant_id].append(p)
    for r in db_session.scalars(refunds.order_by(Refund.processed_at)):
        if r.processed_at is not None and due(r.merchant_id, r.processed_at):
            by_merchant_r[r.merchant_id].append(r)
    by_merchant_cb: dict[str, list[Chargeback]] = defaultdict(list)
    by_merchant_won: dict[str, list[Chargeback]] = defaultdict(list)
    for c in db_session.scalars(deducted.order_by(Chargeback.created_at)):
        if due(c.merchant_id, c.created_at):
            by_merchant_cb[c.merchant_id].append(c)
    for c in db_session.scalars(returned.order_by(Chargeback.resolved_at)):
        if c.resolved_at is not None and due(c.merchant_id, c.resolved_at):
            by_merchant_won[c.merchant_id].append(c)

    created = []
    sequence = (
        db_session.scalar(
            select(func.count()).select_from(Settlement).where(Settlement.settlement_date == as_of)
        )
        or 0
    )
    merchants = set(by_merchant_p) | set(by_merchant_r) | set(by_merchant_cb) | set(by_merchant_won)
    for mid in sorted(merchants):
        items_p, items_r = by_merchant_p[mid], by_merchant_r[mid]
        items_cb, items_won = by_merchant_cb[mid], by_merchant_won[mid]
        gross = sum(p.amount_paise for p in items_p)
        fees = sum(p.fee_paise or 0 for p in items_p)
        tax = sum(p.tax_paise or 0 for p in items_p)
        refunded = sum(r.amount_paise for r in items_r)
        chargebacks = sum(c.amount_paise for c in items_cb) - sum(c.amount_paise for c in items_won)
        net = gross - fees - refunded - chargebacks
        if net <= 0:
            continue
        settlement = Settlement(
            id=new_id("setl"),
            merchant_id=mid,
            settlement_date=as_of,
            gross_paise=gross,
            fees_paise=fees,
            tax_paise=tax,
            refunds_paise=refunded,
            chargebacks_paise=chargebacks,
            amount_paise=net,
            utr=_utr(as_of, sequence + len(created) + 1),
            status="processed",
            created_at=utcnow(),
        )
        db_session.add(settlement)
        db_session.flush()
        for p in items_p:
            p.settlement_id = settlement.id
        for r in items_r:
            r.settlement_id = settlement.id
        for c in items_cb:
            c.settlement_id = settlement.id
        for c in items_won:
            c.returned_settlement_id = settlement.id
        post_settlement(
            db_session,
            merchant_id=mid,
            settlement_id=settlement.id,
            utr=settlement.utr,
            amount_paise=net,
        )
        enqueue_event(
            db_session,
            merchant_id=mid,
            event="settlement.processed",
            entity="settlement",
            body=settlement_out(settlement).model_dump(),
        )
        created.append(settlement)
    return created


def record_gateway_settlement(
    db_session: Session,
    *,
    settlement_id: str,
    gateway: str,
    merchant_id: str,
    bank_source: str,
    utr: str,
    settled_on: date,
    gross_paise: int,
    fee_paise: int,
    tax_paise: int,
    refunds_paise: int,
    chargebacks_paise: int = 0,
) -> GatewaySettlement:
    """Record a gateway's settlement batch and post it; the same settlement id twice is a no-op.

    ``fee_paise`` is the gateway's charge without GST, ``tax_paise`` the GST on it.
    """
    existing = db_session.get(GatewaySettlement, settlement_id)
    if existing is not None:
        if (existing.gateway, existing.merchant_id, existing.utr) != (gateway, merchant_id, utr):
            raise ValueError(f"gateway settlement {settlement_id} is already recorded differently")
        return existing
    row = GatewaySettlement(
        id=settlement_id,
        gateway=gateway,
        merchant_id=merchant_id,
        bank_source=bank_source,
        utr=utr,
        settled_on=settled_on,
        gross_paise=gross_paise,
        fee_paise=fee_paise,
        tax_paise=tax_paise,
        refunds_paise=refunds_paise,
        chargebacks_paise=chargebacks_paise,
        net_paise=gross_paise - fee_paise - tax_paise - refunds_paise - chargebacks_paise,
        created_at=utcnow(),
    )
    db_session.add(row)
    db_session.flush()
    post_gateway_settlement(
        db_session,
        merchant_id=merchant_id,
        settlement_id=settlement_id,
        gateway=gateway,
        bank_source=bank_source,
        utr=utr,
        gross_paise=gross_paise,
        fee_paise=fee_paise,
        tax_paise=tax_paise,
        refunds_paise=refunds_paise,
        chargebacks_paise=chargebacks_paise,
    )
    return row


def get_settlement(db_session: Session, *, merchant_id: str, settlement_id: str) -> Settlement:
    if not is_valid_id(settlement_id, "setl"):
        raise not_found("settlement", settlement_id)
    row = db_session.get(Settlement, settlement_id)
    if row is None or row.merchant_id != merchant_id:
        raise not_found("settlement", settlement_id)
    return row


def list_settlements(db_session: Session, *, merchant_id: str, page: Page) -> list[Settlement]:
    from api.orders.service import _ts

    stmt = select(Settlement).where(Settlement.merchant_id == merchant_id)
    if page.from_ is not None:
        stmt = stmt.where(Settlement.created_at >= _ts(page.from_))
    if page.to is not None:
        stmt = stmt.where(Settlement.created_at <= _ts(page.to))
    stmt = stmt.order_by(Settlement.created_at.desc(), Settlement.id.desc())
    return list(db_session.scalars(stmt.offset(page.skip).limit(page.count)))


def settlement_items(
    db_session: Session,
    *,
    merchant_id: str,
    settlement_ids: list[str],
    recon_status: dict[str, str] | None = None,
) -> list[ReconItem]:
    """Every payment and refund paid out in the given settlements, as recon report rows."""
    if not settlement_ids:
        return []
    recon_status = recon_status or {}
    settlements = {
        s.id: s
        for s in db_session.scalars(
            select(Settlement).where(
                Settlement.id.in_(settlement_ids), Settlement.merchant_id == merchant_id
            )
        )
    }
    rows = db_session.execute(
        select(Payment, Order.receipt)
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.settlement_id.in_(list(settlements)))
        .order_by(Payment.captured_at, Payment.id)
    ).all()
    items: list[ReconItem] = []
    for p, receipt in rows:
        s = settlements[p.settlement_id or ""]
        items.append(
            ReconItem(
                entity_id=p.id,
                type="payment",
                debit=0,
                credit=p.amount_paise - (p.fee_paise or 0),
                amount=p.amount_paise,
                currency=p.currency,
                fee=p.fee_paise or 0,
                tax=p.tax_paise or 0,
                settled=True,
                created_at=epoch(p.created_at),
                settled_at=epoch(s.created_at),
                settlement_id=s.id,
                settlement_utr=s.utr,
                payment_id=p.id,
                order_id=p.order_id,
                order_receipt=receipt,
                method=p.method,
                notes=p.notes or {},
                recon_status=recon_status.get(p.id),
            )
        )
    for r, p in db_session.execute(
        select(Refund, Payment)
        .join(Payment, Payment.id == Refund.payment_id)
        .where(Refund.settlement_id.in_(list(settlements)))
        .order_by(Refund.processed_at, Refund.id)
    ).all():
        s = settlements[r.settlement_id or ""]
        items.append(
            ReconItem(
                entity_id=r.id,
                type="refund",
                debit=r.amount_paise,
                credit=0,
                amount=r.amount_paise,
                currency=r.currency,
                fee=0,
                tax=0,
                settled=True,
                created_at=epoch(r.created_at),
                settled_at=epoch(s.created_at),
                settlement_id=s.id,
                settlement_utr=s.utr,
                payment_id=r.payment_id,
                order_id=p.order_id,
                order_receipt=None,
                method=p.method,
                notes=r.notes or {},
                recon_status=recon_status.get(r.payment_id),
            )
        )
    for c, p in db_session.execute(
        select(Chargeback, Payment)
        .join(Payment, Payment.id == Chargeback.payment_id)
        .where(
            (Chargeback.settlement_id.in_(list(settlements)))
            | (Chargeback.returned_settlement_id.in_(list(settlements)))
        )
        .order_by(Chargeback.created_at, Chargeback.id)
    ).all():
        for sid, paid_back in ((c.settlement_id, False), (c.returned_settlement_id, True)):
            if sid not in settlements:
                continue
            s = settlements[sid]
            items.append(
                ReconItem(
                    entity_id=c.id,
                    type="adjustment",
                    debit=0 if paid_back else c.amount_paise,
                    credit=c.amount_paise if paid_back else 0,
                    amount=c.amount_paise,
                    currency=c.currency,
                    fee=0,
                    tax=0,
                    settled=True,
                    created_at=epoch(
                        c.resolved_at if paid_back and c.resolved_at else c.created_at
                    ),
                    settled_at=epoch(s.created_at),
                    settlement_id=s.id,
                    settlement_utr=s.utr,
                    payment_id=c.payment_id,
                    order_id=p.order_id,
                    order_receipt=None,
                    method=p.method,
                    notes={},
                    recon_status=recon_status.get(c.payment_id),
                )
            )
    return items


def settlements_on(
    db_session: Session, *, merchant_id: str, year: int, month: int, day: int | None
) -> list[str]:
    start = date(year, month, day or 1)
    if day is not None:
        end = start
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return list(
        db_session.scalars(
            select(Settlement.id).where(
                Settlement.merchant_id == merchant_id,
                Settlement.settlement_date >= start,
                Settlement.settlement_date <= end,
            )
        )
    )


def settlement_out(s: Settlement) -> SettlementOut:
    return SettlementOut(
        id=s.id,
        amount=s.amount_paise,
        status=s.status,
        fees=s.fees_paise,
        tax=s.tax_paise,
        utr=s.utr,
        gross_amount=s.gross_paise,
        refunds=s.refunds_paise,
        chargebacks=s.chargebacks_paise,
        settlement_date=s.settlement_date.isoformat(),
        created_at=epoch(s.created_at),
    )
