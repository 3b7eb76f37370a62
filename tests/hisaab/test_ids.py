"""Prefixed Razorpay-shaped ids, random and derived."""

import numpy as np

from hisaab.ids import derived_ids, is_valid_id, new_id


def test_new_ids_carry_prefix_and_fourteen_base62_characters() -> None:
    pid = new_id("pay")
    assert is_valid_id(pid, "pay")
    assert not is_valid_id(pid, "setl")


def test_derived_ids_are_deterministic_unique_and_valid() -> None:
    a = derived_ids("setl", 7, 1, np.arange(50_000))
    b = derived_ids("setl", 7, 1, np.arange(50_000))
    assert a == b
    assert len(set(a)) == len(a)
    assert all(is_valid_id(x, "setl") for x in a[:1000])
    assert derived_ids("setl", 8, 1, np.arange(10)) != a[:10]
