"""Airflow DAG ``hisaab_ingest_gateways``: the gateways' settlement files into the lake.

Every day at 09:00 IST, for Razorpay, PayU and CCAvenue each: wait (up to 8 h) for
``landing/<source>/<day>/``, ingest it under its data contract, and emit the source's lake dataset
as an asset (``lake.razorpay_settlement_lines``, ``lake.payu_settlement_lines``,
``lake.ccavenue_settlement_lines``). Gateways settle on business days only: on a bank holiday the
sources are skipped. A file that fails its contract fails its own source's task.
"""

from __future__ import annotations

from airflow.sdk import DAG
from hisaab_common import ingestion_dag

dag: DAG = ingestion_dag("gateways", "0 9 * * *", __doc__)
