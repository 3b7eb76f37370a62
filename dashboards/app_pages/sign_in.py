"""Sign in through the API; the session token (30 minutes) stays in this browser session."""

from __future__ import annotations

import streamlit as st

from dashboards.api_client import ApiProblem, sign_in
from dashboards.config import api_url

st.title("Hisaab")
st.caption("Reconciliation, credit risk and AML for finance, risk, compliance and operations.")
with st.form("sign_in"):
    username = st.text_input("User name", key="username")
    password = st.text_input("Password", type="password", key="password")
    submitted = st.form_submit_button("Sign in")
if submitted:
    try:
        st.session_state.staff = sign_in(username.strip(), password)
    except ApiProblem as exc:
        st.error(str(exc))
    else:
        st.rerun()
st.caption(
    f"API: {api_url()}. No user yet? `hisaab api users create NAME --role finance` "
    "(roles: finance, risk, compliance, ops, admin); `make demo` creates demo users."
)
