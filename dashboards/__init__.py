"""Streamlit dashboards for finance, risk, compliance and operations staff.

Thin by design: pages read the warehouse read-only (``dashboards.warehouse``), act only through
the API (``dashboards.api_client``) and call the risk libraries for model evaluation.
"""

import hisaab  # noqa: F401  (first: it configures polars' allocator before polars is imported)
