"""Routing: rules, success-rate windows, cost, circuit breakers, on memory and on Redis."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from api.gateways.base import AuthorizeRequest
from api.gateways.emulator import build_emulators
from api.gateways.faults import FaultConfig, FaultInjector
from api.gateways.journal import GatewayJournal
from api.routing.costs import CostTable, GatewayPrice
from api.routing.router import (
    BEST_SCORE,
    COST_TIEBREAK,
    EXPLORATION,
    FAILOVER,
    HALF_OPEN_PROBE,
    NoGatewayAvailable,
    Router,
    RouterConfig,
    RoutingContext,
)
from api.routing.rules import RoutingRule
from api.routing.state import RedisStateStore, RoutingStateStore
from tests.api.routing.conftest import FakeClock, redis_store

EVEN = {g: dict.fromkeys(("upi", "card", "netbanking", "wallet"), 0.9)
        for g in ("razorpay", "payu", "ccavenue")}  # fmt: skip


def ctx(method: str = "card", amount: int = 1_00_000, **kw: object) -> RoutingContext:
    base: dict[str, object] = {"merchant_id": "mer_A", "method": method, "amount_paise": amount,
                               "merchant_mdr_bps": 200}  # fmt: skip
    base.update(kw)
    return RoutingContext(**base)  # type: ignore[arg-type]


def router(store: RoutingStateStore, clock: FakeClock, **kw: object) -> Router:
    cfg = kw.pop("config", RouterConfig(prior_success_rate=EVEN))
    return Router(store=store, clock=clock, config=cfg, **kw)  # type: ignore[arg-type]


def test_cost_breaks_ties_between_equally_good_gateways(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    d = router(store, clock).choose(ctx("card"))
    assert (d.gateway, d.reason_code) == ("payu", COST_TIEBREAK)  # 165 bps < 170 < 175
    by = {c.gateway: c for c in d.candidates}
    assert by["payu"].cost_paise == 1650 and by["razorpay"].cost_paise == 1750
    assert by["payu"].margin_paise == 2000 - 1650
    nb = router(store, clock).choose(ctx("netbanking"))
    assert nb.gateway == "ccavenue", "CCAvenue's 120 bps is the cheapest netbanking"


def test_success_rate_over_the_window_outweighs_cost(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    r = router(store, clock)
    for i in range(100):  # PayU cards decline a lot lately (not enough to open the breaker)
        r.record_outcome("payu", "card", i % 5 < 3, 900.0)
        r.record_outcome("razorpay", "card", i % 20 != 0, 900.0)
    d = r.choose(ctx("card"))
    assert (d.gateway, d.reason_code) == ("razorpay", BEST_SCORE)
    by = {c.gateway: c for c in d.candidates}
    assert by["razorpay"].observed_success_rate == 0.95 and by["payu"].observed_success_rate == 0.6
    assert by["razorpay"].window_attempts == 100
    # The window slides: PayU's last 200 outcomes turn good and it wins back on cost.
    for _ in range(200):
        r.record_outcome("payu", "card", True, 800.0)
    assert r.choose(ctx("card")).gateway == "payu"


def test_rules_allow_block_and_prefer_by_method_amount_and_merchant(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    rules = [
        RoutingRule("big_cards", methods=frozenset({"card"}), min_amount_paise=2_00_000_00,
                    allowed=("razorpay", "ccavenue")),
        RoutingRule("no_ccavenue_for_mer_B", merchant_ids=frozenset({"mer_B"}),
                    blocked=("ccavenue",)),
        RoutingRule("mer_C_likes_razorpay", merchant_ids=frozenset({"mer_C"}),
                    preferred=("razorpay",)),
    ]  # fmt: skip
    r = router(store, clock, rules=rules)
    assert r.choose(ctx("card", amount=2_00_000_00 - 1)).gateway == "payu", "band is [min, max)"
    big = r.choose(ctx("card", amount=2_00_000_00))
    assert big.gateway == "ccavenue" and big.rules_applied == ("big_cards",)
    assert {c.gateway: c.excluded_reason for c in big.candidates}["payu"] == (
        "not_allowed_by_rule:big_cards"
    )
    b = r.choose(ctx("card", amount=2_00_000_00, merchant_id="mer_B"))
    assert b.gateway == "razorpay"
    assert {c.gateway: c.excluded_reason for c in b.candidates}["ccavenue"] == (
        "blocked_by_rule:no_ccavenue_for_mer_B"
    )
    c = r.choose(ctx("card", merchant_id="mer_C"))
    assert c.gateway == "razorpay" and "preferred by rule" in c.reason


def test_rules_load_from_plain_dicts_and_refuse_unknown_keys() -> None:
    rule = RoutingRule.from_dict({"name": "upi_payu", "methods": ["upi"], "preferred": ["payu"]})
    assert rule.matches("m", "upi", 100) and not rule.matches("m", "card", 100)
    with pytest.raises(ValueError, match="unknown keys"):
        RoutingRule.from_dict({"name": "x", "method": ["upi"]})


def test_method_support_merchant_gateways_and_tried_gateways_limit_the_candidates(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    r = router(store, clock)
    d = r.choose(ctx("card", card_network="Amex", merchant_gateways=("payu", "ccavenue")))
    reasons = {c.gateway: c.excluded_reason for c in d.candidates}
    assert d.gateway == "ccavenue"
    assert reasons == {"razorpay": "not_enabled_for_merchant", "payu": "method_not_supported",
                       "ccavenue": None}  # fmt: skip
    retry = r.choose(ctx("wallet", wallet="paytm", exclude=("payu",)))
    assert retry.gateway == "ccavenue" and retry.reason_code == "only_candidate"
    with pytest.raises(NoGatewayAvailable) as err:
        r.choose(ctx("wallet", wallet="paytm", exclude=("payu", "ccavenue")))
    assert "already_tried" in str(err.value)


def test_a_gateway_that_would_lose_money_is_avoided_while_a_profitable_one_exists(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    costs = CostTable({"razorpay": {"card": GatewayPrice(150)},
                       "payu": {"card": GatewayPrice(120, fixed_paise=500)},
                       "ccavenue": {"card": GatewayPrice(210)}})  # fmt: skip
    r = router(store, clock, costs=costs)
    d = r.choose(ctx("card", amount=1_00_000, merchant_mdr_bps=200))  # merchant pays 2000 paise
    by = {c.gateway: c for c in d.candidates}
    assert by["ccavenue"].excluded_reason == "loss_making" and by["ccavenue"].margin_paise == -100
    assert by["razorpay"].cost_paise == 1500 and by["payu"].cost_paise == 1700
    assert d.gateway == "razorpay", "PayU's lower rate loses to its fixed fee on ₹1,000"


def test_degraded_gateway_has_its_circuit_opened_and_traffic_fails_over(
    store: RoutingStateStore, clock: FakeClock, tmp_path: Path
) -> None:
    journal = GatewayJournal(tmp_path / "journal.sqlite3")
    faults = FaultInjector(FaultConfig.none(seed=9))
    gws = build_emulators(journal, faults, latency_scale=0.0)
    costs = CostTable({g: {"upi": GatewayPrice(0, fixed_paise=f)} for g, f in
                       (("razorpay", 100), ("payu", 200), ("ccavenue", 300))})  # fmt: skip
    # A heavy prior keeps success-rate routing from moving the traffic first, so the breaker
    # is what acts here (the test above shows the window moving traffic on its own).
    cfg = RouterConfig(prior_success_rate=EVEN, prior_weight=10_000, breaker_min_calls=10,
                       breaker_open_s=30)  # fmt: skip
    r = router(store, clock, costs=costs, config=cfg)
    faults.degrade("razorpay", for_seconds=3600)

    def pay(i: int) -> tuple[str, str, str]:
        d = r.choose(ctx("upi", amount=50_000, payment_id=f"pay_R{i:012d}", merchant_mdr_bps=0))
        res = gws[d.gateway].authorize(
            AuthorizeRequest(
                f"pay_R{i:012d}",
                f"order_R{i:010d}",
                "mer_A",
                "upi",
                50_000,
                "INR",
                vpa="ravi@okicici",
            )  # fmt: skip
        )
        r.record_outcome(d.gateway, "upi", res.outcome == "success", res.latency_ms)
        return d.gateway, d.reason_code, res.outcome

    first = [pay(i) for i in range(10)]
    assert [g for g, _, _ in first] == ["razorpay"] * 10, "cheapest until the breaker trips"
    assert all(o == "failed" for _, _, o in first)
    assert r.circuit_state("razorpay") == "open"
    after = [pay(i) for i in range(10, 30)]
    assert {g for g, _, _ in after} == {"payu"}
    assert {code for _, code, _ in after} == {FAILOVER}
    assert all(o == "success" for _, _, o in after)
    d = r.choose(ctx("upi", amount=50_000, merchant_mdr_bps=0))
    assert "circuit open on razorpay" in d.reason
    assert {c.gateway: c.excluded_reason for c in d.candidates}["razorpay"] == "circuit open"

    # Recovery: the gateway comes back; after the cool-down, trial payments close the circuit.
    faults.recover("razorpay")
    clock.advance(31)
    assert r.circuit_state("razorpay") == "half_open"
    probes = [pay(i) for i in range(30, 32)]
    assert probes == [("razorpay", HALF_OPEN_PROBE, "success")] * 2
    assert r.circuit_state("razorpay") == "closed"
    assert pay(32) == ("razorpay", BEST_SCORE, "success")
    journal.close()


def test_a_failure_while_half_open_opens_the_circuit_again(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    r = router(store, clock, config=RouterConfig(prior_success_rate=EVEN, breaker_min_calls=4))
    for _ in range(4):
        r.record_outcome("payu", "card", False, 10_000.0)
    assert r.circuit_state("payu") == "open"
    assert r.choose(ctx("card")).gateway == "ccavenue"
    clock.advance(30)
    probe = r.choose(ctx("card"))
    assert (probe.gateway, probe.reason_code) == ("payu", HALF_OPEN_PROBE)
    r.record_outcome("payu", "card", False, 10_000.0)
    assert r.circuit_state("payu") == "open"
    assert store.breaker("payu").opened_count == 2
    assert r.choose(ctx("card")).gateway == "ccavenue"


def test_half_open_lets_only_a_few_trial_payments_through_until_they_report(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    cfg = RouterConfig(prior_success_rate=EVEN, breaker_min_calls=4, half_open_max_calls=2)
    r = router(store, clock, config=cfg)
    for _ in range(4):
        r.record_outcome("payu", "card", False, 1.0)
    clock.advance(30)
    gateways = [r.choose(ctx("card")).gateway for _ in range(5)]
    assert gateways == ["payu", "payu", "ccavenue", "ccavenue", "ccavenue"]
    clock.advance(30)  # the trial outcomes never came back: a new trial round starts
    assert r.choose(ctx("card")).gateway == "payu"


def test_every_circuit_open_means_no_route_rather_than_a_dead_gateway(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    r = router(store, clock, config=RouterConfig(prior_success_rate=EVEN, breaker_min_calls=2))
    for g in ("razorpay", "payu", "ccavenue"):
        r.record_outcome(g, "upi", False, 1.0)
        r.record_outcome(g, "upi", False, 1.0)
    with pytest.raises(NoGatewayAvailable, match="circuit is open"):
        r.choose(ctx("upi"))


def test_exploration_sends_a_deterministic_share_to_the_runner_up(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    cfg = RouterConfig(prior_success_rate=EVEN, exploration_rate=0.1, seed=3)
    r = router(store, clock, config=cfg)
    picks = [r.choose(ctx("card", payment_id=f"pay_X{i:012d}")) for i in range(1000)]
    explored = [d for d in picks if d.reason_code == EXPLORATION]
    assert 70 < len(explored) < 130 and {d.gateway for d in explored} == {"ccavenue"}
    again = [r.choose(ctx("card", payment_id=f"pay_X{i:012d}")).gateway for i in range(1000)]
    assert again == [d.gateway for d in picks]


def test_decision_is_stored_as_json_with_every_candidate(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    d = router(store, clock).choose(ctx("upi", wallet=None, merchant_mdr_bps=0))
    record = json.loads(json.dumps(d.to_dict()))
    assert record["gateway"] == d.gateway and record["reason"] == d.reason
    assert [c["gateway"] for c in record["candidates"]] == ["razorpay", "payu", "ccavenue"]
    assert all("score" in c and "circuit_state" in c for c in record["candidates"])


def test_two_api_workers_share_breakers_and_windows_through_redis(clock: FakeClock) -> None:
    store_a = redis_store()
    store_b = RedisStateStore(store_a.r, prefix=store_a.prefix)
    try:
        cfg = RouterConfig(prior_success_rate=EVEN, breaker_min_calls=4)
        worker_a, worker_b = router(store_a, clock, config=cfg), router(store_b, clock, config=cfg)
        for _ in range(4):
            worker_a.record_outcome("payu", "card", False, 1.0)
        assert worker_b.circuit_state("payu") == "open"
        assert worker_b.choose(ctx("card")).gateway == "ccavenue"
        clock.advance(30)
        taken: list[str] = []

        def choose() -> None:
            taken.append(worker_b.choose(ctx("card")).gateway)

        threads = [threading.Thread(target=choose) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert taken.count("payu") == cfg.half_open_max_calls, "trial slots are atomic"
    finally:
        store_a.delete_all()
    assert list(store_a.r.scan_iter(match=f"{store_a.prefix}*")) == []


def test_router_from_settings_uses_redis_when_redis_url_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hisaab import settings

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings.get_settings.cache_clear()
    try:
        assert isinstance(Router.from_settings().store, RedisStateStore)
        monkeypatch.delenv("REDIS_URL")
        settings.get_settings.cache_clear()
        assert not isinstance(Router.from_settings().store, RedisStateStore)
    finally:
        settings.get_settings.cache_clear()


def test_snapshot_reports_circuits_and_window_success_rates_per_method(
    store: RoutingStateStore, clock: FakeClock
) -> None:
    r = router(store, clock, config=RouterConfig(prior_success_rate=EVEN, breaker_min_calls=4))
    for ok in (True, False, False, False, False):
        r.record_outcome("ccavenue", "netbanking", ok, 100.0)
    rows = {(x["gateway"], x["method"]): x for x in r.snapshot()}
    nb = rows[("ccavenue", "netbanking")]
    assert (nb["circuit_state"], nb["circuit_opened_total"]) == ("open", 1)
    assert (nb["window_attempts"], nb["window_success_rate"]) == (5, 0.2)
    assert rows[("payu", "upi")]["window_success_rate"] is None
