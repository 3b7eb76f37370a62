"""The gateway connector interface the payments service calls, whichever gateway it routes to.

User need: a merchant's payment goes to Razorpay, PayU or CCAvenue depending on routing, and the
payments service must treat them alike: authorise, capture, refund, ask for status, read the
gateway's callback. Every call returns a ``GatewayResult`` whose ``outcome`` is ``success``,
``failed`` or ``unknown``. ``unknown`` (a timeout, a pending UPI collect, CCAvenue's
"Awaited") means the money may or may not have moved: the caller must ask ``status()`` later and
must never retry the operation blindly, because a blind retry can charge a customer twice.

``status()`` accepts the gateway's payment id or our own payment id (the merchant reference:
Razorpay's receipt, PayU's ``txnid``, CCAvenue's ``order_id``), because a timed-out
authorisation returns no gateway id and every real gateway can be asked by our reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

SUCCESS = "success"
FAILED = "failed"
UNKNOWN = "unknown"
OUTCOMES = (SUCCESS, FAILED, UNKNOWN)

METHODS = ("upi", "card", "netbanking", "wallet")
GATEWAY_NAMES = ("razorpay", "payu", "ccavenue")

# What a payment is at the gateway, normalised across gateways (``GatewayResult.state``).
STATE_PENDING = "pending"
STATE_AUTHORIZED = "authorized"
STATE_CAPTURED = "captured"
STATE_FAILED = "failed"
STATE_REFUNDED = "refunded"  # fully refunded
STATE_PARTIALLY_REFUNDED = "partially_refunded"


class GatewayError(Exception):
    """A programming or configuration error (unknown gateway, bad config), not a decline."""


class WebhookRejected(ValueError):
    """A gateway callback whose signature, hash or encryption does not check out."""


@dataclass(frozen=True)
class AuthorizeRequest:
    """One payment attempt sent to a gateway. Cards travel as a network token, never a number.

    ``mdr_bps`` is the merchant's contracted MDR for this method: the emulated gateways charge it
    in their settlement files, which is what the fee audit checks. ``settlement_cycle_days`` is
    the merchant's T+N. Both have defaults so callers that do not know them still work.
    """

    payment_id: str
    order_id: str
    merchant_id: str
    method: str  # upi | card | netbanking | wallet
    amount_paise: int
    currency: str
    vpa: str | None = None
    card_token: str | None = None
    bank_code: str | None = None
    wallet: str | None = None
    mdr_bps: int | None = None
    settlement_cycle_days: int = 1
    card_network: str | None = None  # Visa, MasterCard, RuPay, ... (from the token's metadata)
    card_type: str | None = None  # credit | debit
    card_issuer: str | None = None  # issuing bank code, e.g. HDFC


@dataclass(frozen=True)
class GatewayResult:
    """What one gateway call came back with.

    ``error_code`` is the gateway's own code (Razorpay ``BAD_REQUEST_ERROR``, PayU ``E…``,
    CCAvenue ``order_status``/status code); ``error_reason`` a normalised reason such as
    ``insufficient_funds`` or ``gateway_timeout``. ``state`` is the payment's state at the gateway
    after the call (see the ``STATE_*`` names), when known.
    """

    outcome: str  # "success" | "failed" | "unknown"
    gateway: str
    gateway_payment_id: str | None
    error_code: str | None
    error_description: str | None
    latency_ms: float
    rrn: str | None = None
    error_reason: str | None = None
    state: str | None = None
    gateway_refund_id: str | None = None
    amount_paise: int | None = None
    payment_id: str | None = None  # ours, echoed back (status by reference)
    refunded_paise: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {self.outcome!r}")


@dataclass(frozen=True)
class GatewayEvent:
    """A gateway callback (webhook), verified and normalised.

    ``event_type`` is one of ``payment.authorized``, ``payment.captured``, ``payment.failed``,
    ``payment.pending``, ``refund.processed``. ``raw`` keeps the gateway's fields as sent.
    """

    gateway: str
    event_type: str
    gateway_payment_id: str | None
    payment_id: str | None  # ours (merchant reference), when the gateway echoes it
    amount_paise: int | None
    state: str | None
    error_code: str | None = None
    error_description: str | None = None
    rrn: str | None = None
    gateway_event_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class GatewayConnector(Protocol):
    """What every gateway connector offers the payments service."""

    name: str

    def authorize(self, req: AuthorizeRequest) -> GatewayResult: ...

    def capture(self, gateway_payment_id: str, amount_paise: int) -> GatewayResult: ...

    def refund(
        self, gateway_payment_id: str, amount_paise: int, refund_id: str
    ) -> GatewayResult: ...

    def status(self, gateway_payment_id: str) -> GatewayResult: ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> GatewayEvent: ...


_FACTORY: Callable[[str], GatewayConnector] | None = None
_CONNECTORS: dict[str, GatewayConnector] = {}


def set_connector_factory(factory: Callable[[str], GatewayConnector] | None) -> None:
    """Replace how ``get_connector`` builds connectors (tests; a real-gateway deployment)."""
    global _FACTORY
    _FACTORY = factory
    _CONNECTORS.clear()


def register_connector(connector: GatewayConnector) -> None:
    """Make ``get_connector(connector.name)`` return this instance."""
    _CONNECTORS[connector.name] = connector


def get_connector(name: str) -> GatewayConnector:
    """The process-wide connector for ``razorpay``, ``payu`` or ``ccavenue``.

    By default the emulated gateways, configured from the environment
    (``api.gateways.config.EmulatorSettings``), sharing one journal and one fault injector.
    """
    if name not in GATEWAY_NAMES:
        raise GatewayError(f"unknown gateway {name!r}; known: {', '.join(GATEWAY_NAMES)}")
    if name not in _CONNECTORS:
        if _FACTORY is not None:
            _CONNECTORS[name] = _FACTORY(name)
        else:
            from api.gateways.emulator import default_emulators

            _CONNECTORS.update(default_emulators())
    return _CONNECTORS[name]


def reset_connectors() -> None:
    """Forget built connectors (the next ``get_connector`` rebuilds them)."""
    _CONNECTORS.clear()
