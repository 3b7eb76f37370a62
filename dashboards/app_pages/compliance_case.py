"""Compliance: one case — alerts, evidence graph of the accounts, notes, escalation, STR, summary."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.api_client import ApiProblem
from dashboards.auth import require_role
from dashboards.formatting import inr
from dashboards.warehouse import NotBuilt, query

api = require_role("compliance")
st.title("AML case")

flash = st.session_state.pop("case_flash", None)
if flash:
    st.success(flash)
try:
    cases = api.get("/aml/cases")["items"]
except ApiProblem as exc:
    st.error(str(exc))
    st.stop()
if not cases:
    st.info(
        "No cases yet. Open one from the alert queue (AML alerts page), or `hisaab aml case open`."
    )
    st.stop()
ids = [c["case_id"] for c in cases]
titles = {c["case_id"]: f"{c['case_id']} · {c['status']} · {c['title'][:60]}" for c in cases}
wanted = st.session_state.get("case_id")
case_id = st.selectbox(
    "Case",
    ids,
    index=ids.index(wanted) if wanted in ids else 0,
    format_func=titles.__getitem__,
    key="case_pick",
)
st.session_state.case_id = case_id
case = api.get(f"/aml/cases/{case_id}")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Status", case["status"])
c2.metric("Priority", case["priority"])
c3.metric("Assignee", case["assignee"] or "—")
c4.metric("Suspicion established", case["suspicion_established_on"] or "—")
if case["grounds_of_suspicion"]:
    st.markdown(f"**Grounds of suspicion.** {case['grounds_of_suspicion']}")

alerts = pd.DataFrame(case["alerts"])
st.subheader("Alerts")
if not alerts.empty:
    alerts["amount"] = alerts["amount_paise"].map(inr)
    st.dataframe(
        alerts[
            [
                "alert_id",
                "business_date",
                "entity_id",
                "risk_score",
                "typologies",
                "amount",
                "summary",
            ]
        ],
        hide_index=True,
        width="stretch",
    )

st.subheader("Evidence graph: accounts and transfers")
transfer_ids = (
    sorted({t for ts in alerts.get("transfer_ids", []) for t in ts}) if not alerts.empty else []
)
entities = sorted(set(alerts["entity_id"])) if not alerts.empty else []
if not transfer_ids:
    st.caption("The alerts name no transfers.")
else:
    try:
        edges = query(
            "select t.payer_account_id, t.payee_account_id, count(*) as transfers, "
            "cast(sum(t.amount_paise) as bigint) as amount_paise "
            "from lake.ledger_transfers t where t.transfer_id in (select unnest(?::varchar[])) "
            "group by 1, 2 order by amount_paise desc",
            (transfer_ids,),
            hint="hisaab aml run",
        )
    except NotBuilt as exc:
        st.info(str(exc))
        edges = pd.DataFrame()
    if not edges.empty:
        lines = [
            "digraph evidence {",
            "rankdir=LR;",
            'node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="sans-serif"];',
        ]
        for account in sorted(set(edges["payer_account_id"]) | set(edges["payee_account_id"])):
            colour = ', fillcolor="#f9d5d3"' if account in entities else ""
            lines.append(f'"{account}" [label="{account}"{colour}];')
        for e in edges.itertuples():
            lines.append(
                f'"{e.payer_account_id}" -> "{e.payee_account_id}" [label="{e.transfers}× {inr(e.amount_paise)}"];'
            )
        lines.append("}")
        st.graphviz_chart("\n".join(lines))
        st.caption(
            f"{len(transfer_ids)} transfers between {len(set(edges['payer_account_id']) | set(edges['payee_account_id']))} accounts; alerted entities in red."
        )

left, right = st.columns(2)
with left:
    st.subheader("Notes and evidence")
    for n in case["notes"]:
        st.markdown(f"- *{n['at']} {n['author']}*: {n['text']}")
    for e in case["evidence"]:
        st.markdown(f"- **{e['kind']}** {e['reference']}: {e['description']}")
    with st.expander("Audit trail"):
        st.dataframe(pd.DataFrame(case["history"]), hide_index=True, width="stretch")


def _act(path: str, body: dict[str, object], done: str) -> None:
    try:
        api.post(f"/aml/cases/{case_id}/{path}", body)
    except ApiProblem as exc:
        st.error(str(exc))
        return
    st.session_state.case_flash = done
    st.rerun()


closed = case["status"].startswith("closed")
with right:
    st.subheader("Work the case")
    assignee = st.text_input("Assign to", key="case_assignee", disabled=closed)
    if st.button("Assign", key="case_assign", disabled=closed):
        _act("assign", {"assignee": assignee}, f"Assigned to {assignee}.")
    note = st.text_area("Note", key="case_note", disabled=closed)
    if st.button("Add note", key="case_add_note", disabled=closed):
        _act("notes", {"text": note}, "Note added.")
    grounds = st.text_area(
        "Grounds of suspicion (escalating starts the 7-working-day STR clock)",
        key="case_grounds",
        disabled=closed,
    )
    if st.button("Escalate", key="case_escalate", disabled=closed):
        _act(
            "escalate",
            {"grounds_of_suspicion": grounds},
            "Escalated: the STR is due in 7 working days.",
        )
    outcome = st.selectbox(
        "Close as", ["false_positive", "reported"], key="case_outcome", disabled=closed
    )
    close_reason = st.text_input("Reason for closing", key="case_close_reason", disabled=closed)
    if st.button("Close case", key="case_close", disabled=closed):
        _act("close", {"outcome": outcome, "reason": close_reason}, f"Case closed ({outcome}).")

st.subheader("Reports")
r1, r2 = st.columns(2)
with r1:
    if st.button(
        "Generate STR (FIU-IND XML)", key="case_str", disabled=case["status"] != "escalated"
    ):
        try:
            resp = api.post(f"/aml/cases/{case_id}/str")
        except ApiProblem as exc:
            st.error(str(exc))
        else:
            st.session_state[f"str_{case_id}"] = resp.content
    if f"str_{case_id}" in st.session_state:
        st.download_button(
            "Download STR XML",
            st.session_state[f"str_{case_id}"],
            file_name=f"STR-{case_id}.xml",
            mime="application/xml",
            key="case_str_download",
        )
    if case["status"] != "escalated":
        st.caption("An STR is generated once the case is escalated with grounds of suspicion.")
with r2:
    try:
        summary = api.get_raw(f"/aml/cases/{case_id}/summary").content
    except ApiProblem as exc:
        st.error(str(exc))
    else:
        st.download_button(
            "Download case summary (HTML)",
            summary,
            file_name=f"case-{case_id}.html",
            mime="text/html",
            key="case_summary_download",
        )
