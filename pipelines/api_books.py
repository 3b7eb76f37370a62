"""The transaction core's database read as our books: the ledger datasets the recon checks.

User need: the finance / recon analyst must reconcile the payments merchants really made through
the API, not only the simulator's. This module reads the API's OLTP database (SQLite or Postgres,
``api.db``) and returns one frame per books table in the shape of its data contract
(``data_contracts/ledger_*.yaml``, ``merchants.yaml``); ``pipelines.extract`` then moves them
into the lake by the same path as the simulator's books.

Mapping, where the API's rows differ from the contracts:

* payments: only attempts with a final status are books rows: ``captured`` and ``refunded``
  (refunds are rows of their own) are ``captured``, ``failed`` is ``failed``; ``created``,
  ``pending`` and ``authorized`` attempts wait for a later extract. ``fee_paise`` is the MDR fee
  without GST (the API stores Razorpay's fee, GST included); ``attempt_no`` counts the order's
  attempts by creation time. The API keeps no customer record: ``customer_id`` is a stable key
  derived from the merchant and the payer's contact, e-mail, VPA or card token (a payment with
  none of them is its own customer).
* settlements: what each gateway should settle per (gateway, merchant, T+N date), from the
  captured payments, processed refunds and chargebacks not won (deducted in the cycle of the
  day the dispute opened), with the calendar the gateways use.
* payouts: the API's settlements are payouts to merchants (NEFT from our nodal account).
* merchants: the API collects no city, state, VPA or risk tier (null); ``gateways`` are the
  gateways the merchant's payments were routed to.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.chargebacks.models import Chargeback
from api.ledger.service import NODAL_BANK_SOURCE
from api.merchants.models import Merchant
from api.payments.models import Payment
from api.refunds.models import Refund
from api.settlements.models import Settlement
from data_contracts import load_contract
from hisaab.calendar import ist_date, settlement_date
from hisaab.ids import ALPHABET, ID_LENGTH
from hisaab.money import fee_with_gst
from pipelines.simulator.entities import HOME_STATE_CODE

PAYOUT_MODE = "NEFT"

FINAL_PAYMENT_STATUS = {"captured": "captured", "refunded": "captured", "failed": "failed"}


@dataclass(frozen=True)
class ApiBooks:
    """One frame per books table (the keys of ``pipelines.extract.BOOK_DATASETS``)."""

    tables: dict[str, pl.DataFrame]


def customer_key(merchant_id: str, payer: str) -> str:
    """A stable ``cust_`` id for a payer of a merchant (the API keeps no customer record)."""
    digest = int.from_bytes(hashlib.sha256(f"{merchant_id}|{payer}".encode()).digest()[:16])
    body = []
    for _ in range(ID_LENGTH):
        digest, rem = divmod(digest, len(ALPHABET))
        body.append(ALPHABET[rem])
    return "cust_" + "".join(body)


def _frame(dataset: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = load_contract(dataset).parsed_schema
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def read_api_books(db_session: Session) -> ApiBooks:
    """Every books table of the API's database, typed by its contract and in a fixed order."""
    merchants = {m.id: m for m in db_session.scalars(select(Merchant).order_by(Merchant.id))}
    payments = list(db_session.scalars(select(Payment).order_by(Payment.created_at, Payment.id)))
    refunds = list(db_session.scalars(select(Refund).order_by(Refund.created_at, Refund.id)))
    chargebacks = list(
        db_session.scalars(select(Chargeback).order_by(Chargeback.created_at, Chargeback.id))
    )
    settlements = list(
        db_session.scalars(select(Settlement).order_by(Settlement.settlement_date, Settlement.id))
    )
    by_payment = {p.id: p for p in payments}
    tables = {
        "payments": _frame("ledger_payments", _payment_rows(payments)),
        "refunds": _frame("ledger_refunds", [_refund_row(r) for r in refunds]),
        "chargebacks": _frame("ledger_chargebacks", [_chargeback_row(c) for c in chargebacks]),
        "settlements": _frame(
            "ledger_settlements",
            _expected_settlements(merchants, payments, refunds, chargebacks, by_payment),
        ),
        "payouts": _frame("ledger_payouts", [_payout_row(s, merchants) for s in settlements]),
        "merchants": _frame("merchants", _merchant_rows(merchants, payments)),
    }
    return ApiBooks(tables)


def _payer(p: Payment) -> str:
    return p.contact or p.email or p.vpa or p.card_token or p.id


def _payment_rows(payments: list[Payment]) -> list[dict[str, Any]]:
    attempts: dict[str, int] = defaultdict(int)
    rows = []
    for p in payments:  # in creation order: the attempt number counts every attempt
        attempts[p.order_id] += 1
        status = FINAL_PAYMENT_STATUS.get(p.status)
        if status is None or p.gateway is None:
            continue
        fee_incl_gst = p.fee_paise or 0
        gst = p.tax_paise or 0
        rows.append(
            {
                "payment_id": p.id,
                "order_id": p.order_id,
                "attempt_no": attempts[p.order_id],
                "merchant_id": p.merchant_id,
                "customer_id": customer_key(p.merchant_id, _payer(p)),
                "method": p.method,
                "gateway": p.gateway,
                "gateway_payment_id": p.gateway_payment_id,
                "rrn": p.rrn,
                "amount_paise": p.amount_paise,
                "currency": p.currency,
                "status": status,
                "error_code": p.error_code,
                "error_reason": p.error_description,
                "mdr_bps": p.mdr_bps or 0,
                "fee_paise": fee_incl_gst - gst,
                "gst_paise": gst,
                "created_at": p.created_at,
                "captured_at": p.captured_at if status == "captured" else None,
                "business_date": ist_date(p.created_at),
                "latency_ms": p.gateway_latency_ms or 0,
                "is_upi_deemed": False,
                "card_token": p.card_token,
                "card_network": None,
                "payer_vpa": p.vpa,
            }
        )
    return rows


def _refund_row(r: Refund) -> dict[str, Any]:
    return {
        "refund_id": r.id,
        "payment_id": r.payment_id,
        "merchant_id": r.merchant_id,
        "gateway": r.gateway,
        "amount_paise": r.amount_paise,
        "created_at": r.created_at,
        "business_date": ist_date(r.created_at),
        "status": r.status,
    }


def _chargeback_row(c: Chargeback) -> dict[str, Any]:
    return {
        "chargeback_id": c.id,
        "gateway_dispute_id": c.gateway_dispute_id,
        "payment_id": c.payment_id,
        "merchant_id": c.merchant_id,
        "gateway": c.gateway,
        "amount_paise": c.amount_paise,
        "created_at": c.created_at,
        "business_date": ist_date(c.created_at),
        "status": c.status,
    }


def _expected_settlements(
    merchants: dict[str, Merchant],
    payments: list[Payment],
    refunds: list[Refund],
    chargebacks: list[Chargeback],
    by_payment: dict[str, Payment],
) -> list[dict[str, Any]]:
    """Per (gateway, merchant, T+N date): what the gateway should pay into escrow."""
    keys = ("gross_paise", "fee_paise", "tax_paise", "refunds_paise", "chargebacks_paise")
    totals: dict[tuple[str, str, date], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((*keys, "payment_count"), 0)
    )

    def due(merchant_id: str, on: date) -> date:
        m = merchants.get(merchant_id)
        return settlement_date(on, m.settlement_cycle_days if m else 2)

    for p in payments:
        if p.status not in ("captured", "refunded") or p.captured_at is None or not p.gateway:
            continue
        split = fee_with_gst(p.amount_paise, p.mdr_bps or 0)
        t = totals[(p.gateway, p.merchant_id, due(p.merchant_id, ist_date(p.captured_at)))]
        t["gross_paise"] += p.amount_paise
        t["fee_paise"] += split.fee_paise
        t["tax_paise"] += split.gst_paise
        t["payment_count"] += 1
    for r in refunds:
        if r.status == "processed" and r.processed_at is not None:
            t = totals[(r.gateway, r.merchant_id, due(r.merchant_id, ist_date(r.processed_at)))]
            t["refunds_paise"] += r.amount_paise
    for c in chargebacks:  # the gateway takes a disputed amount back when the dispute opens
        if c.status != "won" and c.payment_id in by_payment:
            t = totals[(c.gateway, c.merchant_id, due(c.merchant_id, ist_date(c.created_at)))]
            t["chargebacks_paise"] += c.amount_paise
    rows = []
    for (gateway, merchant_id, on), t in sorted(totals.items()):
        net = t["gross_paise"] - sum(t[k] for k in keys[1:])
        rows.append(
            {
                "route": gateway,
                "merchant_id": merchant_id,
                "expected_settlement_date": on,
                **t,
                "net_paise": net,
            }
        )
    return rows


def _payout_row(s: Settlement, merchants: dict[str, Merchant]) -> dict[str, Any]:
    m = merchants[s.merchant_id]
    return {
        "payout_id": s.id,
        "merchant_id": s.merchant_id,
        "bank_source": NODAL_BANK_SOURCE,
        "payout_date": s.settlement_date,
        "amount_paise": s.amount_paise,
        "mode": PAYOUT_MODE,
        "utr": s.utr,
        "beneficiary_ifsc": m.settlement_ifsc,
        "beneficiary_account_number": m.settlement_account_number,
        "status": s.status,
    }


def _merchant_rows(merchants: dict[str, Merchant], payments: list[Payment]) -> list[dict[str, Any]]:
    routed: dict[str, set[str]] = defaultdict(set)
    for p in payments:
        if p.gateway:
            routed[p.merchant_id].add(p.gateway)
    rows = []
    for m in merchants.values():
        rows.append(
            {
                "merchant_id": m.id,
                "legal_name": m.name,
                "trade_name": m.name,
                "category": m.category,
                "mcc": m.mcc,
                "city": None,
                "state": None,
                "gst_state_code": m.gstin[:2] if m.gstin else None,
                "pan": m.pan,
                "gstin": m.gstin,
                "bank_ifsc": m.settlement_ifsc,
                "bank_account_number": m.settlement_account_number,
                "beneficiary_name": m.name,
                "merchant_vpa": None,
                "onboarded_on": ist_date(m.created_at),
                "settlement_cycle_days": m.settlement_cycle_days,
                "mdr_bps_upi": m.mdr_bps_upi,
                "mdr_bps_card": m.mdr_bps_card,
                "mdr_bps_netbanking": m.mdr_bps_netbanking,
                "mdr_bps_wallet": m.mdr_bps_wallet,
                "gateways": sorted(routed[m.id]),
                "volume_weight": None,
                "risk_tier": None,
                "is_intra_state": m.gstin[:2] == HOME_STATE_CODE if m.gstin else None,
            }
        )
    return rows
