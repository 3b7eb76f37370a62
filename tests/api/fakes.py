"""A scripted gateway port for API tests: outcomes chosen by the payment's own details.

Tests only. Production binds the port to ``api.routing`` and ``api.gateways``. Scripts:
the UPI VPA ``decline@...`` is declined (``BAD_REQUEST_ERROR``), ``timeout@...`` times out
(outcome ``unknown``, status check later says success); a refund of 13_13 paise fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from api.payments.gateway_port import AttemptContext, Route

REFUND_FAIL_AMOUNT = 1313


@dataclass(frozen=True)
class Result:
    outcome: str
    gateway: str
    gateway_payment_id: str | None
    error_code: str | None = None
    error_description: str | None = None
    latency_ms: float = 1.0
    rrn: str | None = None
    gateway_refund_id: str | None = None


class ScriptedGatewayPort:
    def __init__(self, gateway: str = "razorpay") -> None:
        self.gateway = gateway
        self.calls: list[tuple[str, str]] = []
        self.outcomes: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()
        self._n = 0

    def _next(self) -> int:
        with self._lock:
            self._n += 1
            return self._n

    def route(self, ctx: AttemptContext) -> Route:
        return Route(self.gateway, f"test: only {self.gateway} is configured for {ctx.method}")

    def authorize(self, gateway: str, ctx: AttemptContext) -> Result:
        self.calls.append(("authorize", ctx.payment_id))
        n = self._next()
        gid = f"gw_{n:012d}"
        if ctx.vpa and ctx.vpa.startswith("decline@"):
            return Result("failed", gateway, gid, "BAD_REQUEST_ERROR", "Payment declined by bank")
        if ctx.vpa and ctx.vpa.startswith("timeout@"):
            return Result("unknown", gateway, None, "GATEWAY_TIMEOUT", "no answer in 30 s")
        return Result("success", gateway, gid, rrn=f"{n:012d}")

    def capture(self, gateway: str, gateway_payment_id: str, amount_paise: int) -> Result:
        self.calls.append(("capture", gateway_payment_id))
        return Result("success", gateway, gateway_payment_id)

    def refund(
        self, gateway: str, gateway_payment_id: str, amount_paise: int, refund_id: str
    ) -> Result:
        self.calls.append(("refund", refund_id))
        if amount_paise == REFUND_FAIL_AMOUNT:
            return Result("failed", gateway, gateway_payment_id, "REFUND_FAILED", "bank rejected")
        return Result(
            "success", gateway, gateway_payment_id, gateway_refund_id=f"rf_{self._next()}"
        )

    def status(self, gateway: str, gateway_payment_id: str) -> Result:
        self.calls.append(("status", gateway_payment_id))
        return Result("success", gateway, f"gw_late_{self._next()}", rrn="999999999999")

    def record_outcome(self, gateway: str, method: str, success: bool, latency_ms: float) -> None:
        self.outcomes.append((gateway, method, success))
