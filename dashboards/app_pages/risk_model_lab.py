"""Risk: the credit model lab — pick a version, see ROC/KS/calibration/scores, tune the threshold."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.auth import require_role
from dashboards.config import data_dir, warehouse_path
from dashboards.formatting import count, inr, pct
from dashboards.model_lab import (
    HoldoutEval,
    evaluate_version,
    ks_curve,
    production_label,
    reason_frequencies,
    threshold_outcome,
    versions,
)

require_role("risk")
st.title("Credit model lab")


@st.cache_data(show_spinner="Scoring the hold-out…", max_entries=16)
def _evaluate(data: str, warehouse: str, label: str, _stamp: float) -> HoldoutEval:
    return evaluate_version(data, warehouse, label)  # type: ignore[arg-type]


labels = versions(data_dir())
if not labels:
    st.info(
        "No credit model in the registry yet. Train one: "
        "`hisaab risk credit train --spec models/bnpl_credit.yaml` (after `make demo`)."
    )
    st.stop()
wh = warehouse_path()
stamp = wh.stat().st_mtime if wh.exists() else 0.0
prod = production_label(data_dir())
label = st.selectbox(
    "Model version",
    labels[::-1],
    format_func=lambda v: f"{v} (production)" if v == prod else v,
    key="version",
)
try:
    result = _evaluate(str(data_dir()), str(wh), label, stamp)
except Exception as exc:  # noqa: BLE001 - a version that cannot be scored says why
    st.error(f"{label} cannot be evaluated: {exc}")
    st.stop()
scored = result.scored
m = result.metrics
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Hold-out AUC", f"{m.get('auc', float('nan')):.3f}")
c2.metric("Gini", f"{m.get('gini', float('nan')):.3f}")
c3.metric("KS", f"{m.get('ks', float('nan')):.3f}")
c4.metric("Brier", f"{m.get('brier', float('nan')):.4f}")
c5.metric("Hold-out applicants", count(m.get("n", 0)))
st.caption(
    f"{result.algorithm}; hold-out periods {', '.join(m['stored'].get('holdout_periods', []))}"
)

tab_curves, tab_threshold, tab_drift, tab_compare, tab_reasons = st.tabs(
    ["Curves", "Threshold", "Drift (PSI)", "Compare versions", "Reason codes"]
)
with tab_curves:
    left, right = st.columns(2)
    diagonal = pd.DataFrame({"fpr": [0, 1], "tpr": [0, 1]})
    left.altair_chart(
        (
            alt.Chart(result.roc)
            .mark_line()
            .encode(
                x=alt.X("fpr:Q", title="false positive rate"),
                y=alt.Y("tpr:Q", title="true positive rate"),
            )
            + alt.Chart(diagonal)
            .mark_line(strokeDash=[4, 4], color="grey")
            .encode(x="fpr:Q", y="tpr:Q")
        ).properties(title="ROC"),
        width="stretch",
    )
    curve, ks = ks_curve(scored)
    right.altair_chart(
        alt.Chart(curve)
        .mark_line()
        .encode(
            x=alt.X("pd:Q", title="probability of default"),
            y="cumulative share:Q",
            color="outcome:N",
        )
        .properties(title=f"KS = {ks:.3f}"),
        width="stretch",
    )
    cal = result.calibration.melt(
        id_vars=["decile", "n"],
        value_vars=["expected", "observed"],
        var_name="rate",
        value_name="default rate",
    )
    left.altair_chart(
        alt.Chart(cal)
        .mark_line(point=True)
        .encode(
            x=alt.X("decile:O", title="PD decile"),
            y=alt.Y("default rate:Q", axis=alt.Axis(format="%")),
            color="rate:N",
        )
        .properties(title="Calibration"),
        width="stretch",
    )
    dist = scored.assign(outcome=scored["is_bad"].map({1: "bad", 0: "good"}))
    right.altair_chart(
        alt.Chart(dist)
        .mark_bar(opacity=0.7)
        .encode(
            x=alt.X("score:Q", bin=alt.Bin(maxbins=30), title="score"),
            y=alt.Y("count():Q", stack=None),
            color="outcome:N",
        )
        .properties(title="Score distribution"),
        width="stretch",
    )

with tab_threshold:
    max_pd = st.slider(
        "Approve applicants with probability of default up to",
        min_value=0.01,
        max_value=0.50,
        value=round(result.approve_max_pd, 2),
        step=0.01,
        key="threshold",
    )
    out = threshold_outcome(scored, max_pd)
    t1, t2, t3, t4 = st.columns(4)
    t1.metric(
        "Approval rate",
        pct(out["approval_rate"], 1),
        help=f"{count(out['approved'])} of {count(out['applicants'])}",
    )
    t2.metric("Expected bad rate", pct(out["expected_bad_rate"]))
    t3.metric("Observed bad rate (hold-out)", pct(out["observed_bad_rate"]))
    t4.metric(
        "Expected loss",
        inr(out["expected_loss_paise"]),
        help=f"on {inr(out['exposure_paise'])} of credit limits",
    )
    grid = pd.DataFrame(
        [{**threshold_outcome(scored, t / 100), "threshold": t / 100} for t in range(1, 51)]
    )
    st.altair_chart(
        alt.Chart(
            grid.melt(
                id_vars="threshold",
                value_vars=["approval_rate", "expected_bad_rate", "observed_bad_rate"],
            )
        )
        .mark_line()
        .encode(
            x=alt.X("threshold:Q", title="max PD approved"),
            y=alt.Y("value:Q", axis=alt.Axis(format="%")),
            color="variable:N",
        )
        + alt.Chart(pd.DataFrame({"threshold": [max_pd]}))
        .mark_rule(color="red")
        .encode(x="threshold:Q"),
        width="stretch",
    )

with tab_drift:
    if result.psi.empty:
        st.info("This version stored no PSI (train it again with a time split).")
    else:
        psi = result.psi.assign(
            level=pd.cut(
                result.psi["psi"], [-1, 0.1, 0.25, 10], labels=["stable", "watch", "shifted"]
            )
        )
        st.altair_chart(
            alt.Chart(psi)
            .mark_bar()
            .encode(
                y=alt.Y("feature:N", sort="-x"),
                x=alt.X("psi:Q", title="PSI, train vs latest period"),
                color=alt.Color(
                    "level:N",
                    scale=alt.Scale(
                        domain=["stable", "watch", "shifted"],
                        range=["#4c78a8", "#f58518", "#e45756"],
                    ),
                ),
            ),
            width="stretch",
        )
        st.caption("PSI under 0.10 is stable, 0.10-0.25 worth watching, over 0.25 a shift.")

with tab_compare:
    others = [v for v in labels if v != label]
    if not others:
        st.info("Only one version: train another (change the spec) to compare.")
    else:
        other = st.selectbox("Compare with", others[::-1], key="other_version")
        from dashboards.model_lab import registry
        from risk.credit.service import compare

        rows = pd.DataFrame(compare(registry(data_dir()), "bnpl_credit", label, other))
        st.dataframe(rows, hide_index=True, width="stretch")
        try:
            other_result = _evaluate(str(data_dir()), str(wh), other, stamp)
            both = pd.concat(
                [result.roc.assign(version=label), other_result.roc.assign(version=other)]
            )
            st.altair_chart(
                alt.Chart(both)
                .mark_line()
                .encode(x="fpr:Q", y="tpr:Q", color="version:N")
                .properties(title="ROC side by side"),
                width="stretch",
            )
        except Exception as exc:  # noqa: BLE001
            st.warning(f"{other} cannot be scored here: {exc}")

with tab_reasons:
    freq = reason_frequencies(scored)
    if freq.empty:
        st.info("No declined or referred applicants in the hold-out.")
    else:
        st.altair_chart(
            alt.Chart(freq)
            .mark_bar()
            .encode(
                y=alt.Y("reason_text:N", sort="-x", title=None),
                x=alt.X("times_given:Q", title="declines and referrals citing it"),
                tooltip=[
                    "reason_code",
                    "times_given",
                    alt.Tooltip("share_of_decisions:Q", format=".1%"),
                ],
            ),
            width="stretch",
        )
        st.dataframe(freq, hide_index=True, width="stretch")
