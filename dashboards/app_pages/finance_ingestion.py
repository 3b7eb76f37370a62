"""Finance: ingestion runs (rows in = loaded + quarantined per file) and what was quarantined why."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import require_role
from dashboards.formatting import count
from dashboards.warehouse import NotBuilt, query

require_role("finance")
st.title("Ingestion runs and quarantine")

try:
    files = query(
        "select landing_path, source, business_date, format, outcome, rows_in, rows_loaded, "
        "rows_quarantined, ingested_at from ingest.manifest where is_current "
        "order by ingested_at desc, landing_path",
        hint="hisaab ingest",
    )
    reasons = query(
        "select landing_path, dataset, reason_code, count(*) as rows, min(message) as example "
        "from ingest.quarantined_rows group by landing_path, dataset, reason_code "
        "order by rows desc",
        hint="hisaab ingest",
    )
except NotBuilt as exc:
    st.info(str(exc))
    st.stop()
if files.empty:
    st.info(
        "Nothing ingested yet. Run `hisaab ingest` (files under data/landing/<source>/<date>/)."
    )
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Files", count(len(files)))
c2.metric("Rows in", count(files["rows_in"].sum()))
c3.metric("Rows loaded", count(files["rows_loaded"].sum()))
c4.metric("Rows quarantined", count(files["rows_quarantined"].sum()))
balanced = (files["rows_in"] == files["rows_loaded"] + files["rows_quarantined"]).all()
if balanced:
    st.caption("Every file: rows in = rows loaded + rows quarantined.")
else:
    st.error("A file's rows in ≠ rows loaded + rows quarantined: see the table.")

source = st.multiselect("Source", sorted(files["source"].unique()), key="i_source")
if source:
    files = files[files["source"].isin(source)]
    reasons = reasons[reasons["landing_path"].isin(files["landing_path"])]
st.dataframe(files, hide_index=True, width="stretch")

st.subheader("Quarantine: which file, which rule, how many rows")
if reasons.empty:
    st.success("No rows quarantined.")
else:
    st.dataframe(reasons, hide_index=True, width="stretch")
try:
    bad_files = query(
        "select landing_path, source, outcome, message from ingest.file_reports "
        "where outcome not in ('loaded', 'skipped') order by run_at desc",
        hint="hisaab ingest",
    )
except NotBuilt:
    bad_files = None
if bad_files is not None and not bad_files.empty:
    st.subheader("Files quarantined whole")
    st.dataframe(bad_files, hide_index=True, width="stretch")
