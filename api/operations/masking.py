"""Masking secrets and personal data before anything is logged.

Operators need request logs; customers' e-mails, phone numbers, VPAs and anything that looks
like a card number must never reach them, nor must credentials.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_VPA = re.compile(r"([A-Za-z0-9._-])[A-Za-z0-9._-]*@([A-Za-z]+)\b")
_LONG_DIGITS = re.compile(r"\+?\d[\d -]{8,}\d")
_SECRETS = re.compile(r"(?i)(secret|password|token|authorization)=([^&\s]+)")


def mask_text(text: str) -> str:
    """Mask e-mails, VPAs, phone and card-like numbers (keep the last 4 digits), secrets."""
    text = _SECRETS.sub(lambda m: f"{m.group(1)}=***", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _VPA.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)

    def digits(m: re.Match[str]) -> str:
        raw = re.sub(r"[^\d]", "", m.group())
        return "*" * (len(raw) - 4) + raw[-4:]

    return _LONG_DIGITS.sub(digits, text)


def mask_key_id(key_id: str | None) -> str | None:
    """Key ids are not secret, but logs only need enough to tell keys apart."""
    if not key_id:
        return None
    return key_id[:13] + "…" if len(key_id) > 13 else key_id
