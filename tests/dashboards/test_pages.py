"""Every page renders for its role and refuses the others; sign-in goes through the API."""

from __future__ import annotations

import pytest

from dashboards.app import PAGES
from tests.dashboards.conftest import APP, open_page, texts
from tests.dashboards.world import PASSWORD

ROLE_USER = {"finance": "fin", "risk": "risky", "compliance": "comp", "ops": "opsy"}
ALL_PAGES = [
    (role, file.removesuffix(".py")) for role, pages in PAGES.items() for file, _, _ in pages
]


def test_signed_out_visitor_gets_only_the_sign_in_page_and_a_wrong_password_is_refused(dash_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90).run()
    assert [t.value for t in at.title] == ["Hisaab"]
    at.text_input(key="username").input("fin")
    at.text_input(key="password").input("not-the-password")
    at.button[0].click().run()
    assert "Wrong user name or password" in texts(at)
    assert "staff" not in at.session_state

    at.text_input(key="password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["staff"].role == "finance"
    assert not at.exception
    assert "Reconciliation overview" in texts(at)  # the finance landing page


@pytest.mark.parametrize(("role", "page"), ALL_PAGES)
def test_each_page_renders_for_its_role(dash_env, role, page):
    at = open_page(ROLE_USER[role], page)
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Refused" not in shown
    assert not [e.value for e in at.error], [e.value for e in at.error]


@pytest.mark.parametrize(("role", "page"), ALL_PAGES)
def test_each_page_refuses_another_role(dash_env, role, page):
    other = "compliance" if role != "compliance" else "finance"
    at = open_page(ROLE_USER[other], page)
    assert not at.exception
    assert "Refused: this page is for" in texts(at)
    assert len(at.title) == 0 or at.title[0].value != page  # nothing of the page below the refusal


def test_admin_sees_every_group(dash_env):
    for _, page in ALL_PAGES:
        at = open_page("root", page)
        assert not at.exception and "Refused" not in texts(at), page


def test_money_is_shown_the_indian_way(dash_env):
    at = open_page("fin", "finance_settlements")
    net = next(m.value for m in at.metric if m.label == "Net settled")
    # 12 settlements, net = 97,64,000 + 4,88,200 × i paise each: ₹14,93,892 in all
    assert net == "₹14,93,892"
