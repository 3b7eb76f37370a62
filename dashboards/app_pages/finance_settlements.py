"""Finance: settlements per merchant and gateway against the bank, and the fee audit (MDR, GST)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards.auth import require_role
from dashboards.formatting import count, inr, money_columns
from dashboards.warehouse import NotBuilt, query

require_role("finance")
st.title("Settlements and fee audit")

try:
    settlements = query(
        "select gateway, merchant_id, count(*) as settlements, "
        "cast(sum(gross_paise) as bigint) as gross_paise, cast(sum(fee_paise) as bigint) as fee_paise, "
        "cast(sum(tax_paise) as bigint) as tax_paise, cast(sum(net_paise) as bigint) as net_paise, "
        "cast(sum(case when is_delayed then 1 else 0 end) as bigint) as delayed, "
        "cast(sum(case when bank_match_status <> 'matched' then 1 else 0 end) as bigint) as bank_unmatched, "
        "cast(sum(coalesce(bank_difference_paise, 0)) as bigint) as bank_difference_paise "
        "from marts.fct_settlement_recon group by gateway, merchant_id order by net_paise desc"
    )
    fees = query(
        "select gateway, merchant_id, method, count(*) as payments, "
        "cast(sum(case when is_fee_mismatch then 1 else 0 end) as bigint) as fee_mismatches, "
        "cast(sum(case when is_tax_mismatch then 1 else 0 end) as bigint) as gst_mismatches, "
        "cast(sum(charged_fee_paise) as bigint) as charged_fee_paise, "
        "cast(sum(expected_fee_paise) as bigint) as expected_fee_paise, "
        "cast(sum(fee_difference_paise) as bigint) as fee_difference_paise, "
        "cast(sum(tax_difference_paise) as bigint) as gst_difference_paise "
        "from marts.fct_fee_audit group by gateway, merchant_id, method order by fee_difference_paise desc"
    )
except NotBuilt as exc:
    st.info(str(exc))
    st.stop()
if settlements.empty:
    st.info(
        "No settlements reconciled yet. Run `hisaab recon` after ingesting the gateways' files."
    )
    st.stop()

gateways = st.multiselect("Gateway", sorted(settlements["gateway"].unique()), key="s_gateway")
if gateways:
    settlements = settlements[settlements["gateway"].isin(gateways)]
    fees = fees[fees["gateway"].isin(gateways)]

c1, c2, c3, c4 = st.columns(4)
c1.metric("Settlements", count(settlements["settlements"].sum()))
c2.metric("Net settled", inr(int(settlements["net_paise"].sum())))
c3.metric("Delayed settlements", count(settlements["delayed"].sum()))
c4.metric(
    "Fee overcharged",
    inr(int(fees.loc[fees["fee_difference_paise"] > 0, "fee_difference_paise"].sum())),
)

st.subheader("Per merchant and gateway")
per_gateway = settlements.groupby("gateway", as_index=False)[
    ["gross_paise", "fee_paise", "tax_paise", "net_paise"]
].sum()
per_gateway["net_rupees"] = per_gateway["net_paise"] // 100
per_gateway["net"] = per_gateway["net_paise"].map(inr)
st.altair_chart(
    alt.Chart(per_gateway)
    .mark_bar()
    .encode(
        x=alt.X("net_rupees:Q", title="net settled (₹)"),
        y=alt.Y("gateway:N", sort="-x"),
        tooltip=["gateway", "net"],
    ),
    width="stretch",
)
st.dataframe(money_columns(settlements, decimals=False), hide_index=True, width="stretch")

st.subheader("Fee audit: charged against contracted MDR and 18% GST")
mismatched = fees[(fees["fee_mismatches"] > 0) | (fees["gst_mismatches"] > 0)]
if mismatched.empty:
    st.success("Every fee and GST charged matches the contract.")
else:
    st.dataframe(money_columns(mismatched, decimals=True), hide_index=True, width="stretch")
