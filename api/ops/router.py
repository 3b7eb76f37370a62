"""``GET /v1/ops/gateway-health``, ``/v1/ops/routing`` and ``/v1/ops/webhook-backlog`` (ops role)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from api.auth.deps import DbDep
from api.payments.models import Payment
from api.users.deps import require_role
from api.users.tokens import StaffClaims
from api.webhooks.models import WebhookEvent

router = APIRouter(tags=["operations"])
Ops = Annotated[StaffClaims, Depends(require_role("ops"))]
SUCCESS = ("authorized", "captured", "refunded")


def _percentile(values: list[int], q: float) -> int | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


@router.get("/ops/gateway-health")
def gateway_health(
    db: DbDep, _staff: Ops, hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24
) -> dict[str, Any]:
    """Attempts, success rate and latency (p50, p95) per gateway, method and hour."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    with db.read_session() as session:
        rows = session.execute(
            select(
                Payment.gateway,
                Payment.method,
                Payment.status,
                Payment.gateway_latency_ms,
                Payment.created_at,
            ).where(Payment.created_at >= since, Payment.gateway.is_not(None))
        ).all()
    buckets: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for gateway, method, status, latency, created in rows:
        hour = created.replace(minute=0, second=0, microsecond=0).isoformat()
        buckets[(gateway, method, hour)].append((status, latency))
    items = []
    for (gateway, method, hour), attempts in sorted(buckets.items()):
        latencies = [lat for _, lat in attempts if lat is not None]
        ok = sum(1 for s, _ in attempts if s in SUCCESS)
        items.append(
            {
                "gateway": gateway,
                "method": method,
                "hour": hour,
                "attempts": len(attempts),
                "successes": ok,
                "success_rate": ok / len(attempts),
                "latency_p50_ms": _percentile(latencies, 0.5),
                "latency_p95_ms": _percentile(latencies, 0.95),
            }
        )
    return {"since": since.isoformat(), "items": items}


@router.get("/ops/routing")
def routing(
    db: DbDep, _staff: Ops, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> dict[str, Any]:
    """Recent routing decisions with their reasons, the gateways considered, failovers, and
    circuit state per gateway."""
    from api.routing.router import default_router

    with db.read_session() as session:
        recent = session.execute(
            select(
                Payment.id,
                Payment.method,
                Payment.amount_paise,
                Payment.gateway,
                Payment.status,
                Payment.routing_reason,
                Payment.created_at,
                Payment.routing_candidates,
            )
            .where(Payment.gateway.is_not(None))
            .order_by(Payment.created_at.desc())
            .limit(limit)
        ).all()
        reasons = session.execute(
            select(Payment.gateway, Payment.routing_reason, func.count())
            .where(Payment.gateway.is_not(None))
            .group_by(Payment.gateway, Payment.routing_reason)
        ).all()
    decisions = [
        {
            "payment_id": r[0],
            "method": r[1],
            "amount_paise": r[2],
            "gateway": r[3],
            "status": r[4],
            "routing_reason": r[5],
            "is_failover": "failover" in (r[5] or "").lower(),
            "created_at": r[6].isoformat(),
            "candidates": r[7] or [],
        }
        for r in recent
    ]
    try:
        circuits = default_router().snapshot()
    except Exception:  # noqa: BLE001 - a router that cannot be built has no snapshot to show
        circuits = []
    return {
        "decisions": decisions,
        "reasons": [{"gateway": g, "routing_reason": r, "count": int(n)} for g, r, n in reasons],
        "circuits": circuits,
    }


@router.get("/ops/webhook-backlog")
def webhook_backlog(db: DbDep, _staff: Ops) -> dict[str, Any]:
    """Webhook events by state, and the oldest undelivered one's age."""
    with db.read_session() as session:
        by_state = session.execute(
            select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state)
        ).all()
        oldest = session.scalar(
            select(func.min(WebhookEvent.created_at)).where(WebhookEvent.state == "pending")
        )
    age_s = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        age_s = int((datetime.now(UTC) - oldest).total_seconds())
    return {"by_state": {s: int(n) for s, n in by_state}, "oldest_pending_age_s": age_s}
