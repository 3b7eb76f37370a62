"""Run one benchmark case in a fresh process and print its wall time and peak RSS as JSON.

Each case runs in its own process so peak RSS (``ru_maxrss``) belongs to that case alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable


def run_case(fn: Callable[[], object]) -> None:
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "result": result}))
    sys.stdout.flush()
