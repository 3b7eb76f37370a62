"""SWIFT MT940 customer statement writer, as Indian banks send it to corporate clients.

User need: the finance / recon analyst reconciles the escrow account against our books every
morning; most Indian banks deliver the day's statement as an MT940 file over host-to-host SFTP.
The simulator renders each ``Statement`` with ``render`` so the MT940 parser and the recon models
are exercised on the real format.

Layout (plain tag lines, no ``{1:}{2:}{4:`` envelope, CRLF line endings, ASCII only)::

    :20:STMT26112700331                      reference: STMT + yymmdd + 5-digit sequence
    :25:HDFC0000240/50200012345678           IFSC/account number
    :28C:00331/001                           statement number/page
    :60F:C261127INR12345678,90               opening: C/D, yymmdd, currency, amount
    :61:2611271127C499900,50NTRFYESBN52026331001//HDFC261127000001
    YESBN52026331001                         the full UTR again (supplementary details)
    :86:NEFT CR-YESB0000001-RAZORPAY SOFTWARE PRIVATE LIMITED-HISAAB
    PAYMENTS PVT LTD ESCROW A/C-YESBN52026331001
    ...                                      one :61: + :86: pair per entry
    :62F:C261127INR12845579,40               closing balance
    :64:C261127INR12845579,40                closing available balance

``:61:`` is value date (yymmdd), entry date (mmdd), ``C``/``D``, amount, transaction type
(``NTRF`` for NEFT/RTGS/IMPS/UPI transfers, ``NMSC`` otherwise), customer reference ``//`` bank
reference. Balances dated the statement date; a negative balance is marked ``D``.

Amounts use a comma as decimal separator and no grouping. In ``:61:`` the customer reference is
the UTR cut to 16 characters (the field's limit), the bank reference is the entry's
``bank_reference`` cut to 16, and the full UTR (22 characters for RTGS) is repeated as
supplementary details. ``:86:`` carries the bank's full narration, wrapped to at most 6 lines of
65 characters: lines break after a ``-`` or ``/``, or at a space (which is dropped), never inside
a word, so a UTR is never split. ``join_narration_lines`` undoes the wrap. Text outside the SWIFT
``X`` character set is transliterated (accents dropped) or replaced by a space (``swift_x``).
"""

from __future__ import annotations

import re
import unicodedata

from pipelines.simulator.statements import Statement, StatementEntry

CRLF = "\r\n"
NARRATION_LINE_CHARS = 65
NARRATION_MAX_LINES = 6

_SWIFT_X = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_JOIN_AFTER = "-/"  # a line ending in one of these continues without a space
_NO_LINE_START = " :-"  # SWIFT: a continuation line must not start with ':' or '-'


def swift_x(text: str) -> str:
    """Map text to the SWIFT ``X`` character set: drop accents, any other character -> space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SWIFT_X.sub(" ", stripped)


def wrap_narration(
    text: str, width: int = NARRATION_LINE_CHARS, max_lines: int = NARRATION_MAX_LINES
) -> list[str]:
    """Wrap a narration into ``:86:`` lines (see the module docstring); the excess is dropped."""
    rest = swift_x(text).strip()
    lines: list[str] = []
    while rest and len(lines) < max_lines:
        if len(rest) <= width:
            lines.append(rest)
            break
        line, rest = _split(rest, width)
        lines.append(line)
    return lines


def _split(text: str, width: int) -> tuple[str, str]:
    """Cut ``text`` (longer than ``width``) at the last break point that wraps losslessly."""
    for i in range(width, 0, -1):
        if text[i] == " " and text[i - 1] not in _JOIN_AFTER + " " and _may_start(text, i + 1):
            return text[:i], text[i + 1 :]
        if text[i - 1] in _JOIN_AFTER and _may_start(text, i):
            return text[:i], text[i:]
    # One token longer than a line: cut it where the next line may start.
    cut = next((i for i in range(width, 0, -1) if _may_start(text, i)), width)
    return text[:cut], text[cut:]


def _may_start(text: str, i: int) -> bool:
    """Whether a continuation line may start at ``text[i]`` (not blank, ':' or '-')."""
    return i < len(text) and text[i] not in _NO_LINE_START


def join_narration_lines(lines: list[str]) -> str:
    """Rebuild a narration from its ``:86:`` lines: no space after ``-`` or ``/``, else one."""
    text = ""
    for line in lines:
        if text and text[-1] not in _JOIN_AFTER:
            text += " "
        text += line
    return text


def swift_amount(paise: int) -> str:
    """An unsigned SWIFT amount from paise: ``123456789`` -> ``1234567,89``."""
    rupees, rem = divmod(abs(paise), 100)
    return f"{rupees},{rem:02d}"


def _balance(tag: str, paise: int, statement: Statement) -> str:
    mark = "C" if paise >= 0 else "D"
    day = f"{statement.statement_date:%y%m%d}"
    return f":{tag}:{mark}{day}{statement.account.currency}{swift_amount(paise)}"


def _reference(text: str) -> str:
    return _NOT_ALNUM.sub("", text)[:16]


def _statement_line(entry: StatementEntry) -> list[str]:
    mark = "C" if entry.direction == "CR" else "D"
    type_code = "NMSC" if entry.channel == "OTHER" else "NTRF"
    customer_ref = _reference(entry.utr) or "NONREF"
    bank_ref = _reference(entry.bank_reference)
    line = (
        f":61:{entry.value_date:%y%m%d}{entry.booking_date:%m%d}{mark}"
        f"{swift_amount(entry.amount_paise)}{type_code}{customer_ref}"
    )
    if bank_ref:
        line += f"//{bank_ref}"
    lines = [line]
    supplementary = swift_x(entry.utr).strip()[:34]
    if supplementary and not supplementary.startswith((":", "-")):
        lines.append(supplementary)
    narration = wrap_narration(entry.narration) or ["NONREF"]
    lines.append(f":86:{narration[0]}")
    lines.extend(narration[1:])
    return lines


def render(statement: Statement) -> bytes:
    """Render one day's statement of one account as MT940 (ASCII, CRLF)."""
    account = statement.account
    lines = [
        f":20:STMT{statement.statement_date:%y%m%d}{statement.sequence_number:05d}",
        f":25:{_reference(account.ifsc)}/{_reference(account.account_number)[:23]}",
        f":28C:{statement.sequence_number % 100_000:05d}/001",
        _balance("60F", statement.opening_balance_paise, statement),
    ]
    for entry in statement.entries:
        lines.extend(_statement_line(entry))
    closing = statement.closing_balance_paise
    lines.append(_balance("62F", closing, statement))
    lines.append(_balance("64", closing, statement))
    return (CRLF.join(lines) + CRLF).encode("ascii")


def filename(statement: Statement) -> str:
    """``MT940_<account>_<yyyymmdd>.sta``, the name a bank's SFTP drop uses."""
    return f"MT940_{statement.account.account_number}_{statement.statement_date:%Y%m%d}.sta"
