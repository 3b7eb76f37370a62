"""Operations: gateway success rate and latency over time, routing decisions and failovers, webhooks."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.api_client import ApiProblem
from dashboards.auth import require_role
from dashboards.formatting import count, inr, pct

api = require_role("ops")
st.title("Gateways, routing and webhooks")

hours = st.select_slider(
    "Window",
    options=[1, 6, 24, 72, 168, 720],
    value=168,
    format_func=lambda h: f"last {h} h",
    key="ops_hours",
)
try:
    health = pd.DataFrame(api.get("/ops/gateway-health", hours=hours)["items"])
    routing = api.get("/ops/routing", limit=200)
    backlog = api.get("/ops/webhook-backlog")
except ApiProblem as exc:
    st.error(str(exc))
    st.stop()

b = backlog["by_state"]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Webhooks pending", count(b.get("pending", 0)))
c2.metric("Delivered", count(b.get("delivered", 0)))
c3.metric("Failed (dead)", count(b.get("failed", 0)))
age = backlog["oldest_pending_age_s"]
c4.metric("Oldest pending", "—" if age is None else f"{age // 60} min")

st.subheader("Gateway health")
if health.empty:
    st.info(
        "No payments through the API in this window. Start the API (`make serve`) and send "
        "payments (see the README's API section), or widen the window."
    )
else:
    health["hour"] = pd.to_datetime(health["hour"])
    totals = health.groupby(["gateway", "method"], as_index=False)[["attempts", "successes"]].sum()
    totals["success rate"] = (totals["successes"] / totals["attempts"]).map(pct)
    totals["attempts"] = totals["attempts"].map(count)
    st.dataframe(totals.drop(columns="successes"), hide_index=True, width="stretch")
    per_hour = health.groupby(["gateway", "hour"], as_index=False).agg(
        attempts=("attempts", "sum"),
        successes=("successes", "sum"),
        latency_p50_ms=("latency_p50_ms", "median"),
    )
    per_hour["success_rate"] = per_hour["successes"] / per_hour["attempts"]
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(per_hour)
        .mark_line(point=True)
        .encode(
            x=alt.X("hour:T"),
            y=alt.Y("success_rate:Q", axis=alt.Axis(format="%"), title="success rate"),
            color="gateway:N",
        )
        .properties(title="Success rate by gateway"),
        width="stretch",
    )
    right.altair_chart(
        alt.Chart(per_hour)
        .mark_line(point=True)
        .encode(
            x="hour:T", y=alt.Y("latency_p50_ms:Q", title="p50 latency (ms)"), color="gateway:N"
        )
        .properties(title="Latency by gateway"),
        width="stretch",
    )

st.subheader("Routing decisions")
circuits = pd.DataFrame(routing["circuits"])
if not circuits.empty:
    st.dataframe(circuits, hide_index=True, width="stretch")
decisions = pd.DataFrame(routing["decisions"])
if decisions.empty:
    st.caption("No routed payments yet.")
else:
    failovers = decisions[decisions["is_failover"]]
    st.metric(
        "Failovers among the last routed payments",
        f"{count(len(failovers))} of {count(len(decisions))}",
    )
    reasons = pd.DataFrame(routing["reasons"]).sort_values("count", ascending=False)
    st.dataframe(reasons, hide_index=True, width="stretch")
    decisions["amount"] = decisions.pop("amount_paise").map(inr)
    st.dataframe(decisions, hide_index=True, width="stretch")
