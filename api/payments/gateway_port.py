"""How the payments service reaches gateways: routing and connectors behind one small port.

The port picks a gateway for an attempt (the router, with its reason) and calls the chosen
connector. Production binds it to ``api.routing`` and ``api.gateways``; tests may bind a
scripted one. Results are read duck-typed (``outcome``, ``gateway_payment_id``, ``error_code``,
``error_description``, ``latency_ms``, ``rrn``, ``gateway_refund_id``).
"""

from __future__ import annotations

from collections.abc import Callable
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
    """The production port: ``api.routing.router.Router`` and ``api.gateways.get_connector``.

    Without the routing package every attempt goes to ``fallback_gateway``, and the stored
    reason says so.
    """

    def __init__(
        self,
        router: Any = None,
        *,
        connector_for: Callable[[str], Any] | None = None,
        fallback_gateway: str = "razorpay",
    ) -> None:
        from api.gateways import get_connector

        self._get_connector = connector_for or get_connector
        self._fallback = fallback_gateway
        if router is None:
            try:
                from api.routing.router import default_router
            except ImportError:
                router = None
            else:
                router = default_router()
        self._router = router

    def route(self, ctx: AttemptContext) -> Route:
        if self._router is None:
            return Route(self._fallback, f"no router configured: default gateway {self._fallback}")
        from api.routing import router as routing

        try:
            decision = self._router.choose(
                routing.RoutingContext(
                    merchant_id=ctx.merchant_id,
                    method=ctx.method,
                    amount_paise=ctx.amount_paise,
                    payment_id=ctx.payment_id,
                    merchant_mdr_bps=ctx.mdr_bps,
                    wallet=ctx.wallet,
                )
            )
        except getattr(routing, "NoGatewayAvailable", LookupError) as exc:
            from api.errors import ApiError

            raise ApiError(
                503,
                f"No gateway can take this payment now: {exc}",
                reason="no_gateway_available",
                code="GATEWAY_ERROR",
                source="internal",
                step="payment_initiation",
            ) from exc
        return Route(gateway=decision.gateway, reason=decision.reason)

    def authorize(self, gateway: str, ctx: AttemptContext) -> Any:
        from api.gateways.base import AuthorizeRequest

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
        if self._router is not None:
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
