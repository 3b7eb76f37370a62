"""Compliance: the AML alert queue, screening hits, opening a case, and FIU-IND due dates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.api_client import ApiProblem
from dashboards.auth import require_role
from dashboards.formatting import inr

api = require_role("compliance")
st.title("AML alerts")

try:
    alerts = pd.DataFrame(api.get("/aml/alerts", status="new", limit=2000)["items"])
    due = pd.DataFrame(api.get("/aml/due-dates")["items"])
except ApiProblem as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Reports owed to FIU-IND")
if due.empty:
    st.caption("Nothing owed: no escalated case and no month with cash over the CTR threshold.")
else:
    st.dataframe(due, hide_index=True, width="stretch")

if alerts.empty:
    st.info("No new alerts. Run the daily AML batch: `hisaab aml run` (and `hisaab aml screen`).")
    st.stop()
alerts["amount"] = alerts["amount_paise"].map(inr)
alerts["typologies"] = alerts["typologies"].map(", ".join)
alerts["rules"] = alerts["rules"].map(", ".join)

typologies = sorted({t for ts in alerts["typologies"] for t in ts.split(", ") if t})
pick = st.multiselect("Typology", typologies, key="a_typology")
shown = (
    alerts[alerts["typologies"].map(lambda ts: any(p in ts.split(", ") for p in pick))]
    if pick
    else alerts
)

tab_queue, tab_screening = st.tabs(["Alert queue", "Screening hits"])
cols = [
    "alert_id",
    "business_date",
    "entity_id",
    "priority",
    "risk_score",
    "typologies",
    "rules",
    "amount",
    "summary",
]
with tab_queue:
    st.dataframe(shown[shown["source"] != "screening"][cols], hide_index=True, width="stretch")
with tab_screening:
    hits = shown[shown["source"] == "screening"]
    if hits.empty:
        st.caption("No screening hits. Run `hisaab aml screen`.")
    else:
        st.dataframe(hits[cols], hide_index=True, width="stretch")

st.subheader("Open a case")
chosen = st.multiselect(
    "Alerts to work together",
    shown["alert_id"].tolist(),
    format_func=lambda a: f"{a} · {shown.set_index('alert_id').at[a, 'entity_id']}",
    key="case_alerts",
)
title = st.text_input("Case title (optional)", key="case_title")
if st.button("Open case", key="open_case", disabled=not chosen, type="primary"):
    try:
        case = api.post("/aml/cases", {"alert_ids": chosen, "title": title or None})
    except ApiProblem as exc:
        st.error(str(exc))
    else:
        st.session_state.case_id = case["case_id"]
        st.session_state.case_flash = f"Case {case['case_id']} opened from {len(chosen)} alert(s)."
        st.switch_page("app_pages/compliance_case.py")
