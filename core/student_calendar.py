"""The student's calendar of one tutor (the twin of the tutor's week view): which local days of the booking
window have free time, laid out in whole weeks from Monday, and the ranges the student may narrow it to.
Screens render it; they do not count days themselves."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.entities import Slot
from core.timezones import utc_to_local

# The narrower views a student may pick besides the whole window: a week, two weeks.
NARROWER_RANGES = (7, 14)


def range_choices(window_days: int) -> tuple[int, ...]:
    """The ranges the student cycles through, the whole window first; none longer than the window."""
    return (window_days, *(days for days in NARROWER_RANGES if days < window_days))


def chosen_range(stored: object, window_days: int) -> int:
    """The range a dialog remembered, if it is still one of the choices (the window may have changed
    since); else the whole window."""
    choices = range_choices(window_days)
    return stored if isinstance(stored, int) and stored in choices else choices[0]


def next_range(current: int, window_days: int) -> int:
    choices = range_choices(window_days)
    return choices[(choices.index(chosen_range(current, window_days)) + 1) % len(choices)]


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    # Inside the window: from today to its last day.
    in_window: bool
    has_free_time: bool


@dataclass(frozen=True, slots=True)
class StudentCalendar:
    today: date
    last: date
    # Whole weeks, Monday first, from the week of today to the week of the last day.
    days: tuple[CalendarDay, ...]

    @property
    def has_free_time(self) -> bool:
        return any(day.has_free_time for day in self.days)


def student_calendar(slots: Iterable[Slot], zone: str, now: datetime, window_days: int) -> StudentCalendar:
    """The calendar of the free slots (open, already filtered) in the reader's zone."""
    free_days = {utc_to_local(slot.starts_at, zone).date() for slot in slots}
    today = utc_to_local(now, zone).date()
    monday = today - timedelta(days=today.weekday())
    last = today + timedelta(days=window_days - 1)
    weeks = (last - monday).days // 7 + 1
    days = []
    for offset in range(weeks * 7):
        day = monday + timedelta(days=offset)
        in_window = today <= day <= last
        days.append(CalendarDay(day=day, in_window=in_window, has_free_time=in_window and day in free_days))
    return StudentCalendar(today=today, last=last, days=tuple(days))
