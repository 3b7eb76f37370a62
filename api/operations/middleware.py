"""One ASGI middleware for every request: metrics and a masked, structured log line."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.operations.masking import mask_key_id, mask_text
from api.operations.metrics import ApiMetrics
from hisaab.logging import get_logger, log_event

_log = get_logger("api.requests")


class RequestObservability:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status["code"])).inc()
            self.metrics.latency.labels(method, template).observe(elapsed)
            if _log.isEnabledFor(logging.INFO):
                principal = (scope.get("state") or {}).get("principal")
                query = scope.get("query_string", b"").decode("latin-1")
                log_event(
                    _log,
                    "http_request",
                    method=method,
                    path=mask_text(scope["path"]),
                    query=mask_text(query) if query else None,
                    route=template,
                    status=status["code"],
                    duration_ms=round(elapsed * 1000, 2),
                    key_id=mask_key_id(getattr(principal, "key_id", None)),
                    merchant_id=getattr(principal, "merchant_id", None),
                )
