"""Key interactions change what is shown and, through the API, what is stored."""

from __future__ import annotations

import httpx

from tests.dashboards.conftest import open_page, texts
from tests.dashboards.world import PASSWORD


def _api_get(world, path: str, username: str) -> dict:
    token = httpx.post(
        f"{world.api_url}/v1/auth/login", json={"username": username, "password": PASSWORD}
    ).json()["access_token"]
    return httpx.get(
        f"{world.api_url}/v1{path}", headers={"Authorization": f"Bearer {token}"}
    ).json()


def test_filtering_the_break_queue_by_kind_shows_only_that_kind(dash_env):
    at = open_page("fin", "finance_breaks")
    before = at.dataframe[0].value
    assert set(before["kind"]) == {
        "amount_mismatch",
        "missing_in_gateway",
        "settlement_short",
        "fee_mismatch",
    }
    at.multiselect(key="f_kind").select("settlement_short").run()
    after = at.dataframe[0].value
    assert not at.exception
    assert set(after["kind"]) == {"settlement_short"} and 0 < len(after) < len(before)
    shown = next(m.value for m in at.metric if m.label == "Breaks matching")
    assert shown == str(len(after))


def test_resolving_a_break_on_the_page_stores_it_through_the_api(dash_env):
    at = open_page("fin", "finance_breaks")
    at.multiselect(key="f_kind").select("fee_mismatch").run()
    break_id = at.selectbox(key="break_pick").value
    at.text_input(key="reason").input("fee refunded by PayU in the next settlement")
    at.button(key="do_resolve").click().run()
    assert not at.exception
    assert f"Break {break_id[:12]} resolved." in texts(at)
    # Stored: the API now lists it resolved, with the reason and an audit event by the user.
    resolved = _api_get(dash_env, "/staff/recon/breaks?status=resolved", "fin")["items"]
    mine = [b["reason"] for b in resolved if b["break_id"] == break_id]
    assert mine == ["fee refunded by PayU in the next settlement"]
    events = _api_get(dash_env, f"/staff/recon/breaks/{break_id}/events", "fin")["items"]
    assert [(e["action"], e["actor"]) for e in events] == [("resolve", "fin")]
    # Shown: the default filter (open, investigating) no longer lists it.
    assert break_id not in set(at.dataframe[0].value["break_id"])


def test_resolving_without_a_reason_shows_the_apis_refusal(dash_env):
    at = open_page("fin", "finance_breaks")
    at.button(key="do_resolve").click().run()
    errors = "\n".join(e.value for e in at.error)
    assert errors.startswith("reason:"), errors  # the API's 4xx names the missing field


def test_moving_the_threshold_changes_approval_rate_and_expected_loss(dash_env):
    at = open_page("risky", "risk_model_lab")
    assert not at.exception, [e.value for e in at.exception]

    def outcome():
        return {m.label: m.value for m in at.metric}

    at.slider(key="threshold").set_value(0.05).run()
    strict = outcome()
    at.slider(key="threshold").set_value(0.30).run()
    loose = outcome()
    assert not at.exception

    def rate(v: str) -> float:
        return float(v.rstrip("%"))

    assert rate(loose["Approval rate"]) > rate(strict["Approval rate"])
    assert rate(loose["Expected bad rate"]) > rate(strict["Expected bad rate"])
    assert loose["Expected loss"] != strict["Expected loss"]


def test_two_versions_side_by_side(dash_env):
    at = open_page("risky", "risk_model_lab")
    assert at.selectbox(key="version").value == "v0002"
    assert at.selectbox(key="other_version").value == "v0001"
    metrics = at.dataframe[0].value
    assert {"v0001", "v0002"} <= set(metrics.columns)


def test_opening_a_case_from_alerts_shows_it_and_stores_it(dash_env):
    at = open_page("comp", "compliance_alerts")
    at.multiselect(key="case_alerts").select("alrt_mule_1").run()
    at.text_input(key="case_title").input("Mule ring around acc_mule")
    at.button(key="open_case").click().run()
    assert not at.exception, [e.value for e in at.exception]
    case_id = at.session_state["case_id"]
    assert f"Case {case_id} opened from 1 alert(s)." in texts(at)
    assert at.selectbox(key="case_pick").value == case_id
    assert len(at.get("graphviz_chart")) == 1  # the evidence graph of the accounts involved
    stored = _api_get(dash_env, f"/aml/cases/{case_id}", "comp")
    assert stored["title"] == "Mule ring around acc_mule"
    assert [a["alert_id"] for a in stored["alerts"]] == ["alrt_mule_1"]

    # Escalate with grounds, then the STR can be generated and downloaded. (AppTest reruns the
    # page it was last switched to, where a browser stays on the page st.switch_page opened.)
    at.switch_page("app_pages/compliance_case.py").run()
    at.text_area(key="case_grounds").input(
        "Funds from two unrelated payers left within the hour to one beneficiary."
    )
    at.button(key="case_escalate").click().run()
    assert "Escalated" in texts(at)
    at.button(key="case_str").click().run()
    assert not at.exception
    xml = at.session_state[f"str_{case_id}"]
    assert xml.startswith(b"<?xml") and b"acc_mule" in xml


def _api_post(world, path: str, username: str, body: dict) -> httpx.Response:
    token = httpx.post(
        f"{world.api_url}/v1/auth/login", json={"username": username, "password": PASSWORD}
    ).json()["access_token"]
    return httpx.post(
        f"{world.api_url}/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_reopening_a_written_off_break_on_the_page_stores_it_open_again_through_the_api(
    dash_env,
):
    # An amount_mismatch break nobody else touches here, written off through the API first.
    queue = _api_get(dash_env, "/staff/recon/breaks?kind=amount_mismatch&status=open", "fin")
    break_id = queue["items"][-1]["break_id"]
    written = _api_post(
        dash_env, f"/staff/recon/breaks/{break_id}/write-off", "fin", {"reason": "under ₹10"}
    )
    assert written.status_code == 200, written.text

    at = open_page("fin", "finance_breaks")
    at.multiselect(key="f_status").set_value(["written_off"]).run()
    at.selectbox(key="break_pick").set_value(break_id).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "do_resolve" not in [b.key for b in at.button]  # closed: only reopen is offered
    at.button(key="do_reopen").click().run()
    assert [e.value for e in at.error][0].startswith("reason:")  # the API refuses without one
    assert _api_get(dash_env, f"/staff/recon/breaks/{break_id}/events", "fin")["count"] == 1

    at.text_input(key="reopen_reason").input("customer disputes the write-off")
    at.button(key="do_reopen").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Break {break_id[:12]} reopened." in texts(at)
    stored = _api_get(dash_env, "/staff/recon/breaks?status=open&kind=amount_mismatch", "fin")
    mine = [b for b in stored["items"] if b["break_id"] == break_id]
    assert [(b["status"], b["reason"]) for b in mine] == [
        ("open", "customer disputes the write-off")
    ]
    events = _api_get(dash_env, f"/staff/recon/breaks/{break_id}/events", "fin")["items"]
    assert [(e["action"], e["status"], e["actor"]) for e in events] == [
        ("write_off", "written_off", "fin"),
        ("reopen", "open", "fin"),
    ]
    # Shown: the written-off filter no longer lists it (it was the only one written off).
    assert "No break matches these filters." in texts(at)
    assert next(m.value for m in at.metric if m.label == "Breaks matching") == "0"


def test_the_break_queue_is_paged_and_a_new_filter_starts_on_page_one(dash_env, monkeypatch):
    monkeypatch.setattr("dashboards.breaks_view.PAGE_SIZE", 10)
    at = open_page("fin", "finance_breaks")
    at.multiselect(key="f_status").set_value([]).run()  # every status: the world's 24 breaks
    assert len(at.dataframe[0].value) == 10
    at.number_input(key="f_page").set_value(3).run()
    last = at.dataframe[0].value
    assert not at.exception and len(last) == 4
    assert "Breaks 21–24 of 24, largest amount at risk first." in texts(at)
    at.multiselect(key="f_kind").select("fee_mismatch").run()
    assert at.number_input(key="f_page").value == 1
    assert set(at.dataframe[0].value["kind"]) == {"fee_mismatch"}


def test_the_csv_export_holds_every_matching_break_not_just_the_page(dash_env, monkeypatch):
    import io

    import pandas as pd

    from dashboards.api_client import Api, sign_in
    from dashboards.breaks_view import BreakFilter, export_csv

    monkeypatch.setattr("dashboards.breaks_view.EXPORT_BATCH", 10)  # three API pages
    api = Api(sign_in("fin", PASSWORD))
    every = pd.read_csv(io.BytesIO(export_csv(api, BreakFilter())))
    assert len(every) == 24 and every["break_id"].is_unique
    fees = pd.read_csv(io.BytesIO(export_csv(api, BreakFilter(kinds=["fee_mismatch"]))))
    assert set(fees["kind"]) == {"fee_mismatch"} and len(fees) == 6
