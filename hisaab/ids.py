"""Prefixed, Razorpay-shaped object ids (``pay_…``, ``order_…``, ``setl_…``).

An id is a prefix, an underscore and 14 base62 characters, as Razorpay's are, so merchants
recognise them and SDKs accept them. Random ids come from ``secrets``; the simulator derives
deterministic ids from a seed and a counter (``derived_ids``), vectorised, so the same world
always carries the same ids.
"""

from __future__ import annotations

import secrets

import numpy as np

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 14
PREFIXES = {
    "order": "order",
    "payment": "pay",
    "refund": "rfnd",
    "settlement": "setl",
    "payout": "pout",
    "merchant": "mer",
    "customer": "cust",
    "chargeback": "chb",
    "dispute": "disp",
    "event": "evt",
    "break": "brk",
}
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def new_id(prefix: str) -> str:
    """A fresh random id such as ``pay_29QQoUBi66xm2f``."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))
    return f"{prefix}_{body}"


def is_valid_id(value: str, prefix: str) -> bool:
    head, _, body = value.partition("_")
    return head == prefix and len(body) == ID_LENGTH and all(c in ALPHABET for c in body)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: a fast bijective mixer of uint64 values."""
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
        return z ^ (z >> np.uint64(31))


def derived_bodies(
    seed: int, namespace: int, counters: np.ndarray, length: int = ID_LENGTH
) -> np.ndarray:
    """Deterministic base62 strings of ``length`` characters for each counter (vectorised)."""
    counters = np.asarray(counters, dtype=np.uint64)
    with np.errstate(over="ignore"):
        salt = splitmix64(np.array([seed * 1_000_003 + namespace], dtype=np.uint64))[0]
        words = [splitmix64(counters ^ salt), splitmix64(counters ^ salt ^ np.uint64(0x5555))]
    out = np.empty((counters.size, length), dtype=np.uint8)
    per_word = 10  # 62**10 < 2**64, so 10 digits per 64-bit word stay close to uniform
    for i in range(length):
        w = words[i // per_word]
        out[:, i] = _ALPHABET_BYTES[(w % np.uint64(62)).astype(np.intp)]
        words[i // per_word] = w // np.uint64(62)
    return out.view(f"S{length}").ravel()


def derived_ids(prefix: str, seed: int, namespace: int, counters: np.ndarray) -> list[str]:
    """Deterministic ids ``<prefix>_<14 base62>`` for each counter (as Python strings)."""
    bodies = derived_bodies(seed, namespace, counters)
    pre = prefix + "_"
    return [pre + b.decode() for b in bodies.tolist()]


def derived_digits(seed: int, namespace: int, counters: np.ndarray, length: int) -> np.ndarray:
    """Deterministic numeric strings of ``length`` digits (length <= 19), e.g. PayU ids, RRN tails."""
    counters = np.asarray(counters, dtype=np.uint64)
    with np.errstate(over="ignore"):
        salt = splitmix64(np.array([seed * 1_000_003 + namespace], dtype=np.uint64))[0]
        w = splitmix64(counters ^ salt)
    out = np.empty((counters.size, length), dtype=np.uint8)
    for i in range(length):
        out[:, length - 1 - i] = (w % np.uint64(10)).astype(np.uint8) + ord("0")
        w = w // np.uint64(10)
    return out.view(f"S{length}").ravel()


def permuted_digits(seed: int, namespace: int, counters: np.ndarray, length: int) -> np.ndarray:
    """Distinct counters → distinct ``length``-digit strings (an affine bijection mod 10**length).

    For ids that must never collide, such as PayU's numeric ids and RRN sequence numbers: a
    hash would collide by the birthday bound once a world has millions of payments. Counters
    must be below 10**length; length <= 12 keeps the arithmetic inside uint64.
    """
    if length > 12:
        raise ValueError("length must be <= 12")
    modulus = np.uint64(10**length)
    salt = int(splitmix64(np.array([seed * 1_000_003 + namespace], dtype=np.uint64))[0])
    multiplier = (salt % 10**6) * 10 + (1, 3, 7, 9)[salt % 4]  # odd, not a multiple of 5
    offset = np.uint64((salt >> 20) % 10**length)
    counters = np.asarray(counters, dtype=np.uint64)
    if counters.size and int(counters.max()) >= 10**length:
        raise ValueError(f"counter too large for {length} digits")
    with np.errstate(over="ignore"):
        values = (counters * np.uint64(multiplier) + offset) % modulus
    out = np.empty((counters.size, length), dtype=np.uint8)
    for i in range(length):
        out[:, length - 1 - i] = (values % np.uint64(10)).astype(np.uint8) + ord("0")
        values = values // np.uint64(10)
    return out.view(f"S{length}").ravel()
