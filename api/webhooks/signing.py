"""Webhook signatures: how we sign each delivery, and how a merchant verifies it.

User need: a merchant's developer must be able to tell, in a few lines, that a webhook came
from Hisaab, was not altered, and is not an old message replayed.

How we sign
-----------
Every delivery carries a header; for the secret ``whsec_example`` and the body
``{"id":"evt_1"}`` sent at 1793687526 it is::

    X-Hisaab-Signature: t=1793687526,v1=bf092e30ee6f39f3b2258f75966c14b24506e37d1a08f70c1c565bd803cfbfc5

``t`` is the Unix time (seconds) of this delivery attempt and ``v1`` the hex HMAC-SHA256, keyed
with your webhook secret, of ``f"{t}."`` followed by the raw request body, byte for byte. During
a secret rotation the header carries one ``v1=`` per active secret; any one that matches is
enough. Retries of an event carry the same ``X-Hisaab-Event-Id`` and body with a new ``t``.

How to verify (Python)
----------------------
Use the raw body as received (not re-serialised JSON), compare in constant time, refuse stale
timestamps, and deduplicate by event id, because delivery is at least once::

    from api.webhooks.signing import verify

    def handle(request):
        body = request.body                       # raw bytes
        header = request.headers["X-Hisaab-Signature"]
        if not verify(WEBHOOK_SECRET, header, body, tolerance_s=300):
            return 400                            # not from Hisaab, altered, or replayed
        event_id = request.headers["X-Hisaab-Event-Id"]
        if already_processed(event_id):           # e.g. a unique key in your database
            return 200                            # acknowledge the duplicate, do nothing
        process(json.loads(body)); remember(event_id)
        return 200                                # any 2xx acknowledges; anything else retries

Without Python: ``expected = hex(HMAC_SHA256(secret, t + "." + body))``, then compare with each
``v1`` in constant time (``hmac.compare_digest``, ``crypto.timingSafeEqual``,
``MessageDigest.isEqual``) and check ``|now - t| <= 300``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Hisaab-Signature"
EVENT_ID_HEADER = "X-Hisaab-Event-Id"
EVENT_TYPE_HEADER = "X-Hisaab-Event"
SCHEME = "v1"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Hisaab-Signature`` value for ``body`` sent at ``timestamp``: ``t=...,v1=...``."""
    if not secret:
        raise ValueError("a webhook secret is required")
    return f"t={int(timestamp)},{SCHEME}={_digest(secret, int(timestamp), body)}"


def sign_with_secrets(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """One ``v1=`` per secret, for the overlap window of a secret rotation."""
    if not secrets:
        raise ValueError("at least one webhook secret is required")
    sigs = ",".join(f"{SCHEME}={_digest(s, int(timestamp), body)}" for s in secrets)
    return f"t={int(timestamp)},{sigs}"


def parse_header(header: str) -> tuple[int | None, list[str]]:
    """The timestamp and the ``v1`` signatures of a header (None / [] when malformed)."""
    ts: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isdigit():
            ts = int(value)
        elif key == SCHEME and value:
            sigs.append(value.strip().lower())
    return ts, sigs


def verify(
    secret: str, header: str, body: bytes, tolerance_s: int = 300, *, now: float | None = None
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance_s``.

    Constant-time comparison; timestamps too far in the past *or* future are refused (a replay
    or a wrong clock); a malformed header is simply not valid.
    """
    if not secret or not header:
        return False
    ts, sigs = parse_header(header)
    if ts is None or not sigs:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    expected = _digest(secret, ts, body)
    ok = False
    for sig in sigs:  # check every one: no early exit that would leak which matched
        ok |= hmac.compare_digest(expected, sig)
    return ok
