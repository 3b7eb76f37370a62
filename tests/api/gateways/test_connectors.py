"""Emulated Razorpay, PayU and CCAvenue: ids, declines, timeouts, pending, no double charge."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from api.gateways import base
from api.gateways.base import (
    FAILED,
    SUCCESS,
    UNKNOWN,
    GatewayConnector,
    GatewayError,
    get_connector,
)
from api.gateways.catalogue import CATALOGUES, UPI_MAX_PAISE
from api.gateways.emulator import build_emulators
from api.gateways.faults import Degradation, FaultConfig, FaultInjector, FaultRates
from api.gateways.journal import GatewayJournal
from hisaab.ids import is_valid_id
from hisaab.money import fee_with_gst
from tests.api.gateways.conftest import World, make_world, request

GATEWAYS = ("razorpay", "payu", "ccavenue")


def test_every_emulator_keeps_the_connector_interface(world: World) -> None:
    for gw in world.gateways.values():
        assert isinstance(gw, GatewayConnector)


def test_each_gateway_issues_ids_in_its_own_format(world: World) -> None:
    ids = {name: world.gateways[name].authorize(request("card")) for name in GATEWAYS}
    assert is_valid_id(ids["razorpay"].gateway_payment_id or "", "pay")
    assert re.fullmatch(r"\d{11}", ids["payu"].gateway_payment_id or "")
    assert re.fullmatch(r"\d{12}", ids["ccavenue"].gateway_payment_id or "")
    upi = world.gateways["payu"].authorize(request("upi"))
    assert re.fullmatch(r"6307\d{8}", upi.rrn or ""), "RRN: year digit, IST day of year, sequence"


@pytest.mark.parametrize("name", GATEWAYS)
def test_capture_charges_the_contracted_mdr_with_gst_and_refunds_add_up(
    world: World, name: str
) -> None:
    gw = world.gateways[name]
    auth = gw.authorize(request("card", amount_paise=1_23_457))
    assert (auth.outcome, auth.state) == (SUCCESS, "authorized")
    cap = gw.capture(auth.gateway_payment_id or "", 1_23_457)
    assert (cap.outcome, cap.state) == (SUCCESS, "captured")
    row = world.journal.payment(name, auth.gateway_payment_id or "")
    assert row is not None
    split = fee_with_gst(1_23_457, 200)
    assert (row.fee_paise, row.tax_paise) == (split.fee_paise, split.gst_paise) == (2469, 444)
    assert row.settled_on == "2026-11-04", "T+1 from Tuesday 3 November IST"
    r1 = gw.refund(auth.gateway_payment_id or "", 23_457, "rfnd_A")
    assert (r1.outcome, r1.state, r1.refunded_paise) == (SUCCESS, "partially_refunded", 23_457)
    r2 = gw.refund(auth.gateway_payment_id or "", 1_00_000, "rfnd_B")
    assert (r2.outcome, r2.state) == (SUCCESS, "refunded")
    r3 = gw.refund(auth.gateway_payment_id or "", 1, "rfnd_C")
    assert r3.outcome == FAILED
    assert r3.error_code == CATALOGUES[name].refund_exceeds.code


@pytest.mark.parametrize("name", GATEWAYS)
def test_declines_carry_the_gateways_own_error_codes(tmp_path: Path, name: str) -> None:
    w = make_world(tmp_path / "j.sqlite3", FaultConfig(seed=1, rates={"*": FaultRates(1.0)}))
    codes = set()
    for method in ("upi", "card", "netbanking", "wallet"):
        res = w.gateways[name].authorize(request(method))
        assert res.outcome == FAILED and res.state == "failed"
        assert (res.error_code, res.error_reason) in {
            (e.code, e.reason) for e in CATALOGUES[name].declines[method]
        }
        codes.add(res.error_code)
    if name == "payu":
        assert all(c.startswith("E") or c in {"U30", "ZM", "Z9", "U69", "XB"} for c in codes)
    if name == "razorpay":
        assert codes <= {"BAD_REQUEST_ERROR", "GATEWAY_ERROR"}


@pytest.mark.parametrize("name", GATEWAYS)
def test_timeout_is_unknown_and_status_by_our_reference_tells_what_happened(
    tmp_path: Path, name: str
) -> None:
    rates = FaultRates(decline_rate=0.0, timeout_rate=1.0, timeout_completes_rate=0.5)
    w = make_world(tmp_path / "j.sqlite3", FaultConfig(seed=3, rates={"*": rates}))
    gw = w.gateways[name]
    outcomes = set()
    for _ in range(20):
        req = request("upi")
        res = gw.authorize(req)
        assert res.outcome == UNKNOWN and res.gateway_payment_id is None
        assert res.error_code == CATALOGUES[name].timeout.code
        st = gw.status(req.payment_id)
        assert st.outcome in (SUCCESS, FAILED) and st.payment_id == req.payment_id
        outcomes.add(st.outcome)
        # Asking again with the same payment id never authorises a second time.
        again = gw.authorize(req)
        assert again.gateway_payment_id == st.gateway_payment_id
        assert len([p for p in w.journal.all_payments(name) if p.payment_id == req.payment_id]) == 1
    assert outcomes == {SUCCESS, FAILED}, "some timed-out payments went through, some did not"


def test_pending_payment_stays_unknown_until_the_gateway_resolves_it(tmp_path: Path) -> None:
    rates = FaultRates(decline_rate=0.0, pending_rate=1.0, pending_succeeds_rate=1.0,
                       pending_resolve_s=120)  # fmt: skip
    w = make_world(tmp_path / "j.sqlite3", FaultConfig(seed=3, rates={"*": rates}))
    gw = w.gateways["ccavenue"]
    res = gw.authorize(request("upi"))
    assert (res.outcome, res.state, res.error_code) == (UNKNOWN, "pending", "Awaited")
    early = gw.capture(res.gateway_payment_id or "", res.amount_paise or 0)
    assert (early.outcome, early.state) == (FAILED, "pending"), "refused, nothing captured"
    w.clock.advance(seconds=119)
    assert gw.status(res.gateway_payment_id or "").outcome == UNKNOWN
    w.clock.advance(seconds=2)
    st = gw.status(res.gateway_payment_id or "")
    assert (st.outcome, st.state) == (SUCCESS, "authorized")


@pytest.mark.parametrize("name", GATEWAYS)
def test_a_capture_that_timed_out_is_settled_by_status_not_by_capturing_again(
    tmp_path: Path, name: str
) -> None:
    w = make_world(tmp_path / "j.sqlite3")
    gw = w.gateways[name]
    auth = gw.authorize(request("card"))
    w.reconfigure(
        FaultConfig(
            seed=5, rates={"*": FaultRates(0.0, timeout_rate=1.0, timeout_completes_rate=1.0)}
        )
    )
    cap = gw.capture(auth.gateway_payment_id or "", auth.amount_paise or 0)
    assert cap.outcome == UNKNOWN
    assert gw.status(auth.gateway_payment_id or "").state == "captured"
    second = gw.capture(auth.gateway_payment_id or "", auth.amount_paise or 0)
    assert second.outcome == FAILED and second.error_code == CATALOGUES[name].already_captured.code


def test_a_refund_asked_for_twice_moves_money_once(world: World) -> None:
    gw = world.gateways["razorpay"]
    auth = gw.authorize(request("wallet", amount_paise=10_000))
    gw.capture(auth.gateway_payment_id or "", 10_000)
    first = gw.refund(auth.gateway_payment_id or "", 4_000, "rfnd_Same")
    second = gw.refund(auth.gateway_payment_id or "", 4_000, "rfnd_Same")
    assert first.gateway_refund_id == second.gateway_refund_id
    assert is_valid_id(first.gateway_refund_id or "", "rfnd")
    assert gw.status(auth.gateway_payment_id or "").refunded_paise == 4_000
    assert gw.refund_status("rfnd_Same").outcome == SUCCESS
    assert gw.refund_status("rfnd_Never").outcome == FAILED


def test_capture_must_be_for_the_authorised_amount(world: World) -> None:
    gw = world.gateways["payu"]
    auth = gw.authorize(request("netbanking", amount_paise=5_000))
    res = gw.capture(auth.gateway_payment_id or "", 4_999)
    assert (res.outcome, res.error_code) == (FAILED, "303")
    assert gw.status(auth.gateway_payment_id or "").state == "authorized"


def test_unsupported_methods_wallets_networks_and_limits_get_the_gateways_refusal(
    world: World,
) -> None:
    rzp, payu, ccav = (world.gateways[n] for n in GATEWAYS)
    amex = payu.authorize(request("card", card_network="Amex"))
    assert (amex.outcome, amex.error_code) == (FAILED, "E907")
    paytm = rzp.authorize(request("wallet", wallet="paytm"))
    assert (paytm.outcome, paytm.error_reason) == (FAILED, "payment_method_not_enabled")
    big_upi = ccav.authorize(request("upi", amount_paise=UPI_MAX_PAISE + 1))
    assert (big_upi.outcome, big_upi.error_code) == (FAILED, "Invalid")
    usd = rzp.authorize(request("card", currency="USD"))
    assert (usd.outcome, usd.error_reason) == (FAILED, "input_validation_failed")
    no_token = rzp.authorize(request("card", card_token=None))
    assert no_token.outcome == FAILED
    assert world.journal.all_payments() == [], "refusals before processing leave no gateway record"


def test_test_mode_vpas_force_the_outcome(tmp_path: Path) -> None:
    w = make_world(tmp_path / "j.sqlite3", FaultConfig(seed=1, rates={"*": FaultRates(1.0)}))
    assert (
        w.gateways["razorpay"].authorize(request("upi", vpa="success@razorpay")).outcome == SUCCESS
    )
    w.reconfigure(FaultConfig.none())
    assert w.gateways["payu"].authorize(request("upi", vpa="failure@payu")).outcome == FAILED


def test_fault_draws_do_not_depend_on_the_order_of_requests(tmp_path: Path) -> None:
    cfg = FaultConfig(seed=11, rates={"*": FaultRates(decline_rate=0.3, timeout_rate=0.1)})
    reqs = [request("card") for _ in range(60)]
    a = make_world(tmp_path / "a.sqlite3", cfg)
    b = make_world(tmp_path / "b.sqlite3", cfg)
    first = {r.payment_id: a.gateways["payu"].authorize(r).outcome for r in reqs}
    second = {r.payment_id: b.gateways["payu"].authorize(r).outcome for r in reversed(reqs)}
    assert first == second
    assert {SUCCESS, FAILED, UNKNOWN} == set(first.values())


def test_natural_decline_rate_follows_the_gateway_profile(tmp_path: Path) -> None:
    w = make_world(tmp_path / "j.sqlite3", FaultConfig.realistic(seed=2))
    results = [w.gateways["ccavenue"].authorize(request("card")).outcome for _ in range(1500)]
    declined = results.count(FAILED) / len(results)
    assert 0.11 < declined < 0.19, f"CCAvenue cards succeed ~85% in the profile, got {1 - declined}"


def test_degraded_gateway_fails_with_its_downtime_error_until_the_window_ends(world: World) -> None:
    world.faults.degrade("razorpay", for_seconds=600)
    down = world.gateways["razorpay"].authorize(request("card"))
    assert (down.outcome, down.error_reason) == (FAILED, "gateway_technical_error")
    assert world.gateways["payu"].authorize(request("card")).outcome == SUCCESS
    world.clock.advance(seconds=601)
    assert world.gateways["razorpay"].authorize(request("card")).outcome == SUCCESS


def test_scheduled_degradation_applies_only_to_its_methods(tmp_path: Path) -> None:
    w = make_world(tmp_path / "j.sqlite3")
    start = w.clock.now
    plan = Degradation("payu", start, start + timedelta(hours=1), methods=frozenset({"upi"}))
    w.reconfigure(FaultConfig(seed=1, degradations=(plan,)))
    assert w.gateways["payu"].authorize(request("upi")).error_code == "E345"
    assert w.gateways["payu"].authorize(request("card")).outcome == SUCCESS


def test_latency_follows_the_gateway_profile_and_scales_to_zero(tmp_path: Path) -> None:
    slow = make_world(tmp_path / "slow.sqlite3", latency_scale=1.0)
    lat = sorted(slow.gateways["razorpay"].authorize(request("upi")).latency_ms for _ in range(201))
    assert 1500 < lat[100] < 2150, "median near Razorpay UPI's 1.8 s"
    assert slow.sleeps and max(slow.sleeps) > 1.0
    quick = make_world(tmp_path / "quick.sqlite3", latency_scale=0.0)
    res = quick.gateways["razorpay"].authorize(request("upi"))
    assert res.latency_ms == 0 and quick.sleeps == []


def test_journal_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    w = make_world(path)
    auth = w.gateways["ccavenue"].authorize(request("netbanking"))
    w.gateways["ccavenue"].capture(auth.gateway_payment_id or "", auth.amount_paise or 0)
    w.journal.close()
    again = make_world(path)
    st = again.gateways["ccavenue"].status(auth.gateway_payment_id or "")
    assert (st.outcome, st.state) == (SUCCESS, "captured")
    nxt = again.gateways["ccavenue"].authorize(request("netbanking"))
    assert nxt.gateway_payment_id != auth.gateway_payment_id, "the id sequence is durable too"


def test_concurrent_authorisations_of_one_payment_authorise_it_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = GatewayJournal(path)
    gws = build_emulators(journal, FaultInjector(FaultConfig.none()), latency_scale=0.0)
    req = request("card")
    results = []

    def go() -> None:
        results.append(gws["razorpay"].authorize(req))

    threads = [threading.Thread(target=go) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.gateway_payment_id for r in results}) == 1
    assert len(journal.all_payments("razorpay")) == 1


def test_get_connector_returns_one_emulator_per_gateway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISAAB_GATEWAY_JOURNAL", str(tmp_path / "j.sqlite3"))
    monkeypatch.setenv("HISAAB_GATEWAY_LATENCY_SCALE", "0")
    monkeypatch.setenv("HISAAB_GATEWAY_FAULTS", "none")
    import api.gateways.emulator as emulator

    monkeypatch.setattr(emulator, "_DEFAULTS", None)
    base.reset_connectors()
    try:
        rzp = get_connector("razorpay")
        assert rzp is get_connector("razorpay") and rzp.name == "razorpay"
        assert {get_connector(n).name for n in GATEWAYS} == set(GATEWAYS)
        assert rzp.authorize(request("card")).outcome == SUCCESS
        with pytest.raises(GatewayError):
            get_connector("stripe")
    finally:
        base.reset_connectors()


def test_a_gateway_can_be_started_degraded_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.gateways.config import EmulatorSettings

    monkeypatch.setenv("HISAAB_GATEWAY_DEGRADED", "payu:upi,card;ccavenue")
    cfg = EmulatorSettings(faults="none").fault_config()
    w = make_world(tmp_path / "j.sqlite3", cfg)
    assert w.gateways["payu"].authorize(request("upi")).error_code == "E345"
    assert w.gateways["payu"].authorize(request("netbanking")).outcome == SUCCESS
    assert w.gateways["ccavenue"].authorize(request("wallet")).outcome == FAILED
    assert w.gateways["razorpay"].authorize(request("wallet")).outcome == SUCCESS
    monkeypatch.setenv("HISAAB_GATEWAY_DEGRADED", "stripe")
    with pytest.raises(ValueError, match="unknown gateway"):
        EmulatorSettings().degradations()
