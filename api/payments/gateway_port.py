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
    """The gateway chosen, the reason in words, and every gateway considered (score or why not)."""

    gateway: str
    reason: str
    candidates: tuple[dict[str, Any], ...] = ()


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

    ``pinned_gateway`` turns routing off and sends every attempt to that gateway (the stored
    reason says so): for a merchant contracted to one gateway, and for tests of one emulator.
    """

    def __init__(
        self,
        router: Any = None,
        *,
        connector_for: Callable[[str], Any] | None = None,
        pinned_gateway: str | None = None,
    ) -> None:
        from api.gateways import get_connector
        from api.routing.router import default_router

        self._get_connector = connector_for or get_connector
        self._pinned = pinned_gateway
        self._router = None if pinned_gateway else (router or default_router())

    def route(self, ctx: AttemptContext) -> Route:
        if self._pinned is not None:
            return Route(self._pinned, f"routing off: pinned to {self._pinned}")
        from api.routing.router import NoGatewayAvailable, RoutingContext

        try:
            decision = self._router.choose(
                RoutingContext(
                    merchant_id=ctx.merchant_id,
                    method=ctx.method,
                    amount_paise=ctx.amount_paise,
                    payment_id=ctx.payment_id,
                    merchant_mdr_bps=ctx.mdr_bps,
                    wallet=ctx.wallet,
                )
            )
        except NoGatewayAvailable as exc:
            from api.errors import ApiError

            raise ApiError(
                503,
                f"No gateway can take this payment now: {exc}",
                reason="no_gateway_available",
                code="GATEWAY_ERROR",
                source="internal",
                step="payment_initiation",
            ) from exc
        return Route(
            gateway=decision.gateway,
            reason=decision.reason,
            candidates=tuple(decision.to_dict()["candidates"]),
        )

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


def default_gateway_port() -> GatewayPort:
    return ConnectorGatewayPort()
