"""The FastAPI application merchants call: ``create_app()`` wires routes, errors and middleware.

``uvicorn api.app:create_app --factory`` (``make serve``, ``hisaab api serve``) runs it against the
OLTP database from the settings, migrating it on startup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from api.auth.deps import PlatformPrincipal
from api.db import Database, sqlalchemy_url
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.idempotency.middleware import IdempotencyMiddleware
from api.idempotency.service import DEFAULT_TTL
from api.operations.metrics import ApiMetrics, InstrumentedGatewayPort
from api.operations.middleware import RequestObservability
from api.operations.ratelimit import RateLimit, build_limiter
from api.payments.gateway_port import GatewayPort, default_gateway_port
from hisaab import __version__
from hisaab.settings import Settings, get_settings

API_PREFIX = "/v1"


def _routers() -> list[APIRouter]:
    from api.bnpl.router import router as bnpl
    from api.chargebacks.router import router as chargebacks
    from api.merchants.router import router as merchants
    from api.orders.router import router as orders
    from api.payments.router import router as payments
    from api.recon.router import router as recon
    from api.refunds.router import router as refunds
    from api.settlements.router import router as settlements

    return [merchants, orders, payments, refunds, chargebacks, settlements, recon, bnpl]


def rate_limit_from_env() -> RateLimit:
    """``HISAAB_API_RATE_PER_S`` (default 50) and ``HISAAB_API_BURST`` (default 100) per key."""
    import os

    return RateLimit(
        rate_per_s=float(os.environ.get("HISAAB_API_RATE_PER_S", "50")),
        burst=int(os.environ.get("HISAAB_API_BURST", "100")),
    )


def webhook_backlog(db: Database) -> dict[str, int]:
    from api.webhooks.models import WebhookEvent

    with db.read_session() as session:
        rows = session.execute(
            select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state)
        ).all()
    return {state: int(n) for state, n in rows}


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    gateway_port: GatewayPort | None = None,
    migrate: bool = True,
    idempotency_ttl: timedelta = DEFAULT_TTL,
    rate_limit: RateLimit | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own database and gateway port; production passes none."""
    settings = settings or get_settings()
    db = database or Database(sqlalchemy_url(settings.oltp_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            from api.migrate import upgrade

            upgrade(db.url)
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="Hisaab payments API",
        version=__version__,
        description="Razorpay-shaped payments API: orders, payments, refunds, settlements. "
        "Amounts are integer paise. Authenticate with HTTP Basic (key id, key secret).",
        lifespan=lifespan,
    )
    metrics = ApiMetrics(backlog=lambda: webhook_backlog(db))
    app.state.db = db
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.gateway_port = InstrumentedGatewayPort(
        gateway_port or default_gateway_port(), metrics
    )
    app.state.idempotency_ttl = idempotency_ttl
    app.state.limiter = build_limiter(
        rate_limit if rate_limit is not None else rate_limit_from_env(), settings.redis_url
    )
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestObservability, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    def get_metrics(_principal: PlatformPrincipal) -> Response:
        """Prometheus exposition (platform key required)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    health = APIRouter(tags=["health"])

    @health.get("/health")
    def get_health() -> dict[str, str]:
        """Liveness and database reachability; needs no authentication."""
        with db.read_session() as session:
            session.execute(text("select 1"))
        return {"status": "ok", "database": "sqlite" if db.is_sqlite else "postgres"}

    app.include_router(health, prefix=API_PREFIX)
    for router in _routers():
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    from api.staff_routes import staff_routers  # staff (dashboard) routes: Bearer session, roles

    for router in staff_routers():
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    return app
