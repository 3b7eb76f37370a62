"""Gateway connectors: the interface the payments service calls and the emulated gateways.

User need: payments are routed to Razorpay, PayU or CCAvenue and handled alike; see
``api.gateways.base`` for the interface and ``api.gateways.emulator`` for how the emulators
behave, ``api.gateways.settlement`` for the settlement files they produce.
"""

from api.gateways.base import (
    FAILED,
    SUCCESS,
    UNKNOWN,
    AuthorizeRequest,
    GatewayConnector,
    GatewayEvent,
    GatewayResult,
    WebhookRejected,
    get_connector,
)

__all__ = [
    "FAILED",
    "SUCCESS",
    "UNKNOWN",
    "AuthorizeRequest",
    "GatewayConnector",
    "GatewayEvent",
    "GatewayResult",
    "WebhookRejected",
    "get_connector",
]
