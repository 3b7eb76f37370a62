"""Each emulated gateway's own id formats, deterministic from a seed and a per-gateway counter.

User need: recon matches on gateway ids, so emulated ids must look like the real ones and never
collide: Razorpay ``pay_``/``rfnd_`` plus 14 base62 characters, PayU's numeric ``mihpayid``
(11 digits, as the simulator writes it), CCAvenue's 12-digit ``tracking_id``, and 12-digit UPI
RRNs. Numeric ids are a bijection of the counter (``hisaab.ids.permuted_digits``, as the
simulator does) so they cannot collide; namespaces differ from the simulator's (100-108).
"""

from __future__ import annotations

import numpy as np

from hisaab.ids import derived_bodies, permuted_digits

NS_RAZORPAY_PAYMENT, NS_RAZORPAY_REFUND = 300, 301
NS_PAYU_PAYMENT, NS_PAYU_REFUND = 302, 303
NS_CCAVENUE_PAYMENT, NS_CCAVENUE_REFUND = 304, 305
NS_RRN = 306


def prefixed(prefix: str, seed: int, namespace: int, counter: int) -> str:
    body = derived_bodies(seed, namespace, np.array([counter], dtype=np.uint64))[0].decode()
    return f"{prefix}_{body}"


def numeric(seed: int, namespace: int, counter: int, length: int) -> str:
    return permuted_digits(seed, namespace, np.array([counter], dtype=np.uint64), length)[
        0
    ].decode()


def rrn_tail(seed: int, counter: int) -> str:
    """The 8-digit sequence part of an RRN (unique for 10**8 UPI payments)."""
    return numeric(seed, NS_RRN, counter, 8)
