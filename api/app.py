"""The FastAPI application merchants call: ``create_app()`` wires routes, errors and middleware.

``uvicorn api.app:create_app --factory`` (``make serve``, ``hisaab api serve``) runs it against the
OLTP database from the settings, migrating it on startup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from api.db import Database, sqlalchemy_url
from api.errors import install_error_handlers
from api.idempotency.middleware import IdempotencyMiddleware
from api.idempotency.service import DEFAULT_TTL
from api.payments.gateway_port import GatewayPort, default_gateway_port
from hisaab import __version__
from hisaab.settings import Settings, get_settings

API_PREFIX = "/v1"


def _routers() -> list[APIRouter]:
    from api.merchants.router import router as merchants
    from api.orders.router import router as orders
    from api.payments.router import router as payments
    from api.refunds.router import router as refunds
    from api.settlements.router import router as settlements

    return [merchants, orders, payments, refunds, settlements]


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    gateway_port: GatewayPort | None = None,
    migrate: bool = True,
    idempotency_ttl: timedelta = DEFAULT_TTL,
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
    app.state.db = db
    app.state.settings = settings
    app.state.gateway_port = gateway_port or default_gateway_port()
    app.state.idempotency_ttl = idempotency_ttl
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware)

    health = APIRouter(tags=["health"])

    @health.get("/health")
    def get_health() -> dict[str, str]:
        """Liveness and database reachability; needs no authentication."""
        with db.read_session() as session:
            session.execute(text("select 1"))
        return {"status": "ok", "database": "sqlite" if db.is_sqlite else "postgres"}

    app.include_router(health, prefix=API_PREFIX)
    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)
    return app
