"""The student's calendar follows the booking window it is given (a setting), in the reader's zone, and
the range filter never offers more than the window."""

from datetime import UTC, date, datetime

import pytest

from bot.texts.periods import period
from core.student_calendar import chosen_range, next_range, range_choices, student_calendar
from l10n.catalogs import build_i18n
from tests.storage.factories import slot

# A Wednesday, 23:30 UTC: already Thursday in Tokyo.
NOW = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)


def test_the_calendar_spans_the_window_in_whole_weeks_from_monday() -> None:
    calendar = student_calendar([], "UTC", NOW, 28)
    assert calendar.today == date(2026, 3, 4) and calendar.last == date(2026, 3, 31)
    assert calendar.days[0].day == date(2026, 3, 2) and calendar.days[0].day.weekday() == 0
    assert len(calendar.days) % 7 == 0 and calendar.days[-1].day == date(2026, 4, 5)
    assert next(d.day for d in calendar.days if d.in_window) == calendar.today
    assert sum(d.in_window for d in calendar.days) == 28
    assert not calendar.has_free_time


def test_a_shorter_window_is_a_shorter_calendar() -> None:
    calendar = student_calendar([], "UTC", NOW, 10)
    assert calendar.last == date(2026, 3, 13)
    assert sum(d.in_window for d in calendar.days) == 10
    assert len(calendar.days) == 14


def test_free_days_are_the_readers_local_days() -> None:
    # 15:30 UTC on 5 March is 00:30 on 6 March in Tokyo.
    free = slot(1, datetime(2026, 3, 5, 15, 30, tzinfo=UTC))
    in_tokyo = student_calendar([free], "Asia/Tokyo", NOW, 28)
    assert in_tokyo.today == date(2026, 3, 5)
    assert [d.day for d in in_tokyo.days if d.has_free_time] == [date(2026, 3, 6)]
    in_utc = student_calendar([free], "UTC", NOW, 28)
    assert [d.day for d in in_utc.days if d.has_free_time] == [date(2026, 3, 5)]


@pytest.mark.parametrize(
    ("window", "choices"), [(28, (28, 7, 14)), (14, (14, 7)), (10, (10, 7)), (7, (7,)), (3, (3,)), (60, (60, 7, 14))]
)
def test_the_range_filter_never_goes_beyond_the_window(window: int, choices: tuple[int, ...]) -> None:
    assert range_choices(window) == choices
    seen = [chosen_range(None, window)]
    for _ in range(len(choices)):
        seen.append(next_range(seen[-1], window))
    assert seen[0] == window and seen[-1] == window and set(seen) == set(choices)


def test_a_remembered_range_the_window_no_longer_offers_falls_back_to_the_window() -> None:
    assert chosen_range(14, 10) == 10
    assert chosen_range("14", 28) == 28
    assert chosen_range(7, 28) == 7


@pytest.mark.parametrize(
    ("days", "english", "french"),
    [(28, "4 weeks", "4 semaines"), (14, "2 weeks", "2 semaines"), (7, "7 days", "7 jours"), (1, "1 day", "1 jour")],
)
def test_a_period_reads_as_people_say_it(days: int, english: str, french: str) -> None:
    i18n = build_i18n("en")
    with i18n.use_locale("en"), i18n.context():
        assert period(days) == english
    with i18n.use_locale("fr"), i18n.context():
        assert period(days) == french
