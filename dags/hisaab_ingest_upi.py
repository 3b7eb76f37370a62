"""Airflow DAG ``hisaab_ingest_upi``: the UPI switch's transaction and adjustment reports.

Every day at 23:00 IST: wait (up to 8 h, so into the next morning) for
``landing/upi_switch/<day>/``, ingest it under its data contracts, and emit
``lake.upi_switch_transactions`` and ``lake.upi_switch_adjustments``. UPI runs every day,
holidays included. A file that fails its contract fails the task.
"""

from __future__ import annotations

from airflow.sdk import DAG
from hisaab_common import ingestion_dag

dag: DAG = ingestion_dag("upi", "0 23 * * *", __doc__)
