"""FIU-IND reports: STR and CTR validate against our XSDs; incomplete ones are refused by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from risk.aml.filing import ctr_due_on, str_due_on
from risk.aml.fiu_reports import (
    Batch,
    Person,
    ReportBody,
    ReportError,
    Suspicion,
    Transaction,
    build,
    render,
    validate,
)

PERSON = Person(
    "Tanushree Sen",
    "IND",
    "cust_jYlmOernRyYtCi",
    "acc_PQlHaXSYsa2Jet",
    "IN",
    "subject",
    date(1988, 6, 9),
)
TXN = Transaction(
    "trf_04200000000123",
    datetime(2026, 11, 6, 16, 30, tzinfo=UTC),
    "upi_p2p",
    "C",
    4_950_000,
    "acc_PQlHaXSYsa2Jet",
    "acc_R8ZUkExxPvfO9Y",
    "IN",
    counterparty_name="Ankit Yadav",
)
SUSPICION = Suspicion(
    "TM",
    ("fan_in",),
    "Collected from 20 unrelated payers in two days and paid it all out the same night.",
    "Payers span nine cities; KYC profile is a student.",
)


def _str(**changes) -> Batch:  # type: ignore[no-untyped-def]
    body = ReportBody("Tanushree Sen", [PERSON], [TXN], SUSPICION)
    for k, v in changes.items():
        setattr(body, k, v)
    return Batch("STR", 1, 11, 2026, date(2026, 11, 9), [body])


def test_a_complete_str_validates_and_says_amounts_in_rupees() -> None:
    xml = build(_str())
    doc = etree.fromstring(xml)
    assert doc.findtext("ReportType") == "STR"
    assert doc.findtext("Report/Transaction/Amount") == "49500.00"
    assert doc.findtext("Report/SuspicionDetails/GroundsOfSuspicion").startswith("Collected")
    assert doc.findtext("Report/Transaction/DateOfTransaction") == "2026-11-06T22:00:00+05:30"


def test_an_str_without_grounds_of_suspicion_is_refused_naming_it() -> None:
    batch = _str(suspicion=replace(SUSPICION, grounds_of_suspicion=None))
    with pytest.raises(ReportError, match="GroundsOfSuspicion"):
        build(batch)


def test_an_str_without_suspicion_details_is_refused_naming_them() -> None:
    with pytest.raises(ReportError, match="SuspicionDetails"):
        build(_str(suspicion=None))


def test_an_str_without_transactions_is_refused_naming_them() -> None:
    with pytest.raises(ReportError, match="Transaction"):
        build(_str(transactions=[]))


def test_a_person_without_a_name_is_refused_naming_the_field() -> None:
    with pytest.raises(ReportError, match="PersonName"):
        build(_str(persons=[replace(PERSON, name="")]))


def test_a_zero_amount_is_refused() -> None:
    with pytest.raises(ReportError, match="Amount"):
        build(_str(transactions=[replace(TXN, amount_paise=0)]))


def test_a_hand_edited_str_with_a_bad_flag_is_refused() -> None:
    xml = render(_str()).replace(
        b"<LEAInformed>N</LEAInformed>", b"<LEAInformed>maybe</LEAInformed>"
    )
    with pytest.raises(ReportError, match="LEAInformed"):
        validate(xml, "STR")


def test_a_ctr_with_no_reportable_person_is_still_a_valid_batch() -> None:
    xml = build(Batch("CTR", 1, 10, 2026, date(2026, 11, 2), []))
    assert etree.fromstring(xml).findtext("ReportType") == "CTR"


def test_a_ctr_carries_no_suspicion_details() -> None:
    body = ReportBody("Tanushree Sen", [PERSON], [replace(TXN, is_cash=True, mode="cash_load")])
    build(Batch("CTR", 1, 10, 2026, date(2026, 11, 2), [body]))
    with pytest.raises(ReportError, match="SuspicionDetails"):
        build(Batch("CTR", 1, 10, 2026, date(2026, 11, 2), [replace(body, suspicion=SUSPICION)]))


def test_str_is_due_seven_working_days_after_suspicion_is_established() -> None:
    # Fri 6 Nov 2026 + 7 working days: Sat 7th (1st Saturday) is open, Sun 8th closed, Mon 9th
    # a bank holiday, Sat 14th the 2nd Saturday and Sun 15th closed: Tue 17th is the 7th.
    assert str_due_on(date(2026, 11, 6)) == date(2026, 11, 17)


def test_ctr_is_due_by_the_fifteenth_of_the_next_month() -> None:
    assert ctr_due_on(2026, 10) == date(2026, 11, 15)
    assert ctr_due_on(2026, 12) == date(2027, 1, 15)
