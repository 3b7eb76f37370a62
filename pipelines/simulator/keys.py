"""Deterministic keys of the world's settlement-level objects (ids, UTRs, injected faults).

Settlement ids, their UTRs and whether a settlement is delayed, short or excess are derived by
hashing the settlement's natural key with the seed, so every chunk of the generator agrees
without sharing state, and the same seed always gives the same world.
"""

from __future__ import annotations

import hashlib
from datetime import date

from hisaab.ids import ALPHABET, ID_LENGTH


def _digest(seed: int, *parts: object) -> bytes:
    text = "|".join([str(seed), *map(str, parts)])
    return hashlib.sha256(text.encode()).digest()


def uniform(seed: int, *parts: object) -> float:
    """A deterministic number in [0, 1) for the given key (a probability draw, not money)."""
    return int.from_bytes(_digest(seed, "u", *parts)[:8], "big") / 2**64


def derived_int(seed: int, modulus: int, *parts: object) -> int:
    return int.from_bytes(_digest(seed, "i", *parts)[:8], "big") % modulus


def object_id(prefix: str, seed: int, *parts: object) -> str:
    n = int.from_bytes(_digest(seed, "id", prefix, *parts)[:16], "big")
    chars = []
    for _ in range(ID_LENGTH):
        n, r = divmod(n, 62)
        chars.append(ALPHABET[r])
    return f"{prefix}_{''.join(chars)}"


def digits(seed: int, length: int, *parts: object) -> str:
    n = int.from_bytes(_digest(seed, "d", *parts)[:16], "big")
    return str(n % 10**length).zfill(length)


def neft_utr(bank_code: str, on: date, seed: int, *parts: object) -> str:
    """A 16-character NEFT UTR: bank code, 'N', yy, day of year, six digits."""
    return f"{bank_code[:4].upper()}N{on:%y}{on.timetuple().tm_yday:03d}{digits(seed, 6, *parts)}"


def rtgs_utr(bank_code: str, on: date, seed: int, *parts: object) -> str:
    """A 22-character RTGS UTR: bank code, 'R', channel 'C', yyyymmdd, eight digits."""
    return f"{bank_code[:4].upper()}RC{on:%Y%m%d}{digits(seed, 8, *parts)}"


def rrn(on: date, seed: int, *parts: object) -> str:
    """A 12-digit RRN as UPI and IMPS print it: last digit of year, day of year, hour, sequence."""
    return f"{on.year % 10}{on.timetuple().tm_yday:03d}{digits(seed, 8, *parts)}"
