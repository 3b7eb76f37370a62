"""The dashboard in a real browser: headless Chromium signs in and resolves a break.

The API (uvicorn) and the dashboard (``streamlit run``) run as their own processes; Playwright
drives Debian's Chromium (``/usr/bin/chromium``; `.ci/run` installs it). Screenshots of four pages
go to ``artifacts/dashboard/`` (gitignored). Without Chromium the test skips locally and fails
in CI (``CI=true``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import httpx
import pytest

from tests.dashboards.dashboard_server import running_dashboard
from tests.dashboards.world import PASSWORD

CHROMIUM = Path(os.environ.get("HISAAB_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
TIMEOUT_MS = 60_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _no_streamlit_exception(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{name}: {errors.first.inner_text()[:500]}"


def _open(page, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("heading", name=title.split(" and ")[0]).first.wait_for(timeout=TIMEOUT_MS)


def test_sign_in_and_resolve_a_break_in_headless_chromium(dash_world):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reason = f"credited next day, checked in the browser {secrets.token_hex(3)}"
    with (
        running_dashboard(dash_world.data_dir, dash_world.api_url) as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.get_by_label("User name", exact=True).fill("root")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Reconciliation overview").wait_for()
        _no_streamlit_exception(page, "overview")
        page.screenshot(path=ARTIFACTS / "1-recon-overview.png", full_page=True)

        _open(page, "Break queue")
        _no_streamlit_exception(page, "break queue")
        page.get_by_label("Reason (needed to resolve or write off)").fill(reason)
        page.get_by_label("Reason (needed to resolve or write off)").press("Enter")
        page.get_by_role("button", name="Resolve", exact=True).click()
        page.get_by_text("resolved.").first.wait_for()
        _no_streamlit_exception(page, "break queue after resolving")
        page.screenshot(path=ARTIFACTS / "2-break-queue.png", full_page=True)

        _open(page, "Credit model lab")
        page.get_by_text("Hold-out AUC").first.wait_for()
        _no_streamlit_exception(page, "model lab")
        page.screenshot(path=ARTIFACTS / "3-credit-model-lab.png", full_page=True)

        _open(page, "AML alerts")
        _no_streamlit_exception(page, "AML alerts")
        page.screenshot(path=ARTIFACTS / "4-aml-alerts.png", full_page=True)
        browser.close()

    token = httpx.post(
        f"{dash_world.api_url}/v1/auth/login", json={"username": "root", "password": PASSWORD}
    ).json()["access_token"]
    resolved = httpx.get(
        f"{dash_world.api_url}/v1/staff/recon/breaks",
        params={"status": "resolved"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["items"]
    assert [b["reason"] for b in resolved].count(reason) == 1
    for name in ("1-recon-overview", "2-break-queue", "3-credit-model-lab", "4-aml-alerts"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
