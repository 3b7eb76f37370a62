"""Airflow DAG ``hisaab_ingest_bank``: the banks' statements (HDFC CSV, ICICI MT940, Axis camt.053).

Every day at 23:00 IST, for each bank: wait (up to 8 h) for ``landing/<bank>/<day>/``, ingest
the statement under its data contracts, and emit ``lake.bank_statements``,
``lake.bank_statement_entries`` and ``lake.bank_statement_transaction_details``. Skipped on bank
holidays. A statement that fails its contract (say, balances that do not chain) fails only that
bank's task.
"""

from __future__ import annotations

from airflow.sdk import DAG
from hisaab_common import ingestion_dag

dag: DAG = ingestion_dag("bank", "0 23 * * *", __doc__)
