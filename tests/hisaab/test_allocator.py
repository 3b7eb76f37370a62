"""polars' allocator keeps freed pages long enough for chunk-by-chunk work to reuse them.

Rule (``hisaab.POLARS_ALLOCATOR_CONF``): any of our packages imported before polars sets
jemalloc's decay, so a big file's chunks reuse the previous chunk's pages instead of faulting
fresh ones in; a value the user put in ``_RJEM_MALLOC_CONF`` wins. Each case runs in a fresh
interpreter because jemalloc reads the setting once, when polars is first imported.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import hisaab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _polars_conf(first_import: str, env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if env_value is not None:
        env["_RJEM_MALLOC_CONF"] = env_value
    code = f"import {first_import}, os, polars; print(os.environ['_RJEM_MALLOC_CONF'])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    return out.stdout.strip()


@pytest.mark.parametrize("package", ["pipelines", "data_contracts", "risk", "hisaab"])
def test_our_packages_set_polars_decay_before_polars_loads(package: str) -> None:
    conf = _polars_conf(package, None)
    # polars puts its own default first and appends ours: for jemalloc the last value wins
    assert conf.endswith(hisaab.POLARS_ALLOCATOR_CONF)
    assert "dirty_decay_ms:500" in conf


def test_a_user_setting_wins() -> None:
    conf = _polars_conf("pipelines", "dirty_decay_ms:0,muzzy_decay_ms:0")
    assert conf.endswith("dirty_decay_ms:0,muzzy_decay_ms:0")
    assert hisaab.POLARS_ALLOCATOR_CONF not in conf
