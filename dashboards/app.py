"""Hisaab dashboards: ``streamlit run dashboards/app.py`` (``make dashboard``).

The entrypoint routes with ``st.navigation``: signed out, only the sign-in page exists; signed
in, the pages of the user's role are shown (admin sees every group). Every other group's pages
stay registered but hidden, and refuse the user if opened by address.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from dashboards.auth import ROLE_TITLES, current

PAGES_DIR = Path(__file__).parent / "app_pages"

# role → pages (file, title, icon); the order is the menu's order.
PAGES: dict[str, list[tuple[str, str, str]]] = {
    "finance": [
        ("finance_overview.py", "Recon overview", ":material/monitoring:"),
        ("finance_breaks.py", "Break queue", ":material/rule:"),
        ("finance_settlements.py", "Settlements and fees", ":material/account_balance:"),
        ("finance_ingestion.py", "Ingestion and quarantine", ":material/inventory_2:"),
    ],
    "risk": [("risk_model_lab.py", "Credit model lab", ":material/science:")],
    "compliance": [
        ("compliance_alerts.py", "AML alerts", ":material/notification_important:"),
        ("compliance_case.py", "AML case", ":material/folder_shared:"),
    ],
    "ops": [("ops_health.py", "Gateways and webhooks", ":material/lan:")],
}


def _sign_out() -> None:
    st.session_state.pop("staff", None)
    st.rerun()


def _navigation() -> StreamlitPage:
    staff = current()
    if staff is None:
        return st.navigation([st.Page(PAGES_DIR / "sign_in.py", title="Sign in", default=True)])
    sections: dict[str, list[StreamlitPage]] = {}
    hidden: list[StreamlitPage] = []
    first = True
    for role, pages in PAGES.items():
        mine = staff.role in (role, "admin")
        for file, title, icon in pages:
            page = st.Page(
                PAGES_DIR / file,
                title=title,
                icon=icon,
                default=mine and first,
                visibility="visible" if mine else "hidden",
            )
            if mine:
                first = False
                sections.setdefault(ROLE_TITLES[role], []).append(page)
            else:
                hidden.append(page)
    account = ROLE_TITLES.get(staff.role, staff.role)
    sections.setdefault(next(iter(sections), "Account"), []).extend(hidden)
    sections[f"Signed in: {staff.username} ({account})"] = [
        st.Page(_sign_out, title="Sign out", icon=":material/logout:", url_path="sign-out")
    ]
    return st.navigation(sections)


st.set_page_config(page_title="Hisaab", page_icon="₹", layout="wide")
_navigation().run()
