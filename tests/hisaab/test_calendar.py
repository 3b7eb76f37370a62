"""IST business dates and T+N settlement cycles."""

from datetime import UTC, date, datetime

from hisaab.calendar import (
    add_business_days,
    business_days_between,
    is_business_day,
    ist_date,
    settlement_date,
)


def test_sundays_and_second_and_fourth_saturdays_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 11, 1))  # Sunday
    assert not is_business_day(date(2026, 11, 14))  # 2nd Saturday
    assert not is_business_day(date(2026, 11, 28))  # 4th Saturday
    assert is_business_day(date(2026, 11, 7))  # 1st Saturday
    assert is_business_day(date(2026, 11, 21))  # 3rd Saturday


def test_holidays_come_from_the_holiday_list() -> None:
    assert not is_business_day(date(2026, 1, 26))  # Republic Day, a Monday
    assert not is_business_day(date(2026, 11, 24))  # Guru Nanak Jayanti


def test_t_plus_1_skips_a_fourth_saturday_and_sunday() -> None:
    assert settlement_date(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_a_payment_on_a_closed_saturday_counts_from_monday() -> None:
    assert settlement_date(date(2026, 11, 28), 1) == date(2026, 12, 1)
    assert settlement_date(date(2026, 11, 28), 2) == date(2026, 12, 2)


def test_t_plus_1_skips_a_holiday() -> None:
    assert settlement_date(date(2026, 11, 23), 1) == date(2026, 11, 25)


def test_business_date_is_the_ist_date_with_cutover_at_midnight_ist() -> None:
    assert ist_date(datetime(2026, 11, 2, 18, 29, 59, tzinfo=UTC)) == date(2026, 11, 2)
    assert ist_date(datetime(2026, 11, 2, 18, 30, 0, tzinfo=UTC)) == date(2026, 11, 3)


def test_business_days_between_counts_only_open_days() -> None:
    assert business_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
    assert add_business_days(date(2026, 11, 27), 0) == date(2026, 11, 27)
