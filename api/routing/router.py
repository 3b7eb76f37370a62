"""Choose the gateway for each payment attempt, and learn from what happened.

User need: a merchant's payment should go where it is most likely to succeed, at the lowest cost
to us, never to a gateway that is down, and finance and operations must be able to see why each
payment went where it did. ``Router.choose`` returns a ``RoutingDecision``: the gateway, the
reason in words and as a code, and every candidate with its score (for the API to store);
``Router.record_outcome`` feeds each attempt's result back.

How a decision is made:

1. **Candidates**: the gateways that take the method (and wallet or card network), limited to the
   merchant's gateways, minus those already tried for this order (``exclude``), then the routing
   rules (``api.routing.rules``): allow-lists, blocks, preferences.
2. **Cost**: our cost at each gateway (``api.routing.costs``) against the merchant's fee; with
   ``avoid_loss_making`` a gateway that would lose money is dropped while a profitable one is
   left.
3. **Circuit breaker** per gateway: *closed* lets traffic through; it *opens* when, over the last
   ``breaker_window`` outcomes (at least ``breaker_min_calls``), the failure share reaches
   ``breaker_failure_threshold``. *Open* takes no traffic for ``breaker_open_s`` seconds, then
   turns *half-open*: up to ``half_open_max_calls`` trial payments go through; if
   ``half_open_successes`` of them succeed it closes with fresh windows (the outage's failures
   are forgotten), and any failure
   opens it again.
4. **Score** of each remaining candidate: its success rate for the method over the sliding window
   of the last ``window`` outcomes, smoothed towards the gateway's known rate (``prior_weight``
   pseudo-observations, so a gateway with three attempts is not judged on three), minus
   ``cost_weight`` x cost as a share of the amount, plus ``preferred_bonus`` for a rule's
   preferred gateway. One point of success rate is worth one per cent of the amount, so success
   rate decides and cost breaks ties. Highest score wins; equal scores go to the cheaper gateway,
   then by name.
5. **Exploration**: a share ``exploration_rate`` of payments (decided by a hash of the payment id,
   so deterministic) goes to the runner-up, so a gateway that lost traffic can show it recovered.

No eligible gateway at all raises ``NoGatewayAvailable`` (the API answers 503 or a failed
payment); it never routes to an open circuit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from api.gateways.catalogue import CATALOGUES
from api.routing.costs import CostTable
from api.routing.rules import RoutingRule, evaluate
from api.routing.state import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    BreakerState,
    InMemoryStateStore,
    RoutingStateStore,
)
from hisaab.money import mdr_fee
from pipelines.simulator import keys
from pipelines.simulator.gateways import GATEWAYS as SIMULATOR_PROFILES

# Reason codes of a decision.
BEST_SCORE = "best_score"
COST_TIEBREAK = "cost_tiebreak"
ONLY_CANDIDATE = "only_candidate"
FAILOVER = "failover"  # the best-scoring gateway's circuit is open
HALF_OPEN_PROBE = "half_open_probe"
EXPLORATION = "exploration"


class NoGatewayAvailable(RuntimeError):
    """No gateway may take this payment; ``candidates`` say why each was excluded."""

    def __init__(self, message: str, candidates: Sequence[CandidateScore]) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


@dataclass(frozen=True)
class RoutingContext:
    """What the router knows about a payment attempt."""

    merchant_id: str
    method: str
    amount_paise: int
    payment_id: str | None = None
    merchant_mdr_bps: int | None = None  # the merchant's contracted rate for this method
    merchant_gateways: tuple[str, ...] | None = None  # None: every gateway
    exclude: tuple[str, ...] = ()  # gateways already tried for this order
    wallet: str | None = None
    card_network: str | None = None


@dataclass(frozen=True)
class CandidateScore:
    gateway: str
    eligible: bool
    excluded_reason: str | None = None
    circuit_state: str = CLOSED
    success_rate: float | None = None  # smoothed estimate used in the score
    observed_success_rate: float | None = None  # raw share over the window
    window_attempts: int = 0
    cost_paise: int | None = None
    merchant_fee_paise: int | None = None
    margin_paise: int | None = None
    preferred: bool = False
    score: float | None = None


@dataclass(frozen=True)
class RoutingDecision:
    gateway: str
    reason: str
    candidates: tuple[CandidateScore, ...]
    reason_code: str = BEST_SCORE
    rules_applied: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the decision, for storing beside the payment attempt."""
        return {
            "gateway": self.gateway,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "rules_applied": list(self.rules_applied),
            "candidates": [asdict(c) for c in self.candidates],
        }


@dataclass(frozen=True)
class RouterConfig:
    window: int = 200
    prior_weight: float = 20.0
    cost_weight: float = 1.0
    preferred_bonus: float = 0.02
    exploration_rate: float = 0.0
    seed: int = 0
    avoid_loss_making: bool = True
    breaker_window: int = 50
    breaker_min_calls: int = 10
    breaker_failure_threshold: float = 0.5
    breaker_open_s: float = 30.0
    half_open_max_calls: int = 3
    half_open_successes: int = 2
    prior_success_rate: dict[str, dict[str, float]] = field(
        default_factory=lambda: {n: dict(p.success_rate) for n, p in SIMULATOR_PROFILES.items()}
    )


class Router:
    """Routes payment attempts across the gateways (see the module docstring)."""

    def __init__(
        self,
        *,
        rules: Iterable[RoutingRule] = (),
        costs: CostTable | None = None,
        config: RouterConfig | None = None,
        store: RoutingStateStore | None = None,
        gateways: Sequence[str] = tuple(CATALOGUES),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules = tuple(rules)
        self.costs = costs or CostTable()
        self.config = config or RouterConfig()
        self.store: RoutingStateStore = store or InMemoryStateStore()
        self.gateways = tuple(gateways)
        self.clock = clock

    @classmethod
    def from_settings(cls, **kwargs: Any) -> Router:
        """In-process state by default; Redis when ``REDIS_URL`` is set."""
        from hisaab.settings import get_settings

        url = get_settings().redis_url
        if url and "store" not in kwargs:
            from api.routing.state import RedisStateStore

            kwargs["store"] = RedisStateStore.from_url(url)
        return cls(**kwargs)

    # --- learning -----------------------------------------------------------------------------

    def record_outcome(self, gateway: str, method: str, success: bool, latency_ms: float) -> None:
        """Feed back one attempt: a decline, a timeout or an unknown outcome is not a success."""
        cfg = self.config
        self.store.record(gateway, method, success, max(cfg.window, cfg.breaker_window))
        current = self.store.breaker(gateway)
        if current.state == OPEN or (current.state == CLOSED and success):
            return  # the common case: nothing can change, so no transaction
        now = self.clock()
        recent = [] if success else self.store.gateway_outcomes(gateway)[: cfg.breaker_window]

        def transition(b: BreakerState) -> BreakerState | None:
            if b.state == HALF_OPEN:
                if not success:
                    return _opened(b, now)
                if b.trial_successes + 1 >= cfg.half_open_successes:
                    return BreakerState(CLOSED, opened_count=b.opened_count)
                return replace(b, trial_successes=b.trial_successes + 1)
            if b.state == CLOSED and not success:
                failures = recent.count(False)
                if (
                    len(recent) >= cfg.breaker_min_calls
                    and failures / len(recent) >= cfg.breaker_failure_threshold
                ):
                    return _opened(b, now)
            return None  # open: late results of calls made before it opened change nothing

        state, changed = self.store.update_breaker(gateway, transition)
        if changed and state.state == CLOSED:
            self.store.clear_gateway_window(gateway)

    def circuit_state(self, gateway: str) -> str:
        """closed, open or half_open (an open circuit past its cool-down reads half_open)."""
        return self._circuit(self.store.breaker(gateway))

    def _circuit(self, b: BreakerState) -> str:
        if b.state == OPEN and self._cooled(b):
            return HALF_OPEN
        return b.state

    def _cooled(self, b: BreakerState) -> bool:
        return b.opened_at is not None and self.clock() - b.opened_at >= self.config.breaker_open_s

    def _take_half_open_slot(self, gateway: str) -> bool:
        cfg = self.config

        now = self.clock()

        def take(b: BreakerState) -> BreakerState | None:
            if b.state == OPEN and self._cooled(b):
                b = replace(b, state=HALF_OPEN, trial_calls=0, trial_successes=0, half_open_at=now)
            if (
                b.state == HALF_OPEN
                and b.trial_calls >= cfg.half_open_max_calls
                and b.half_open_at is not None
                and now - b.half_open_at >= cfg.breaker_open_s
            ):
                # Trial calls whose outcomes never came back must not hold the circuit forever.
                b = replace(b, trial_calls=0, trial_successes=0, half_open_at=now)
            if b.state == HALF_OPEN and b.trial_calls < cfg.half_open_max_calls:
                return replace(b, trial_calls=b.trial_calls + 1)
            return None

        _, taken = self.store.update_breaker(gateway, take)
        return taken

    def snapshot(
        self, methods: Sequence[str] = ("upi", "card", "netbanking", "wallet")
    ) -> list[dict[str, Any]]:
        """Per gateway and method: circuit state, window attempts and success rate (for /metrics)."""
        out = []
        for g in self.gateways:
            breaker = self.store.breaker(g)
            for m in methods:
                window = self.store.outcomes(g, m)[: self.config.window]
                out.append(
                    {
                        "gateway": g,
                        "method": m,
                        "circuit_state": self.circuit_state(g),
                        "circuit_opened_total": breaker.opened_count,
                        "window_attempts": len(window),
                        "window_success_rate": window.count(True) / len(window) if window else None,
                    }
                )
        return out

    # --- deciding -----------------------------------------------------------------------------

    def choose(self, ctx: RoutingContext) -> RoutingDecision:
        cfg = self.config
        outcome = evaluate(self.rules, ctx.merchant_id, ctx.method, ctx.amount_paise)
        merchant_fee = (
            mdr_fee(ctx.amount_paise, ctx.merchant_mdr_bps)
            if ctx.merchant_mdr_bps is not None
            else None
        )
        view = self.store.view(self.gateways, ctx.method)
        cands: list[CandidateScore] = []
        for g in self.gateways:
            breaker, window = view[g]
            cost = self.costs.cost_paise(g, ctx.method, ctx.amount_paise)
            base = CandidateScore(
                gateway=g,
                eligible=False,
                circuit_state=self._circuit(breaker),
                cost_paise=cost,
                merchant_fee_paise=merchant_fee,
                margin_paise=merchant_fee - cost
                if merchant_fee is not None and cost is not None
                else None,
                preferred=g in outcome.preferred,
            )
            why = self._excluded(g, ctx, outcome)
            cands.append(
                replace(base, excluded_reason=why) if why else self._scored(base, ctx, window)
            )
        if cfg.avoid_loss_making:
            ok = [c for c in cands if c.eligible]
            if any((c.margin_paise or 0) >= 0 for c in ok):
                cands = [
                    replace(c, eligible=False, excluded_reason="loss_making", score=None)
                    if c.eligible and c.margin_paise is not None and c.margin_paise < 0
                    else c
                    for c in cands
                ]
        ranked = sorted(
            (c for c in cands if c.eligible),
            key=lambda c: (-(c.score or 0.0), c.cost_paise or 0, c.gateway),
        )
        if not ranked:
            raise NoGatewayAvailable(
                f"no gateway can take {ctx.method} for {ctx.merchant_id}: "
                + "; ".join(f"{c.gateway}: {c.excluded_reason}" for c in cands),
                cands,
            )
        best = ranked[0]
        order = list(ranked)
        explore = (
            ctx.payment_id is not None
            and len(ranked) > 1
            and keys.uniform(cfg.seed, "explore", ctx.payment_id) < cfg.exploration_rate
        )
        if explore:
            order = [ranked[1], ranked[0], *ranked[2:]]
        # A half-open gateway gets its few trial payments first (otherwise a gateway whose window
        # is full of outage failures would never be tried again); then the best closed one.
        chosen, probe = None, False
        for c in order:
            if c.circuit_state == HALF_OPEN and self._take_half_open_slot(c.gateway):
                chosen, probe = c, True
                break
        closed_out = [c.gateway for c in order if c.circuit_state != CLOSED and c is not chosen]
        if chosen is None:
            chosen = next((c for c in order if c.circuit_state == CLOSED), None)
        if chosen is not None:
            code, reason = self._reason(chosen, best, ranked, closed_out, probe, explore)
            final = tuple(
                replace(x, eligible=False, excluded_reason=f"circuit {x.circuit_state}")
                if x.gateway in closed_out
                else x
                for x in cands
            )
            return RoutingDecision(chosen.gateway, reason, final, code, outcome.applied)
        raise NoGatewayAvailable(
            "every eligible gateway's circuit is open: " + ", ".join(closed_out), cands
        )

    def _excluded(self, g: str, ctx: RoutingContext, outcome: Any) -> str | None:
        cat = CATALOGUES.get(g)
        if cat is None or not cat.supports(
            ctx.method, wallet=ctx.wallet, card_network=ctx.card_network
        ):
            return "method_not_supported"
        if ctx.merchant_gateways is not None and g not in ctx.merchant_gateways:
            return "not_enabled_for_merchant"
        if g in ctx.exclude:
            return "already_tried"
        if g in outcome.blocked:
            return f"blocked_by_rule:{outcome.blocked_by[g]}"
        if outcome.allowed is not None and g not in outcome.allowed:
            return f"not_allowed_by_rule:{','.join(outcome.allowed_by)}"
        if self.costs.cost_paise(g, ctx.method, ctx.amount_paise) is None:
            return "no_price"
        return None

    def _scored(self, c: CandidateScore, ctx: RoutingContext, window: list[bool]) -> CandidateScore:
        cfg = self.config
        window = window[: cfg.window]
        n, s = len(window), window.count(True)
        prior = cfg.prior_success_rate.get(c.gateway, {}).get(ctx.method, 0.9)
        rate = (s + cfg.prior_weight * prior) / (n + cfg.prior_weight)
        cost_share = (c.cost_paise or 0) / ctx.amount_paise if ctx.amount_paise > 0 else 0.0
        score = rate - cfg.cost_weight * cost_share + (cfg.preferred_bonus if c.preferred else 0.0)
        return replace(
            c,
            eligible=True,
            success_rate=round(rate, 6),
            observed_success_rate=round(s / n, 6) if n else None,
            window_attempts=n,
            score=round(score, 6),
        )

    @staticmethod
    def _reason(
        chosen: CandidateScore,
        best: CandidateScore,
        ranked: list[CandidateScore],
        closed_out: list[str],
        probe: bool,
        explore: bool,
    ) -> tuple[str, str]:
        sr = f"success rate {chosen.success_rate:.3f} over {chosen.window_attempts} attempts"
        cost = f"cost {chosen.cost_paise} paise"
        if probe:
            return HALF_OPEN_PROBE, f"{chosen.gateway}: half-open trial payment ({sr}, {cost})"
        if closed_out and chosen.gateway != best.gateway:
            return FAILOVER, (
                f"{chosen.gateway}: failover, circuit open on {', '.join(closed_out)} ({sr}, {cost})"
            )
        if explore:
            return EXPLORATION, f"{chosen.gateway}: exploration of the runner-up ({sr}, {cost})"
        if len(ranked) == 1:
            return ONLY_CANDIDATE, f"{chosen.gateway}: the only eligible gateway ({sr}, {cost})"
        runner = ranked[1]
        if runner.success_rate == chosen.success_rate and runner.preferred == chosen.preferred:
            return COST_TIEBREAK, (
                f"{chosen.gateway}: same success rate as {runner.gateway}, cheaper "
                f"({chosen.cost_paise} vs {runner.cost_paise} paise)"
            )
        pref = ", preferred by rule" if chosen.preferred else ""
        return BEST_SCORE, (
            f"{chosen.gateway}: highest score {chosen.score:.4f} ({sr}, {cost}{pref}); "
            f"next {runner.gateway} {runner.score:.4f}"
        )


def _opened(b: BreakerState, now: float) -> BreakerState:
    return BreakerState(OPEN, opened_at=now, opened_count=b.opened_count + 1)


_DEFAULT_ROUTER: Router | None = None


def default_router() -> Router:
    """The process-wide router (``Router.from_settings()``: Redis when ``REDIS_URL`` is set)."""
    global _DEFAULT_ROUTER
    if _DEFAULT_ROUTER is None:
        _DEFAULT_ROUTER = Router.from_settings()
    return _DEFAULT_ROUTER
