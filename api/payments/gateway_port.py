"""How the payments service reaches gateways: routing and connectors behind one small port.

The port picks a gateway for an attempt (the router, with its reason) and calls the chosen
connector. Production binds it to ``api.routing`` and ``api.gateways``; tests may bind a
scripted one. Results are read duck-typed (``outcome``, ``gateway_payment_id``, ``error_code``,
``error_description``, ``latency_ms``, ``rrn``, ``gateway_refund_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class AttemptContext:
    """What routing and the gateway need to know about one payment attempt."""

    payment_id: str
    order_id: str
    merchant_id: str
    method: str
    amount_paise: int
    currency: str
    mdr_bps: int
    settlement_cycle_days: int
    vpa: str | None = None
    card_token: str | None = None
    bank_code: str | None = None
    wallet: str | None = None


@dataclass(frozen=True)
class Route:
    gateway: str
    reason: str


class GatewayPort(Protocol):
    def route(self, ctx: AttemptContext) -> Route: ...

    def authorize(self, gateway: str, ctx: AttemptContext) -> Any: ...

    def capture(self, gateway: str, gateway_payment_id: str, amount_paise: int) -> Any: ...

    def refund(
        self, gateway: str, gateway_payment_id: str, amount_paise: int, refund_id: str
    ) -> Any: ...

    def status(self, gateway: str, gateway_payment_id: str) -> Any: ...

    def record_outcome(
        self, gateway: str, method: str, success: bool, latency_ms: float
    ) -> None: ...


class ConnectorGatewayPort:
    """The production port: ``api.routing.router.Router`` and ``api.gateways.get_connector``."""

    def __init__(self) -> None:
        from api.gateways import get_connector  # type: ignore[attr-defined]
        from api.routing.router import Router  # type: ignore[import-not-found]

        self._get_connector = get_connector
        self._router = Router()

    def route(self, ctx: AttemptContext) -> Route:
        from api.routing.router import RoutingContext  # type: ignore[import-not-found]

        decision = self._router.choose(
            RoutingContext(
                merchant_id=ctx.merchant_id,
                method=ctx.method,
                amount_paise=ctx.amount_paise,
            )
        )
        return Route(gateway=decision.gateway, reason=decision.reason)

    def authorize(self, gateway: str, ctx: AttemptContext) -> Any:
        from api.gateways.base import AuthorizeRequest  # type: ignore[import-not-found]

        return self._get_connector(gateway).authorize(
            AuthorizeRequest(
                payment_id=ctx.payment_id,
                order_id=ctx.order_id,
                merchant_id=ctx.merchant_id,
                method=ctx.method,
                amount_paise=ctx.amount_paise,
                currency=ctx.currency,
                vpa=ctx.vpa,
                card_token=ctx.card_token,
                bank_code=ctx.bank_code,
                wallet=ctx.wallet,
                mdr_bps=ctx.mdr_bps,
                settlement_cycle_days=ctx.settlement_cycle_days,
            )
        )

    def capture(self, gateway: str, gateway_payment_id: str, amount_paise: int) -> Any:
        return self._get_connector(gateway).capture(gateway_payment_id, amount_paise)

    def refund(
        self, gateway: str, gateway_payment_id: str, amount_paise: int, refund_id: str
    ) -> Any:
        return self._get_connector(gateway).refund(gateway_payment_id, amount_paise, refund_id)

    def status(self, gateway: str, gateway_payment_id: str) -> Any:
        return self._get_connector(gateway).status(gateway_payment_id)

    def record_outcome(self, gateway: str, method: str, success: bool, latency_ms: float) -> None:
        self._router.record_outcome(gateway, method, success, latency_ms)


class UnavailableGatewayPort:
    """Used when no gateway package is installed: payments answer 503 instead of crashing."""

    def route(self, ctx: AttemptContext) -> Route:
        from api.errors import ApiError

        raise ApiError(
            503,
            "No payment gateway is configured on this server",
            reason="gateway_unavailable",
            code="GATEWAY_ERROR",
            source="internal",
        )

    def authorize(self, gateway: str, ctx: AttemptContext) -> Any:  # pragma: no cover
        raise NotImplementedError

    def capture(self, gateway: str, gateway_payment_id: str, amount_paise: int) -> Any:
        raise NotImplementedError  # pragma: no cover

    def refund(
        self, gateway: str, gateway_payment_id: str, amount_paise: int, refund_id: str
    ) -> Any:
        raise NotImplementedError  # pragma: no cover

    def status(self, gateway: str, gateway_payment_id: str) -> Any:
        raise NotImplementedError  # pragma: no cover

    def record_outcome(self, gateway: str, method: str, success: bool, latency_ms: float) -> None:
        return None


def default_gateway_port() -> GatewayPort:
    try:
        return ConnectorGatewayPort()
    except ImportError:
        return UnavailableGatewayPort()
