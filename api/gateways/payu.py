"""Emulated PayU: numeric ``mihpayid``, PayU ``E…`` error codes, reverse-hash callbacks.

User need: the payments service talks to a PayU that behaves like PayU, including the callback
it posts back (PayU's "surl/furl" response and its server-to-server copy).

Callback format (PayU's payment response, form-encoded): ``mihpayid``, ``mode`` (CC, DC, NB,
UPI, CASH), ``status`` (success, failure, pending), ``unmappedstatus`` (captured, auth, failed,
pending), ``key``, ``txnid`` (our payment id), ``amount`` (rupees, two decimals),
``productinfo`` (our order id), ``firstname``, ``email``, ``udf1`` (our merchant id) to
``udf5``, ``error`` (``E000`` on success), ``error_Message``, ``bank_ref_num`` (the RRN for
UPI), ``bankcode`` and ``hash``. PayU's reverse hash is SHA-512 of
``SALT|status||||||udf5|udf4|udf3|udf2|udf1|email|firstname|productinfo|amount|txnid|key``.

Refund callbacks are emulated in a simplified, documented form: the same form with
``action=refund``, ``request_id`` (PayU's refund id), ``token`` (our refund id), ``amount`` (the
refund) and ``hash`` = SHA-512 of ``SALT|action|request_id|mihpayid|amount|token|key``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from api.gateways.base import (
    STATE_AUTHORIZED,
    STATE_CAPTURED,
    STATE_FAILED,
    STATE_PENDING,
    GatewayEvent,
    WebhookRejected,
)
from api.gateways.catalogue import PAYU
from api.gateways.emulator import EmulatedGateway
from api.gateways.ids import NS_PAYU_PAYMENT, NS_PAYU_REFUND, numeric
from api.gateways.journal import GatewayJournal
from api.gateways.webhook_common import event_type_for
from hisaab.money import MoneyError, paise_to_rupees, parse_rupees

_MODES = {"upi": "UPI", "netbanking": "NB", "wallet": "CASH"}
_STATUS = {STATE_AUTHORIZED: "success", STATE_CAPTURED: "success", STATE_FAILED: "failure",
           STATE_PENDING: "pending"}  # fmt: skip
_UNMAPPED = {STATE_AUTHORIZED: "auth", STATE_CAPTURED: "captured", STATE_FAILED: "failed",
             STATE_PENDING: "pending"}  # fmt: skip
_STATE_FROM_UNMAPPED = {v: k for k, v in _UNMAPPED.items()}


def payu_response_hash(salt: str, f: Mapping[str, str]) -> str:
    """PayU's reverse hash over a payment response."""
    seq = [
        salt, f.get("status", ""), "", "", "", "", "", f.get("udf5", ""), f.get("udf4", ""),
        f.get("udf3", ""), f.get("udf2", ""), f.get("udf1", ""), f.get("email", ""),
        f.get("firstname", ""), f.get("productinfo", ""), f.get("amount", ""),
        f.get("txnid", ""), f.get("key", ""),
    ]  # fmt: skip
    return hashlib.sha512("|".join(seq).encode()).hexdigest()


def payu_refund_hash(salt: str, f: Mapping[str, str]) -> str:
    """The emulator's (simplified) hash over a refund callback."""
    seq = [salt, f.get("action", ""), f.get("request_id", ""), f.get("mihpayid", ""),
           f.get("amount", ""), f.get("token", ""), f.get("key", "")]  # fmt: skip
    return hashlib.sha512("|".join(seq).encode()).hexdigest()


class PayUEmulator(EmulatedGateway):
    name = "payu"
    catalogue = PAYU

    def __init__(
        self, journal: GatewayJournal, *args: Any, key: str, salt: str, **kwargs: Any
    ) -> None:
        super().__init__(journal, *args, **kwargs)
        self.key = key
        self.salt = salt

    def payment_id_for(self, counter: int) -> str:
        return numeric(self.seed, NS_PAYU_PAYMENT, counter, 11)

    def refund_id_for(self, counter: int) -> str:
        return numeric(self.seed, NS_PAYU_REFUND, counter, 10)

    def render_webhook(
        self, reference: str, event_type: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        refund = self.journal.refund(self.name, reference)
        row = self.journal.payment(self.name, refund.gateway_payment_id if refund else reference)
        if row is None:
            raise KeyError(reference)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if refund is not None:
            form = {
                "action": "refund",
                "status": "success",
                "mihpayid": row.gateway_payment_id,
                "request_id": refund.gateway_refund_id,
                "token": refund.refund_id,
                "txnid": row.payment_id,
                "amount": paise_to_rupees(refund.amount_paise),
                "key": self.key,
            }
            form["hash"] = payu_refund_hash(self.salt, form)
            return headers, urlencode(form).encode()
        state = row.state
        mode = (
            ("CC" if row.card_type == "credit" else "DC")
            if row.method == "card"
            else _MODES[row.method]
        )
        form = {
            "mihpayid": row.gateway_payment_id,
            "mode": mode,
            "status": _STATUS[state],
            "unmappedstatus": _UNMAPPED[state],
            "key": self.key,
            "txnid": row.payment_id,
            "amount": paise_to_rupees(row.amount_paise),
            "productinfo": row.order_id,
            "firstname": "",
            "email": "",
            "udf1": row.merchant_id,
            "udf2": "",
            "udf3": "",
            "udf4": "",
            "udf5": "",
            "field9": row.error_description or "Transaction Completed Successfully",
            "error": row.error_code or "E000",
            "error_Message": row.error_description or "No Error",
            "bank_ref_num": row.rrn or "",
            "bankcode": (row.bank_code or row.wallet or row.card_network or mode).upper(),
        }
        form["hash"] = payu_response_hash(self.salt, form)
        return headers, urlencode(form).encode()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> GatewayEvent:
        try:
            form = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookRejected(f"not a PayU form post: {exc}") from exc
        got = form.get("hash", "")
        is_refund = form.get("action") == "refund"
        expected = (payu_refund_hash if is_refund else payu_response_hash)(self.salt, form)
        if not got or not hmac.compare_digest(expected, got.lower()):
            raise WebhookRejected("PayU hash does not match the posted fields")
        if form.get("key") != self.key:
            raise WebhookRejected("PayU key is not ours")
        try:
            amount = parse_rupees(form.get("amount", ""))
        except MoneyError as exc:
            raise WebhookRejected(f"PayU amount: {exc}") from exc
        if is_refund:
            return GatewayEvent(
                gateway=self.name,
                event_type="refund.processed",
                gateway_payment_id=form.get("mihpayid"),
                payment_id=form.get("txnid"),
                amount_paise=amount,
                state=None,
                gateway_event_id=form.get("request_id"),
                raw=form,
            )
        state = _STATE_FROM_UNMAPPED.get(form.get("unmappedstatus", ""))
        if state is None:
            state = {"success": STATE_AUTHORIZED, "failure": STATE_FAILED}.get(
                form.get("status", ""), STATE_PENDING
            )
        failed = state == STATE_FAILED
        return GatewayEvent(
            gateway=self.name,
            event_type=event_type_for(state),
            gateway_payment_id=form.get("mihpayid"),
            payment_id=form.get("txnid"),
            amount_paise=amount,
            state=state,
            error_code=form.get("error") if failed else None,
            error_description=form.get("error_Message") if failed else None,
            rrn=form.get("bank_ref_num") or None,
            raw=form,
        )
