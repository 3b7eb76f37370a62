"""Run one benchmark case in a fresh process and print its wall time and peak RSS as JSON.

Each case runs in its own process so peak RSS (``ru_maxrss``) belongs to that case alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_case(fn: Callable[[], object]) -> None:
    """Also reports ``cpu_seconds`` (user + system, all threads): on a shared machine it varies
    less than wall time, so ratios of it are a steadier comparison between cases."""
    t0, c0 = time.perf_counter(), _cpu_seconds()
    result = fn()
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mb": peak_kb / 1024,
                "result": result,
            }
        )
    )
    sys.stdout.flush()
