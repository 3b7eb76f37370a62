"""Finance: the break queue — filter, see both sides, assign, comment, resolve, write off, export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.api_client import ApiProblem
from dashboards.auth import require_role
from dashboards.breaks_view import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    PAGE_SIZE,
    STATUSES,
    BreakFilter,
    choices,
    export_csv,
    queue_page,
)
from dashboards.formatting import count, inr

api = require_role("finance")
st.title("Break queue")

flash = st.session_state.pop("break_flash", None)
if flash:
    st.success(flash)

kinds_known, gateways_known = choices()
with st.sidebar:
    st.subheader("Filters")
    kinds = st.multiselect("Kind", kinds_known, key="f_kind")
    statuses = st.multiselect("Status", list(STATUSES), default=list(OPEN_STATUSES), key="f_status")
    gateways = st.multiselect("Gateway / source", gateways_known, key="f_gateway")
    min_amount = st.number_input("Minimum at risk (₹)", min_value=0, step=100, key="f_min")
    text = st.text_input("Search ids (payment, UTR, RRN, merchant)", key="f_text")
flt = BreakFilter(kinds, statuses, gateways, int(min_amount), text)

# The page number is kept per filter: a new filter starts again on page 1.
if st.session_state.get("f_page_of") != flt:
    st.session_state.f_page_of = flt
    st.session_state.f_page = 1
try:
    result = queue_page(api, flt, int(st.session_state.get("f_page", 1)) - 1, PAGE_SIZE)
    if result.frame.empty and result.total:  # the queue shrank under the page: go to page 1
        st.session_state.f_page = 1
        result = queue_page(api, flt, 0, PAGE_SIZE)
except ApiProblem as exc:
    st.info(f"{exc}")
    st.stop()
if not kinds_known and not result.total:
    st.info("No breaks in the queue. Run `hisaab recon` after ingesting (or `make demo`).")
    st.stop()
shown = result.frame

c1, c2 = st.columns(2)
c1.metric("Breaks matching", count(result.total))
c2.metric("Amount at risk matching", inr(result.amount_at_risk_paise))

pages = max(1, -(-result.total // PAGE_SIZE))
if shown.empty:
    st.info("No break matches these filters.")
else:
    columns = [
        "break_id",
        "kind",
        "severity",
        "status",
        "assignee",
        "amount_at_risk_paise",
        "age_business_days",
        "gateway",
        "merchant_id",
        "payment_id",
    ]
    view = shown[columns].copy()
    view["at risk (₹)"] = view.pop("amount_at_risk_paise").map(inr)
    st.dataframe(view, hide_index=True, width="stretch", key="break_table")
    first = result.offset + 1
    st.caption(
        f"Breaks {count(first)}–{count(result.offset + len(shown))} of {count(result.total)}, "
        "largest amount at risk first."
    )
p1, p2 = st.columns([1, 3])
p1.number_input("Page", min_value=1, max_value=pages, step=1, key="f_page")
with p2:
    st.download_button(
        "Export CSV (every matching break)",
        lambda: export_csv(api, flt),
        file_name="breaks.csv",
        mime="text/csv",
        key="export_csv",
        disabled=not result.total,
    )

if shown.empty:
    st.stop()
st.subheader("Work a break")
labels = {
    r.break_id: f"{r.break_id[:12]} · {r.kind} · {inr(r.amount_at_risk_paise)} · {r.status}"
    for r in shown.itertuples()
}
break_id = st.selectbox("Break", list(labels), format_func=labels.__getitem__, key="break_pick")
row = shown[shown["break_id"] == break_id].iloc[0]


def _side(title: str, fields: list[tuple[str, object]]) -> None:
    st.markdown(f"**{title}**")
    st.table(
        pd.DataFrame(
            {
                "field": [f for f, _ in fields],
                "value": [
                    "—" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
                    for _, v in fields
                ],
            }
        )
    )


left, right = st.columns(2)
with left:
    _side(
        "Our books (ledger)",
        [
            ("payment", row.get("payment_id")),
            ("refund", row.get("refund_id")),
            ("payout", row.get("payout_id")),
            ("merchant", row.get("merchant_id")),
            ("amount", inr(row.get("ledger_amount_paise"), decimals=True)),
        ],
    )
with right:
    _side(
        "External (gateway, switch, bank)",
        [
            ("gateway", row.get("gateway")),
            ("gateway payment id", row.get("gateway_payment_id")),
            ("settlement UTR", row.get("settlement_utr")),
            ("bank UTR", row.get("bank_utr")),
            ("RRN", row.get("rrn")),
            ("amount", inr(row.get("external_amount_paise"), decimals=True)),
        ],
    )
st.caption(
    f"{row['kind']}: {row.get('detail') or ''} — at risk {inr(row['amount_at_risk_paise'], decimals=True)}, {row.get('age_business_days')} business days old, status {row['status']}"
)


def _do(action: str, body: dict[str, str], done: str) -> None:
    try:
        api.post(f"/staff/recon/breaks/{break_id}/{action}", body)
    except ApiProblem as exc:
        st.error(str(exc))
        return
    st.session_state.break_flash = done
    st.rerun()


a1, a2 = st.columns(2)
with a1:
    assignee = st.text_input("Assign to", key="assignee")
    if st.button("Assign", key="do_assign"):
        _do("assign", {"assignee": assignee}, f"Break {break_id[:12]} assigned to {assignee}.")
    comment = st.text_input("Comment", key="comment")
    if st.button("Add comment", key="do_comment"):
        _do("comment", {"comment": comment}, "Comment added.")
with a2:
    if row["status"] in CLOSED_STATUSES:
        # A decision taken in error is taken back, never edited: reopening needs its own reason
        # and lands in the audit trail beside the decision it reverses.
        st.caption(f"{row['status'].replace('_', ' ').capitalize()}: {row.get('reason') or '—'}")
        reason = st.text_input("Reason (needed to reopen)", key="reopen_reason")
        if st.button("Reopen", key="do_reopen", type="primary"):
            _do("reopen", {"reason": reason}, f"Break {break_id[:12]} reopened.")
    else:
        reason = st.text_input("Reason (needed to resolve or write off)", key="reason")
        b1, b2 = st.columns(2)
        if b1.button("Resolve", key="do_resolve", type="primary"):
            _do("resolve", {"reason": reason}, f"Break {break_id[:12]} resolved.")
        if b2.button("Write off", key="do_write_off"):
            _do("write-off", {"reason": reason}, f"Break {break_id[:12]} written off.")

with st.expander("Audit trail"):
    try:
        events = api.get(f"/staff/recon/breaks/{break_id}/events")["items"]
    except ApiProblem as exc:
        st.error(str(exc))
        events = []
    if events:
        ev = pd.DataFrame(events)
        ev["happened_at"] = pd.to_datetime(ev["happened_at"], unit="s", utc=True).dt.tz_convert(
            "Asia/Kolkata"
        )
        st.dataframe(ev, hide_index=True, width="stretch")
    else:
        st.caption("No actions yet.")
