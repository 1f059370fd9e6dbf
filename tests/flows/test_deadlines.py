from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from yuqing.deadlines import add_working_days, compute_deadlines, reminder_times
from yuqing.profile import Duration

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_level_one_uses_state_council_hours(licheng):
    start = at("2026-03-02T09:00")
    due = compute_deadlines(1, start, licheng.meta.sla)
    assert due.ack_due == at("2026-03-02T09:30")
    assert due.info_due == at("2026-03-02T14:00")  # 5 h (国办发〔2016〕80号)
    assert due.press_due == at("2026-03-03T09:00")  # 24 h (国办发〔2016〕61号)
    assert due.response_due is None  # continuous until closed


def test_level_three_is_48_wall_clock_hours_even_over_a_weekend(licheng):
    start = at("2026-03-06T16:00")  # a Friday
    due = compute_deadlines(3, start, licheng.meta.sla)
    assert due.ack_due == at("2026-03-07T16:00")
    assert due.response_due == at("2026-03-08T16:00")


def test_working_days_skip_the_national_day_holiday_and_count_make_up_days():
    # 2026: 10-01..10-07 holiday; Saturday 10-10 is a make-up working day (调休)
    assert add_working_days(at("2026-09-30T10:00"), 1) == at("2026-10-08T10:00")
    assert add_working_days(at("2026-10-09T10:00"), 1) == at("2026-10-10T10:00")


def test_level_four_counts_five_working_days_across_a_weekend(licheng):
    start = at("2026-03-05T11:00")  # Thursday
    assert compute_deadlines(4, start, licheng.meta.sla).response_due == at("2026-03-12T11:00")


def test_years_without_holiday_data_fall_back_to_weekdays(caplog):
    assert add_working_days(at("2031-01-03T10:00"), 1) == at("2031-01-06T10:00")  # Fri → Mon
    assert "no holiday data" in caplog.text


def test_reminders_at_half_and_four_fifths():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    due = datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert [t.hour for t in reminder_times(start, due, [0.5, 0.8])] == [5, 8]


def test_naive_start_is_refused(licheng):
    with pytest.raises(ValueError):
        compute_deadlines(3, datetime(2026, 1, 1), licheng.meta.sla)


@pytest.mark.parametrize("text", ["5x", "", "h", "1.5wd"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        Duration.parse(text)


# 2026 on the Chinese calendar: 中秋 09-25..27, 国庆 10-01..07; make-up workdays (调休) Sunday 09-20
# and Saturday 10-10. Working-day deadlines follow it; hour deadlines ignore it.
@pytest.mark.parametrize(("start", "expected"), [
    ("2026-09-29T11:00", "2026-10-12T11:00"),  # 09-30, 10-08, 10-09, 10-10 (Sat, 调休), 10-12
    ("2026-09-24T11:00", "2026-10-09T11:00"),  # both holidays in a row: 09-28, 09-29, 09-30, 10-08, 10-09
    ("2026-10-03T15:00", "2026-10-13T15:00"),  # starting on a holiday: 10-08, 10-09, 10-10, 10-12, 10-13
])
def test_level_four_five_working_days_across_the_2026_national_day(licheng, start, expected):
    assert compute_deadlines(4, at(start), licheng.meta.sla).response_due == at(expected)


def test_a_sunday_make_up_workday_counts():
    assert add_working_days(at("2026-09-18T10:00"), 1) == at("2026-09-20T10:00")  # Fri → Sun 09-20 (调休)


def test_hour_deadlines_run_through_the_holiday(licheng):
    start = at("2026-10-01T09:00")  # National Day itself
    due = compute_deadlines(2, start, licheng.meta.sla)
    assert due.ack_due == at("2026-10-01T11:00") and due.response_due == at("2026-10-02T09:00")
    critical = compute_deadlines(1, at("2026-10-03T22:00"), licheng.meta.sla)
    assert critical.info_due == at("2026-10-04T03:00") and critical.press_due == at("2026-10-04T22:00")


def test_working_days_are_counted_in_shanghai_time_for_a_utc_start():
    # 2026-09-30T20:00Z is already 10-01 04:00 in Shanghai (a holiday): the first working day is 10-08
    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    assert add_working_days(start, 1) == datetime(2026, 10, 7, 20, 0, tzinfo=UTC)


def test_working_days_follow_the_timezone_setting(monkeypatch):
    """The zone comes from YUQING_TIMEZONE: the same UTC start is still 09-30 (a working day) in UTC."""
    from yuqing.settings import reset_settings_cache

    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    monkeypatch.setenv("YUQING_TIMEZONE", "UTC")
    reset_settings_cache()
    try:
        assert add_working_days(start, 1) == datetime(2026, 10, 8, 20, 0, tzinfo=UTC)
    finally:
        monkeypatch.delenv("YUQING_TIMEZONE")
        reset_settings_cache()
