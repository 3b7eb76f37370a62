"""Finance: yesterday's match rate per source, breaks by kind and age, amount at risk, trend."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.api_client import ApiProblem
from dashboards.auth import require_role
from dashboards.breaks_view import OPEN_STATUSES, summary
from dashboards.formatting import count, inr, pct
from dashboards.warehouse import NotBuilt, query

api = require_role("finance")
st.title("Reconciliation overview")

try:
    daily = query(
        "select source, business_date, items, matched_items, pending_items, "
        "cast(match_rate as double) as match_rate, amount_paise, unmatched_amount_paise "
        "from marts.agg_recon_daily order by business_date, source"
    )
except NotBuilt as exc:
    st.info(str(exc))
    st.stop()
if daily.empty:
    st.info(
        "The recon marts are empty. Run `hisaab simulate`, `hisaab ingest`, `hisaab extract`, `hisaab recon`."
    )
    st.stop()
try:
    breaks = summary(api)  # breaks and amount per kind, status, first-seen date, age
except ApiProblem as exc:
    st.error(f"Break statuses unavailable: {exc}")
    breaks = pd.DataFrame()

latest = daily["business_date"].max()
day = daily[daily["business_date"] == latest]
open_breaks = breaks[breaks["status"].isin(OPEN_STATUSES)] if not breaks.empty else breaks
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    f"Match rate {latest:%d %b %Y}", pct(day["matched_items"].sum() / max(day["items"].sum(), 1))
)
c2.metric("Open breaks", count(int(open_breaks["breaks"].sum()) if not open_breaks.empty else 0))
c3.metric(
    "Amount at risk",
    inr(int(open_breaks["amount_at_risk_paise"].sum()) if not open_breaks.empty else 0),
)
c4.metric("Unmatched value, latest day", inr(int(day["unmatched_amount_paise"].sum())))

st.subheader("Match rate per source and day")
st.altair_chart(
    alt.Chart(daily)
    .mark_line(point=True)
    .encode(
        x=alt.X("business_date:T", title="business date (IST)"),
        y=alt.Y(
            "match_rate:Q",
            title="match rate",
            scale=alt.Scale(zero=False),
            axis=alt.Axis(format="%"),
        ),
        color="source:N",
        tooltip=[
            "source",
            "business_date:T",
            alt.Tooltip("match_rate:Q", format=".2%"),
            "items",
            "matched_items",
        ],
    ),
    width="stretch",
)
table = day[
    ["source", "items", "matched_items", "pending_items", "match_rate", "unmatched_amount_paise"]
].copy()
table["match_rate"] = table["match_rate"].map(pct)
table["unmatched (₹)"] = table.pop("unmatched_amount_paise").map(inr)
for col in ("items", "matched_items", "pending_items"):
    table[col] = table[col].map(count)
st.dataframe(table, hide_index=True, width="stretch")

if open_breaks.empty:
    st.success("No open breaks.")
    st.stop()
st.subheader("Open breaks by kind and age")
by_kind = open_breaks.groupby(["kind", "age_bucket"], as_index=False).agg(
    breaks=("breaks", "sum"), at_risk_paise=("amount_at_risk_paise", "sum")
)
by_kind["at risk"] = by_kind["at_risk_paise"].map(inr)
by_kind["at_risk_rupees"] = by_kind["at_risk_paise"] // 100
st.altair_chart(
    alt.Chart(by_kind)
    .mark_bar()
    .encode(
        y=alt.Y("kind:N", sort="-x", title=None),
        x=alt.X("breaks:Q", title="open breaks"),
        color=alt.Color(
            "age_bucket:N",
            title="age (business days)",
            sort=["0-1 days", "2-3 days", "4-7 days", "8+ days"],
        ),
        tooltip=["kind", "age_bucket", "breaks", "at risk"],
    ),
    width="stretch",
)
st.subheader("Amount at risk by kind")
risk_by_kind = (
    open_breaks.groupby("kind", as_index=False)["amount_at_risk_paise"]
    .sum()
    .sort_values("amount_at_risk_paise", ascending=False)
)
risk_by_kind["at risk"] = risk_by_kind.pop("amount_at_risk_paise").map(inr)
st.dataframe(risk_by_kind, hide_index=True, width="stretch")

st.subheader("Trend: breaks first seen per day")
trend = breaks.groupby(["first_seen_date", "status"], as_index=False).agg(breaks=("breaks", "sum"))
st.altair_chart(
    alt.Chart(trend)
    .mark_bar()
    .encode(
        x=alt.X("first_seen_date:T", title="first seen"),
        y="breaks:Q",
        color="status:N",
        tooltip=["first_seen_date:T", "status", "breaks"],
    ),
    width="stretch",
)
