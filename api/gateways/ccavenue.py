"""Emulated CCAvenue: 12-digit ``tracking_id``, ``order_status`` outcomes, ``encResp`` callbacks.

User need: the payments service talks to a CCAvenue that behaves like CCAvenue, including its
encrypted response post.

Callback format (CCAvenue's integration kit): a form post ``encResp=<hex>&orderNo=<order>``.
``encResp`` is AES-128-CBC with key ``md5(working_key)`` and IV bytes ``0x00..0x0f``, PKCS#7
padded, hex encoded; the plaintext is a query string of CCAvenue's response parameters:
``order_id`` (our payment id), ``tracking_id``, ``bank_ref_no`` (RRN for UPI),
``order_status`` (Success, Failure, Aborted, Invalid, Awaited; the status tracker's
``Shipped`` once confirmed, i.e. captured), ``failure_message``, ``payment_mode``,
``card_name``, ``status_code``, ``status_message``, ``currency``, ``amount`` (rupees) and
``merchant_param1`` (our merchant id), ``merchant_param2`` (our order id).

Refund callbacks are emulated in a simplified, documented form: ``order_status=Refunded`` with
``refund_ref_no`` (CCAvenue's refund reference), ``refund_amount`` (rupees) and
``merchant_param3`` (our refund id). A body that does not decrypt, or decrypts to something
that is not CCAvenue's parameters, is rejected: the encryption is the authentication.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from api.gateways.base import (
    STATE_AUTHORIZED,
    STATE_CAPTURED,
    STATE_FAILED,
    STATE_PENDING,
    GatewayEvent,
    WebhookRejected,
)
from api.gateways.catalogue import CCAVENUE
from api.gateways.emulator import EmulatedGateway
from api.gateways.ids import NS_CCAVENUE_PAYMENT, NS_CCAVENUE_REFUND, numeric
from api.gateways.journal import GatewayJournal
from api.gateways.webhook_common import event_type_for
from hisaab.money import MoneyError, paise_to_rupees, parse_rupees

_IV = bytes(range(16))
_MODES = {"upi": "Unified Payments", "netbanking": "Net Banking", "wallet": "Wallet"}
_STATUS = {STATE_AUTHORIZED: "Success", STATE_CAPTURED: "Shipped", STATE_FAILED: "Failure",
           STATE_PENDING: "Awaited"}  # fmt: skip
_STATE = {"Success": STATE_AUTHORIZED, "Successful": STATE_AUTHORIZED, "Shipped": STATE_CAPTURED,
          "Failure": STATE_FAILED, "Unsuccessful": STATE_FAILED, "Aborted": STATE_FAILED,
          "Invalid": STATE_FAILED, "Awaited": STATE_PENDING, "Initiated": STATE_PENDING}  # fmt: skip


def _cipher(working_key: str) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(hashlib.md5(working_key.encode()).digest()), modes.CBC(_IV))


def encrypt(plain: str, working_key: str) -> str:
    """CCAvenue's kit encryption: AES-128-CBC, md5 key, fixed IV, PKCS#7, hex."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode()) + padder.finalize()
    enc = _cipher(working_key).encryptor()
    return (enc.update(data) + enc.finalize()).hex()


def decrypt(cipher_hex: str, working_key: str) -> str:
    """The inverse of ``encrypt``; raises ``WebhookRejected`` if it does not decrypt."""
    try:
        raw = bytes.fromhex(cipher_hex)
        dec = _cipher(working_key).decryptor()
        data = dec.update(raw) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(data) + unpadder.finalize()).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(f"encResp does not decrypt with our working key: {exc}") from exc


class CCAvenueEmulator(EmulatedGateway):
    name = "ccavenue"
    catalogue = CCAVENUE

    def __init__(
        self, journal: GatewayJournal, *args: Any, working_key: str, **kwargs: Any
    ) -> None:
        super().__init__(journal, *args, **kwargs)
        self.working_key = working_key

    def payment_id_for(self, counter: int) -> str:
        return numeric(self.seed, NS_CCAVENUE_PAYMENT, counter, 12)

    def refund_id_for(self, counter: int) -> str:
        return numeric(self.seed, NS_CCAVENUE_REFUND, counter, 12)

    def render_webhook(
        self, reference: str, event_type: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        refund = self.journal.refund(self.name, reference)
        row = self.journal.payment(self.name, refund.gateway_payment_id if refund else reference)
        if row is None:
            raise KeyError(reference)
        mode = (
            ("Credit Card" if row.card_type == "credit" else "Debit Card")
            if row.method == "card"
            else _MODES[row.method]
        )
        params = {
            "order_id": row.payment_id,
            "tracking_id": row.gateway_payment_id,
            "bank_ref_no": row.rrn or "",
            "order_status": _STATUS[row.state],
            "failure_message": row.error_description or "",
            "payment_mode": mode,
            "card_name": row.card_network or row.bank_code or row.wallet or "",
            "status_code": row.error_code or "",
            "status_message": row.error_reason or ("Y" if row.state != STATE_FAILED else ""),
            "currency": row.currency,
            "amount": paise_to_rupees(row.amount_paise),
            "merchant_param1": row.merchant_id,
            "merchant_param2": row.order_id,
        }
        if refund is not None:
            params.update(
                order_status="Refunded",
                refund_ref_no=refund.gateway_refund_id,
                refund_amount=paise_to_rupees(refund.amount_paise),
                merchant_param3=refund.refund_id,
            )
        body = urlencode(
            {"encResp": encrypt(urlencode(params), self.working_key), "orderNo": row.payment_id}
        ).encode()
        return {"Content-Type": "application/x-www-form-urlencoded"}, body

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> GatewayEvent:
        try:
            outer = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookRejected(f"not a CCAvenue form post: {exc}") from exc
        if "encResp" not in outer:
            raise WebhookRejected("missing encResp")
        params = dict(
            parse_qsl(decrypt(outer["encResp"], self.working_key), keep_blank_values=True)
        )
        status = params.get("order_status")
        if not params.get("order_id") or not params.get("tracking_id") or status is None:
            raise WebhookRejected("decrypted encResp lacks order_id, tracking_id or order_status")
        try:
            if status == "Refunded":
                amount = parse_rupees(params.get("refund_amount", ""))
            else:
                amount = parse_rupees(params.get("amount", ""))
        except MoneyError as exc:
            raise WebhookRejected(f"CCAvenue amount: {exc}") from exc
        if status == "Refunded":
            return GatewayEvent(
                gateway=self.name,
                event_type="refund.processed",
                gateway_payment_id=params["tracking_id"],
                payment_id=params["order_id"],
                amount_paise=amount,
                state=None,
                gateway_event_id=params.get("refund_ref_no"),
                raw=params,
            )
        state = _STATE.get(status)
        if state is None:
            raise WebhookRejected(f"unknown CCAvenue order_status {status!r}")
        failed = state == STATE_FAILED
        return GatewayEvent(
            gateway=self.name,
            event_type=event_type_for(state),
            gateway_payment_id=params["tracking_id"],
            payment_id=params["order_id"],
            amount_paise=amount,
            state=state,
            error_code=(params.get("status_code") or status) if failed else None,
            error_description=params.get("failure_message") or None if failed else None,
            rrn=params.get("bank_ref_no") or None,
            raw=params,
        )
