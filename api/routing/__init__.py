"""Payment routing: rules, success-rate and cost-aware choice, and circuit breakers.

User need: each payment attempt goes to the gateway most likely to succeed at the least cost,
and fails over when a gateway degrades; see ``api.routing.router``.
"""

from api.routing.router import (
    CandidateScore,
    NoGatewayAvailable,
    Router,
    RouterConfig,
    RoutingContext,
    RoutingDecision,
)
from api.routing.rules import RoutingRule

__all__ = [
    "CandidateScore",
    "NoGatewayAvailable",
    "Router",
    "RouterConfig",
    "RoutingContext",
    "RoutingDecision",
    "RoutingRule",
]
