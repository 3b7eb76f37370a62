"""Hisaab kernel: settings, money, ids, the business calendar, logging and the CLI.

Every other package (pipelines, risk, api, dags) may import from here; nothing here imports them
except the CLI, which is the user's front door to all of them.
"""

import os

__version__ = "0.1.0"

# polars' allocator (jemalloc) hands freed pages back to the OS after 0.5 s by default, so work
# that runs chunk after chunk (a 10M-row settlement file is 23 chunks of 128 MB) faults every
# chunk's memory in afresh. Keeping freed pages 2 s lets the next chunk reuse them: on the
# 10M-row ingest minor page faults 1.95M -> 1.6M, system time 6.5-6.9 -> 5.2-5.5 s, wall time
# -9 to -12%. Longer is not faster and holds more: 10 s raised the simulator's peak at 3M
# payments from 1.67 to 2.18 GB (2 s: 1.74 GB). See bench/results/ingest.md. jemalloc reads
# this once, when polars is first imported, so it is set here, in the package every entry point
# imports first (``pipelines`` imports it before polars); a value already in the environment wins.
POLARS_ALLOCATOR_CONF = "dirty_decay_ms:2000,muzzy_decay_ms:2000"
os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_ALLOCATOR_CONF)
