"""Routing rules: which gateways a payment may go to, and which are preferred.

User need: operations and merchant managers steer traffic without code: "cards above ₹2 lakh
only through CCAvenue and Razorpay", "merchant X prefers PayU", "no wallets on CCAvenue". A rule
matches on method, an amount band (``min_amount_paise`` inclusive, ``max_amount_paise``
exclusive) and merchant; every matching rule applies: ``allowed`` lists intersect, ``blocked``
gateways are removed, ``preferred`` gateways get the router's preference bonus. Rules load from
plain dicts (YAML or JSON) with ``RoutingRule.from_dict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RoutingRule:
    name: str
    methods: frozenset[str] | None = None
    min_amount_paise: int | None = None
    max_amount_paise: int | None = None
    merchant_ids: frozenset[str] | None = None
    allowed: tuple[str, ...] | None = None
    blocked: tuple[str, ...] = ()
    preferred: tuple[str, ...] = ()

    def matches(self, merchant_id: str, method: str, amount_paise: int) -> bool:
        return (
            (self.methods is None or method in self.methods)
            and (self.min_amount_paise is None or amount_paise >= self.min_amount_paise)
            and (self.max_amount_paise is None or amount_paise < self.max_amount_paise)
            and (self.merchant_ids is None or merchant_id in self.merchant_ids)
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoutingRule:
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"rule {d.get('name')!r}: unknown keys {sorted(unknown)}")

        def fs(key: str) -> frozenset[str] | None:
            return frozenset(d[key]) if d.get(key) is not None else None

        def tup(key: str) -> tuple[str, ...] | None:
            return tuple(d[key]) if d.get(key) is not None else None

        return cls(
            name=str(d["name"]),
            methods=fs("methods"),
            min_amount_paise=d.get("min_amount_paise"),
            max_amount_paise=d.get("max_amount_paise"),
            merchant_ids=fs("merchant_ids"),
            allowed=tup("allowed"),
            blocked=tup("blocked") or (),
            preferred=tup("preferred") or (),
        )


@dataclass(frozen=True)
class RuleOutcome:
    """What the matching rules say about one payment."""

    applied: tuple[str, ...]
    allowed: frozenset[str] | None  # None: no allow-list applies
    blocked: frozenset[str]
    preferred: tuple[str, ...]
    blocked_by: dict[str, str] = field(default_factory=dict)  # gateway -> rule name
    allowed_by: tuple[str, ...] = ()  # rules whose allow-lists apply


def evaluate(
    rules: Iterable[RoutingRule], merchant_id: str, method: str, amount_paise: int
) -> RuleOutcome:
    applied: list[str] = []
    allowed: set[str] | None = None
    blocked: set[str] = set()
    preferred: list[str] = []
    blocked_by: dict[str, str] = {}
    allowed_by: list[str] = []
    for r in rules:
        if not r.matches(merchant_id, method, amount_paise):
            continue
        applied.append(r.name)
        if r.allowed is not None:
            allowed = set(r.allowed) if allowed is None else allowed & set(r.allowed)
            allowed_by.append(r.name)
        for g in r.blocked:
            blocked.add(g)
            blocked_by.setdefault(g, r.name)
        preferred.extend(g for g in r.preferred if g not in preferred)
    return RuleOutcome(
        applied=tuple(applied),
        allowed=frozenset(allowed) if allowed is not None else None,
        blocked=frozenset(blocked),
        preferred=tuple(preferred),
        blocked_by=blocked_by,
        allowed_by=tuple(allowed_by),
    )
