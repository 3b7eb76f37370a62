"""The signed-in staff member in the Streamlit session, and the role gate every page calls."""

from __future__ import annotations

import time

import streamlit as st

from dashboards.api_client import Api, StaffSession

ROLE_TITLES = {
    "finance": "Finance",
    "risk": "Risk",
    "compliance": "Compliance",
    "ops": "Operations",
    "admin": "Admin",
}


def current() -> StaffSession | None:
    staff = st.session_state.get("staff")
    if staff is not None and staff.expires_at <= time.time():
        st.session_state.pop("staff", None)
        return None
    return staff


def require_role(role: str) -> Api:
    """The API client for this page, or a refusal (and the page stops) for any other role."""
    staff = current()
    if staff is None:
        st.warning("Sign in first.")
        st.stop()
    if staff.role not in (role, "admin"):
        st.error(
            f"Refused: this page is for {ROLE_TITLES[role]} staff; you are signed in as "
            f"{staff.username} ({ROLE_TITLES.get(staff.role, staff.role)})."
        )
        st.stop()
    return Api(staff)
