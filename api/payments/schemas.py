"""Payment payloads: UPI, card by token only, netbanking, wallet.

A card number never enters this system: any field that looks like one (13-19 digits starting with
a card network's first digit 2-6 and passing the Luhn check, spaces and dashes ignored) or a ``card`` object is refused before validation goes
further, and the error never echoes it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from api.schemas import AmountPaise, Currency, Input, Notes, Output
from hisaab.kyc import KycError, validate_vpa

WALLETS = ("paytm", "phonepe", "amazonpay", "mobikwik", "freecharge", "airtelmoney", "jiomoney")
_DIGITS_RE = re.compile(r"[0-9][0-9 -]{10,30}[0-9]")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def looks_like_card_number(value: str) -> bool:
    """13-19 digits (spaces or dashes allowed) with a card network's first digit and a good Luhn.

    Twelve-digit UPI RRNs and ``+91`` phone numbers are not card numbers and pass.
    """
    for match in _DIGITS_RE.finditer(value):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn_ok(digits):
            return True
    return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)] + [
            k for k in value if isinstance(k, str)
        ]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def refuse_card_numbers(data: Any) -> Any:
    if isinstance(data, dict):
        if "card" in data:
            raise PydanticCustomError(
                "card_number_not_accepted",
                "card details are not accepted: pay by card with a network token (token_...)",
            )
        if any(looks_like_card_number(s) for s in _strings(data)):
            raise PydanticCustomError(
                "card_number_not_accepted",
                "a value looks like a card number: card numbers are never accepted, send a token",
            )
    return data


def _vpa(value: str) -> str:
    try:
        return validate_vpa(value)
    except KycError as exc:
        raise ValueError(str(exc)) from exc


class PaymentCreate(Input):
    order_id: Annotated[StrictStr, Field(pattern=r"^order_[0-9A-Za-z]{14}$")]
    amount: AmountPaise
    currency: Currency = "INR"
    method: Literal["upi", "card", "netbanking", "wallet"]
    vpa: Annotated[StrictStr, Field(max_length=256), AfterValidator(_vpa)] | None = None
    token: Annotated[StrictStr, Field(pattern=r"^token_[0-9A-Za-z]{14}$")] | None = None
    bank: Annotated[StrictStr, Field(pattern=r"^[A-Z]{4}$")] | None = None
    wallet: Literal[WALLETS] | None = None  # type: ignore[valid-type]
    email: (
        Annotated[StrictStr, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None
    ) = None
    contact: Annotated[StrictStr, Field(pattern=r"^\+?[0-9]{10,15}$")] | None = None
    notes: Notes = {}

    _refuse_cards = model_validator(mode="before")(refuse_card_numbers)

    @model_validator(mode="after")
    def _instrument_matches_method(self) -> PaymentCreate:
        needed = {"upi": "vpa", "card": "token", "netbanking": "bank", "wallet": "wallet"}
        for method, field in needed.items():
            given = getattr(self, field) is not None
            if method == self.method and not given:
                raise PydanticCustomError(
                    "instrument_missing",
                    "{field} is required for method {method}",
                    {"field": field, "method": method},
                )
            if method != self.method and given:
                raise PydanticCustomError(
                    "instrument_mismatch",
                    "{field} is not accepted for method {method}",
                    {"field": field, "method": self.method},
                )
        return self


class CaptureRequest(Input):
    amount: AmountPaise
    currency: Currency = "INR"


class AcquirerData(Output):
    rrn: str | None = None
    gateway_payment_id: str | None = None


class PaymentOut(Output):
    id: str
    entity: Literal["payment"] = "payment"
    amount: int
    currency: str
    status: str
    order_id: str
    invoice_id: None = None
    international: bool = False
    method: str
    amount_refunded: int
    refund_status: str | None
    captured: bool
    description: str | None = None
    card_id: None = None
    token_id: str | None
    bank: str | None
    wallet: str | None
    vpa: str | None
    email: str | None
    contact: str | None
    notes: dict[str, Any]
    fee: int | None
    tax: int | None
    error_code: str | None
    error_description: str | None
    error_source: str | None
    error_step: str | None
    error_reason: str | None
    acquirer_data: AcquirerData
    gateway: str | None
    created_at: int
