"""The simulated world's merchants and customers: deterministic, valid KYC, realistic shapes."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.in_ import gstin as stdnum_gstin
from stdnum.in_ import pan as stdnum_pan

from hisaab.ids import is_valid_id
from hisaab.kyc import GST_STATE_CODES, is_valid_gstin, is_valid_ifsc, is_valid_pan, is_valid_vpa
from pipelines.simulator.entities import (
    BANKS,
    CARD_NETWORKS,
    CATEGORIES,
    CITIES,
    GATEWAYS,
    NAME_GROUPS,
    WALLETS,
    WORLD_START,
    generate_customers,
    generate_merchants,
)

STDNUM_UNKNOWN_STATES = {"38", "97", "99"}

EXPECTED_MERCHANT_DTYPES = {
    "merchant_id": pl.String,
    "legal_name": pl.String,
    "trade_name": pl.String,
    "category": pl.String,
    "mcc": pl.String,
    "city": pl.String,
    "state": pl.String,
    "gst_state_code": pl.String,
    "pan": pl.String,
    "gstin": pl.String,
    "bank_ifsc": pl.String,
    "bank_account_number": pl.String,
    "beneficiary_name": pl.String,
    "merchant_vpa": pl.String,
    "onboarded_on": pl.Date,
    "settlement_cycle_days": pl.Int8,
    "mdr_bps_upi": pl.Int32,
    "mdr_bps_card": pl.Int32,
    "mdr_bps_netbanking": pl.Int32,
    "mdr_bps_wallet": pl.Int32,
    "gateways": pl.List(pl.String),
    "volume_weight": pl.Float64,
    "risk_tier": pl.String,
    "is_intra_state": pl.Boolean,
}
EXPECTED_CUSTOMER_DTYPES = {
    "customer_id": pl.String,
    "first_name": pl.String,
    "last_name": pl.String,
    "full_name": pl.String,
    "gender": pl.String,
    "date_of_birth": pl.Date,
    "phone": pl.String,
    "email": pl.String,
    "vpa": pl.String,
    "city": pl.String,
    "state": pl.String,
    "city_tier": pl.Int8,
    "device_id": pl.String,
    "card_token": pl.String,
    "card_network": pl.String,
    "card_last4": pl.String,
    "card_issuer": pl.String,
    "card_type": pl.String,
    "netbanking_bank": pl.String,
    "wallet": pl.String,
    "customer_since": pl.Date,
}


@pytest.fixture(scope="module")
def merchants() -> pl.DataFrame:
    return generate_merchants(seed=7, n=3_000)


@pytest.fixture(scope="module")
def customers() -> pl.DataFrame:
    return generate_customers(seed=7, n=50_000)


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_worlds() -> None:
    assert generate_merchants(11, 400).equals(generate_merchants(11, 400))
    assert generate_customers(11, 5_000).equals(generate_customers(11, 5_000))


def test_a_different_seed_gives_a_different_world() -> None:
    a, b = generate_merchants(11, 400), generate_merchants(12, 400)
    assert not a.equals(b)
    assert set(a["merchant_id"]).isdisjoint(b["merchant_id"])
    c, d = generate_customers(11, 5_000), generate_customers(12, 5_000)
    assert not c.equals(d)
    assert set(c["customer_id"]).isdisjoint(d["customer_id"])


def test_empty_world_keeps_the_schema() -> None:
    assert generate_merchants(1, 0).schema == pl.Schema(EXPECTED_MERCHANT_DTYPES)
    assert generate_customers(1, 0).schema == pl.Schema(EXPECTED_CUSTOMER_DTYPES)
    with pytest.raises(ValueError):
        generate_merchants(1, -1)


# --- merchants --------------------------------------------------------------------------------


def test_merchant_columns_and_dtypes(merchants: pl.DataFrame) -> None:
    assert merchants.schema == pl.Schema(EXPECTED_MERCHANT_DTYPES)
    assert merchants.height == 3_000
    assert merchants.null_count().sum_horizontal().item() == 0


def test_merchant_ids_are_unique_razorpay_shaped_ids(merchants: pl.DataFrame) -> None:
    assert merchants["merchant_id"].is_unique().all()
    assert all(is_valid_id(m, "mer") for m in merchants["merchant_id"])


def test_every_merchant_identifier_passes_kyc_and_stdnum(merchants: pl.DataFrame) -> None:
    for row in merchants.iter_rows(named=True):
        assert is_valid_pan(row["pan"]) and stdnum_pan.is_valid(row["pan"]), row["pan"]
        assert is_valid_gstin(row["gstin"]), row["gstin"]
        if row["gst_state_code"] not in STDNUM_UNKNOWN_STATES:
            assert stdnum_gstin.is_valid(row["gstin"]), row["gstin"]
        assert is_valid_ifsc(row["bank_ifsc"]), row["bank_ifsc"]
        assert is_valid_vpa(row["merchant_vpa"]), row["merchant_vpa"]


def test_gstin_is_the_state_code_and_pan(merchants: pl.DataFrame) -> None:
    assert (merchants["gstin"].str.slice(0, 2) == merchants["gst_state_code"]).all()
    assert (merchants["gstin"].str.slice(2, 10) == merchants["pan"]).all()
    for code, state in merchants.select("gst_state_code", "state").unique().iter_rows():
        assert GST_STATE_CODES[code] == state


def test_pan_holder_type_and_initial_match_the_legal_entity(merchants: pl.DataFrame) -> None:
    for legal, pan in merchants.select("legal_name", "pan").iter_rows():
        if legal.endswith("Limited"):
            assert pan[3] == "C", (legal, pan)
            assert pan[4] == legal[0]
        elif legal.endswith(" LLP"):
            assert pan[3] == "F", (legal, pan)
            assert pan[4] == legal[0]
        else:  # a proprietor: the individual's PAN carries the surname's initial
            assert pan[3] == "P", (legal, pan)
            assert pan[4] == legal.split()[-1][0]
    assert set(merchants["pan"].str.slice(3, 1)) == {"C", "F", "P"}


def test_kyc_identifiers_are_unique_per_merchant(merchants: pl.DataFrame) -> None:
    for column in ("pan", "gstin", "merchant_vpa", "trade_name", "bank_account_number"):
        assert merchants[column].is_unique().all(), column


def test_some_merchants_are_in_ladakh_which_stdnum_does_not_know(merchants: pl.DataFrame) -> None:
    ladakh = merchants.filter(pl.col("gst_state_code") == "38")
    assert 0 < ladakh.height < 0.05 * merchants.height
    assert set(ladakh["city"]) == {"Leh"}
    assert not any(stdnum_gstin.is_valid(g) for g in ladakh["gstin"])
    assert all(is_valid_gstin(g) for g in ladakh["gstin"])


def test_settlement_account_is_a_real_bank_code(merchants: pl.DataFrame) -> None:
    prefixes = {b.ifsc_prefix for b in BANKS}
    assert set(merchants["bank_ifsc"].str.slice(0, 5)) <= prefixes
    assert merchants["bank_ifsc"].str.contains(r"^[A-Z]{4}0\d{6}$").all()
    assert merchants["bank_account_number"].str.contains(r"^\d{9,18}$").all()
    assert (merchants["beneficiary_name"] == merchants["legal_name"].str.to_uppercase()).all()
    assert merchants["merchant_vpa"].str.ends_with(".hisaab@axisbank").all()


def test_category_and_mcc_agree(merchants: pl.DataFrame) -> None:
    for category, mcc in merchants.select("category", "mcc").unique().iter_rows():
        assert CATEGORIES[category].mcc == mcc
    assert set(merchants["category"]) == set(CATEGORIES)


def test_pricing_is_zero_mdr_upi_and_within_negotiated_ranges(merchants: pl.DataFrame) -> None:
    assert (merchants["mdr_bps_upi"] == 0).all()
    assert merchants["mdr_bps_card"].is_between(150, 210).all()
    assert merchants["mdr_bps_netbanking"].is_between(120, 190).all()
    assert merchants["mdr_bps_wallet"].is_between(150, 220).all()
    high = merchants.filter(pl.col("risk_tier") == "high")["mdr_bps_card"].mean()
    low = merchants.filter(pl.col("risk_tier") == "low")["mdr_bps_card"].mean()
    assert high > low  # type: ignore[operator]


def test_settlement_cycle_is_t_plus_1_for_70_percent(merchants: pl.DataFrame) -> None:
    counts = dict(merchants["settlement_cycle_days"].value_counts().iter_rows())
    assert counts == {1: 2_100, 2: 900}


def test_gateways_are_one_to_three_distinct_known_gateways(merchants: pl.DataFrame) -> None:
    for gateways in merchants["gateways"]:
        names = gateways.to_list()
        assert 1 <= len(names) <= 3
        assert len(set(names)) == len(names)
        assert set(names) <= set(GATEWAYS)
    counts = merchants["gateways"].list.len().value_counts()
    assert counts.height == 3


def test_volume_weights_are_a_zipf_like_distribution(merchants: pl.DataFrame) -> None:
    weights = merchants["volume_weight"]
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert (weights > 0).all()
    top_1_percent = weights.sort(descending=True).head(30).sum()
    assert top_1_percent > 0.3  # a few large merchants carry much of the volume


def test_risk_tier_home_state_and_onboarding(merchants: pl.DataFrame) -> None:
    assert set(merchants["risk_tier"]) <= {"low", "medium", "high"}
    gaming = merchants.filter(pl.col("category") == "online_gaming")
    assert (gaming["risk_tier"] == "high").all()
    assert (merchants["is_intra_state"] == (merchants["gst_state_code"] == "27")).all()
    assert merchants["is_intra_state"].any() and not merchants["is_intra_state"].all()
    assert merchants["onboarded_on"].max() < WORLD_START  # type: ignore[operator]
    assert merchants["onboarded_on"].min() >= date(2018, 1, 1)  # type: ignore[operator]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), n=st.integers(1, 60))
def test_any_seed_gives_valid_merchants(seed: int, n: int) -> None:
    frame = generate_merchants(seed, n)
    assert frame.height == n
    assert all(is_valid_gstin(g) for g in frame["gstin"])
    assert all(stdnum_pan.is_valid(p) for p in frame["pan"])
    assert frame["volume_weight"].sum() == pytest.approx(1.0)


# --- customers --------------------------------------------------------------------------------


def test_customer_columns_and_dtypes(customers: pl.DataFrame) -> None:
    assert customers.schema == pl.Schema(EXPECTED_CUSTOMER_DTYPES)
    assert customers.height == 50_000
    assert customers.null_count().sum_horizontal().item() == 0


def test_customer_ids_phones_emails_and_vpas_are_unique(customers: pl.DataFrame) -> None:
    for column in ("customer_id", "phone", "email", "vpa", "card_token", "device_id"):
        assert customers[column].is_unique().all(), column
    assert all(is_valid_id(c, "cust") for c in customers["customer_id"].head(1_000))


def test_every_customer_vpa_passes_kyc(customers: pl.DataFrame) -> None:
    assert all(is_valid_vpa(v) for v in customers["vpa"])
    handles = set(customers["vpa"].str.extract(r"@(.+)$"))
    assert {"ybl", "okhdfcbank", "oksbi", "paytm", "ibl"} <= handles
    phone_vpas = customers.filter(pl.col("vpa").str.contains(r"^\d{10}@"))
    assert (phone_vpas["vpa"].str.slice(0, 10) == phone_vpas["phone"]).all()
    assert 0.3 < phone_vpas.height / customers.height < 0.9


def test_contact_details_look_indian(customers: pl.DataFrame) -> None:
    assert customers["phone"].str.contains(r"^[6-9]\d{9}$").all()
    assert customers["email"].str.contains(r"^[a-z0-9._]+@[a-z.]+\.[a-z]+$").all()
    assert customers["device_id"].str.contains(r"^[0-9a-f]{16}$").all()
    assert customers["card_token"].str.contains(r"^token_[0-9A-Za-z]{14}$").all()
    assert customers["card_last4"].str.contains(r"^\d{4}$").all()


def test_customers_are_adults_who_signed_up_after_turning_18(customers: pl.DataFrame) -> None:
    dob = customers["date_of_birth"]
    assert dob.max() <= date(2008, 11, 1)  # type: ignore[operator]  # 18 by WORLD_START
    assert dob.min() > date(1955, 11, 1)  # type: ignore[operator]  # at most 70
    since = customers["customer_since"]
    assert since.max() < WORLD_START  # type: ignore[operator]
    assert (since >= dob.dt.offset_by("18y")).all()


def test_city_state_and_tier_agree(customers: pl.DataFrame) -> None:
    by_name = {c.name: c for c in CITIES}
    for city, state, tier in customers.select("city", "state", "city_tier").unique().iter_rows():
        assert by_name[city].state == state
        assert by_name[city].tier == tier
    assert set(customers["city_tier"]) == {1, 2, 3}


def test_payment_instruments_have_realistic_shares(customers: pl.DataFrame) -> None:
    assert set(customers["card_network"]) == set(CARD_NETWORKS)
    amex = customers.filter(pl.col("card_network") == "Amex")
    assert (amex["card_type"] == "credit").all()
    assert (amex["card_issuer"] == "American Express").all()
    debit = customers.filter(pl.col("card_type") == "debit")
    assert debit["card_network"].mode().item() == "RuPay"
    credit = customers.filter(pl.col("card_type") == "credit")
    assert credit["card_network"].mode().item() == "Visa"
    assert set(customers["netbanking_bank"]) <= {b.code for b in BANKS}
    assert set(customers["wallet"]) == set(WALLETS)
    assert set(customers["gender"]) == {"F", "M"}


def test_names_include_transliteration_variants_for_screening() -> None:
    first = {n for g in NAME_GROUPS for n in g.male_first + g.female_first}
    last = {n for g in NAME_GROUPS for n in g.surnames}
    assert {"Mohammed", "Muhammad", "Mohammad", "Mohd"} <= first
    assert {"Fatima", "Fathima", "Lakshmi", "Laxmi", "Gurpreet", "Joseph"} <= first
    assert {"Shaikh", "Sheikh", "Chaudhary", "Choudhary", "Agarwal", "Aggarwal"} <= last


def test_names_come_from_many_communities(customers: pl.DataFrame) -> None:
    last_names = set(customers["last_name"])
    for group in NAME_GROUPS:
        assert last_names & set(group.surnames), group.name
    assert (customers["full_name"] == customers["first_name"] + " " + customers["last_name"]).all()


def test_categories_carry_the_agreed_mccs() -> None:
    mccs = {name: c.mcc for name, c in CATEGORIES.items()}
    assert mccs["grocery"] == "5411"
    assert mccs["electronics"] == "5732"
    assert mccs["online_gaming"] == "7994"
    assert mccs["digital_goods"] == "5815"
    assert CATEGORIES["online_gaming"].risk_tier == "high"
    for category in CATEGORIES.values():
        assert sum(category.method_mix.values()) == pytest.approx(1.0)
        assert category.ticket_median_paise > 0


@pytest.mark.slow
def test_two_million_customers_keep_their_identifiers_unique() -> None:
    # Speed is measured by bench/bench_simulate.py, not asserted here.
    frame = generate_customers(2026, 2_000_000)
    assert frame.height == 2_000_000
    for column in ("customer_id", "phone", "email", "vpa", "card_token"):
        assert frame[column].is_unique().all(), column
