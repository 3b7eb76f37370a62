"""Payment references printed inside bank narrations: NEFT/RTGS UTRs and IMPS/UPI RRNs.

The statement parsers (MT940 ``:86:``, camt.053 ``AddtlNtryInf``, bank CSV narrations) and the
simulator that writes those narrations (``pipelines.simulator.narrations``) share this one reader.

References: a NEFT UTR is 16 characters (4-letter bank code, ``N``, 11 alphanumerics), an RTGS
UTR 22 (4-letter bank code, ``R``, 17 alphanumerics), an IMPS/UPI RRN 12 digits.
"""

from __future__ import annotations

import re

# The alphanumeric tail of a UTR must hold a digit, so a long word (a name such as
# "CONSTANTINOPLEAN") is never mistaken for a reference.
_RTGS_UTR = r"[A-Z]{4}R(?=[A-Z0-9]{0,16}[0-9])[A-Z0-9]{17}"
_NEFT_UTR = r"[A-Z]{4}N(?=[A-Z0-9]{0,10}[0-9])[A-Z0-9]{11}"
_RRN = r"[0-9]{12}"
# Tried longest first; a reference is a whole token (not part of a longer alphanumeric run).
_UTR_PATTERNS = tuple(
    re.compile(rf"(?<![A-Z0-9])(?:{p})(?![A-Z0-9])") for p in (_RTGS_UTR, _NEFT_UTR, _RRN)
)


def extract_utr(narration: str) -> str | None:
    """Find the UTR (RTGS, then NEFT) or the 12-digit RRN in a narration; ``None`` if absent."""
    text = narration.upper()
    for pattern in _UTR_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None
