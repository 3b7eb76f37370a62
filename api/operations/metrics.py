"""Prometheus metrics: requests, latency, routing decisions, gateway outcomes, webhook backlog.

Each app has its own registry (tests build many apps in one process). ``/metrics`` needs a
platform key, like every route but health and docs.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily


class ApiMetrics:
    def __init__(self, backlog: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hisaab_api_requests_total",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hisaab_api_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.routing_decisions = Counter(
            "hisaab_routing_decisions_total",
            "Gateway chosen for payment attempts",
            ["gateway", "method"],
            registry=self.registry,
        )
        self.gateway_outcomes = Counter(
            "hisaab_gateway_outcomes_total",
            "Gateway authorisation outcomes (success, failed, unknown)",
            ["gateway", "method", "outcome"],
            registry=self.registry,
        )
        self.gateway_latency = Histogram(
            "hisaab_gateway_latency_seconds",
            "Gateway authorisation latency",
            ["gateway"],
            registry=self.registry,
        )
        self.registry.register(_BacklogCollector(backlog))


class _BacklogCollector:
    def __init__(self, backlog: Callable[[], dict[str, int]]) -> None:
        self.backlog = backlog

    def collect(self):  # type: ignore[no-untyped-def]
        g = GaugeMetricFamily(
            "hisaab_webhook_events", "Webhook outbox events by delivery state", labels=["state"]
        )
        try:
            counts = self.backlog()
        except Exception:  # a metrics scrape must not fail because the DB blinked
            counts = {}
        for state in ("pending", "delivered", "failed"):
            g.add_metric([state], counts.get(state, 0))
        yield g


class InstrumentedGatewayPort:
    """Wraps a gateway port to count routing decisions and gateway outcomes."""

    def __init__(self, inner, metrics: ApiMetrics) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.metrics = metrics

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    def route(self, ctx):  # type: ignore[no-untyped-def]
        route = self.inner.route(ctx)
        self.metrics.routing_decisions.labels(route.gateway, ctx.method).inc()
        return route

    def record_outcome(self, gateway: str, method: str, success: bool, latency_ms: float) -> None:
        self.inner.record_outcome(gateway, method, success, latency_ms)
        self.metrics.gateway_latency.labels(gateway).observe(latency_ms / 1000)

    def authorize(self, gateway, ctx):  # type: ignore[no-untyped-def]
        result = self.inner.authorize(gateway, ctx)
        self.metrics.gateway_outcomes.labels(gateway, ctx.method, result.outcome).inc()
        return result
