from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.availability import (
    GROUP_MIN_SEATS,
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    MINUTE_STEP,
    ONE_TO_ONE_SEATS,
    Interval,
    Skipped,
    SlotSpec,
    check_spec,
    check_timing,
    conflict_error,
    expand_pattern,
    find_conflict,
    parse_minutes,
    parse_seats,
    parse_time_of_day,
    pattern_specs,
    resolve,
    week_start,
    window_days,
)
from core.entities import Slot, WeeklyPattern
from core.enums import SessionType
from core.errors import ValidationError
from core.rules import BusinessRules
from core.timezones import local_to_utc

RULES = BusinessRules()
ONE = SessionType.ONE_TO_ONE
GROUP = SessionType.GROUP
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
# A Monday.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def slot(slot_id: int, start: datetime, end: datetime) -> Slot:
    return Slot(
        id=slot_id,
        tutor_id=1,
        starts_at=start,
        ends_at=end,
        timezone="UTC",
        session_type=ONE,
        capacity=1,
        created_at=CREATED,
        updated_at=CREATED,
    )


def pattern(
    zone: str,
    window_start: time,
    window_end: time,
    minutes: int,
    *,
    weekdays: frozenset[int] = frozenset(range(7)),
    session_type: SessionType = ONE,
    capacity: int = 1,
) -> WeeklyPattern:
    return WeeklyPattern(
        id=7,
        tutor_id=1,
        weekdays=weekdays,
        window_start=window_start,
        window_end=window_end,
        session_minutes=minutes,
        session_type=session_type,
        capacity=capacity,
        timezone=zone,
        created_at=CREATED,
    )


def spec(day: date, start: time, minutes: int = 60, session_type: SessionType = ONE, capacity: int = 1) -> SlotSpec:
    return SlotSpec(day=day, start=start, minutes=minutes, session_type=session_type, capacity=capacity)


def error_of(call: Callable[[], object]) -> tuple[str, dict[str, object]]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.code, info.value.params


def test_limits() -> None:
    assert (MIN_SESSION_MINUTES, MAX_SESSION_MINUTES, MINUTE_STEP) == (15, 240, 5)
    assert (ONE_TO_ONE_SEATS, GROUP_MIN_SEATS) == (1, 2)


# --- the tz database facts the DST tests below rely on ---------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "before", "gap_start", "gap_end"),
    [
        ("Europe/Paris", datetime(2026, 3, 29, 1, 59), datetime(2026, 3, 29, 2, 0), datetime(2026, 3, 29, 3, 0)),
        ("America/New_York", datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 2, 0), datetime(2026, 3, 8, 3, 0)),
        (
            "Australia/Lord_Howe",
            datetime(2026, 10, 4, 1, 59),
            datetime(2026, 10, 4, 2, 0),
            datetime(2026, 10, 4, 2, 30),
        ),
        ("America/Santiago", datetime(2026, 9, 5, 23, 59), datetime(2026, 9, 6, 0, 0), datetime(2026, 9, 6, 1, 0)),
    ],
)
def test_spring_forward_gaps_assumed_here(zone: str, before: datetime, gap_start: datetime, gap_end: datetime) -> None:
    local_to_utc(before, zone)
    local_to_utc(gap_end, zone)
    for local in (gap_start, gap_end - timedelta(minutes=1)):
        with pytest.raises(ValidationError):
            local_to_utc(local, zone)
    # The clocks jump exactly at the gap: the last minute before it and the gap's end are one minute apart.
    tz = ZoneInfo(zone)
    jump = gap_end.replace(tzinfo=tz).astimezone(UTC)
    assert jump - before.replace(tzinfo=tz).astimezone(UTC) == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("zone", "fold_start", "fold_end"),
    [
        ("Europe/Paris", datetime(2026, 10, 25, 2, 0), datetime(2026, 10, 25, 3, 0)),
        ("America/New_York", datetime(2026, 11, 1, 1, 0), datetime(2026, 11, 1, 2, 0)),
        ("Australia/Lord_Howe", datetime(2026, 4, 5, 1, 30), datetime(2026, 4, 5, 2, 0)),
    ],
)
def test_fall_back_folds_assumed_here(zone: str, fold_start: datetime, fold_end: datetime) -> None:
    assert not local_to_utc(fold_start - timedelta(minutes=1), zone).ambiguous
    assert local_to_utc(fold_start, zone).ambiguous
    assert local_to_utc(fold_end - timedelta(minutes=1), zone).ambiguous
    assert not local_to_utc(fold_end, zone).ambiguous


# --- resolve -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "start", "minutes", "expected"),
    [
        ("UTC", date(2026, 3, 2), time(10, 0), 60, Interval(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11))),
        ("Asia/Kolkata", date(2026, 3, 2), time(10, 0), 45, Interval(utc(2026, 3, 2, 4, 30), utc(2026, 3, 2, 5, 15))),
        # Ending exactly at midnight is allowed.
        ("Europe/Paris", date(2026, 3, 2), time(23, 0), 60, Interval(utc(2026, 3, 2, 22), utc(2026, 3, 2, 23))),
        # An end exactly where the gap starts is the instant of the jump: [01:00, 02:00) local all exists.
        ("Europe/Paris", date(2026, 3, 29), time(1, 0), 60, Interval(utc(2026, 3, 29, 0), utc(2026, 3, 29, 1))),
        ("Europe/Paris", date(2026, 3, 29), time(3, 0), 60, Interval(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))),
        # The same at a skipped midnight: Santiago goes from 23:59:59 straight to 01:00.
        ("America/Santiago", date(2026, 9, 5), time(23, 0), 60, Interval(utc(2026, 9, 6, 3), utc(2026, 9, 6, 4))),
        # The wall clock rules: 01:45-02:30 across Lord Howe's 30-minute jump lasts 15 real minutes.
        (
            "Australia/Lord_Howe",
            date(2026, 10, 4),
            time(1, 45),
            45,
            Interval(utc(2026, 10, 3, 15, 15), utc(2026, 10, 3, 15, 30)),
        ),
        # A start in a fold takes the first occurrence; the end, after the fold, is unique: 90 real minutes.
        (
            "Europe/Paris",
            date(2026, 10, 25),
            time(2, 30),
            30,
            Interval(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2), ambiguous=True),
        ),
        # An end inside the fold also takes its first occurrence; the start is not ambiguous.
        (
            "America/New_York",
            date(2026, 11, 1),
            time(0, 30),
            60,
            Interval(utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 5, 30)),
        ),
    ],
)
def test_resolve(zone: str, day: date, start: time, minutes: int, expected: Interval) -> None:
    assert resolve(spec(day, start, minutes), zone) == expected


@pytest.mark.parametrize(
    ("zone", "day", "start", "minutes", "code", "params"),
    [
        ("UTC", date(2026, 3, 2), time(23, 30), 60, "slot.crosses_midnight", {}),
        ("UTC", date(2026, 3, 2), time(23, 55), 15, "slot.crosses_midnight", {}),
        # A start in the gap, including its very first minute.
        (
            "Europe/Paris",
            date(2026, 3, 29),
            time(2, 0),
            60,
            "time.nonexistent",
            {"local": "2026-03-29 02:00", "zone": "Europe/Paris"},
        ),
        (
            "America/New_York",
            date(2026, 3, 8),
            time(2, 30),
            30,
            "time.nonexistent",
            {"local": "2026-03-08 02:30", "zone": "America/New_York"},
        ),
        (
            "America/Santiago",
            date(2026, 9, 6),
            time(0, 0),
            60,
            "time.nonexistent",
            {"local": "2026-09-06 00:00", "zone": "America/Santiago"},
        ),
        # An end strictly inside the gap: 01:30 + 60 min is 02:30 on the wall clock, which never shows.
        (
            "Europe/Paris",
            date(2026, 3, 29),
            time(1, 30),
            60,
            "time.nonexistent",
            {"local": "2026-03-29 02:30", "zone": "Europe/Paris"},
        ),
        (
            "Australia/Lord_Howe",
            date(2026, 10, 4),
            time(1, 45),
            30,
            "time.nonexistent",
            {"local": "2026-10-04 02:15", "zone": "Australia/Lord_Howe"},
        ),
        ("Mars/Olympus", date(2026, 3, 2), time(10, 0), 60, "timezone.unknown", {"text": "Mars/Olympus"}),
    ],
)
def test_resolve_rejects(zone: str, day: date, start: time, minutes: int, code: str, params: dict[str, object]) -> None:
    assert error_of(lambda: resolve(spec(day, start, minutes), zone)) == (code, params)


# --- pattern expansion across DST --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "window", "minutes", "buffer", "planned", "skipped"),
    [
        pytest.param(
            "Europe/Paris",
            date(2026, 3, 29),
            (time(1, 0), time(4, 0)),
            60,
            0,
            [
                # Ends where the gap starts: kept, and it ends at the jump, where the 03:00 slot begins.
                (time(1, 0), utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), False),
                (time(3, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), False),
            ],
            [(time(2, 0), "time.nonexistent", {"local": "2026-03-29 02:00", "zone": "Europe/Paris"})],
            id="paris-gap",
        ),
        pytest.param(
            "Europe/Paris",
            date(2026, 3, 29),
            (time(1, 0), time(4, 0)),
            60,
            15,
            [(time(1, 0), utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), False)],
            [(time(2, 15), "time.nonexistent", {"local": "2026-03-29 02:15", "zone": "Europe/Paris"})],
            id="paris-gap-buffer",
        ),
        pytest.param(
            "Europe/Paris",
            date(2026, 10, 25),
            (time(1, 0), time(4, 0)),
            60,
            0,
            [
                (time(1, 0), utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), False),
                # 02:00 happens twice: the first one (summer time); it runs to 03:00 winter time.
                (time(2, 0), utc(2026, 10, 25, 0), utc(2026, 10, 25, 2), True),
                (time(3, 0), utc(2026, 10, 25, 2), utc(2026, 10, 25, 3), False),
            ],
            [],
            id="paris-fold",
        ),
        pytest.param(
            "America/New_York",
            date(2026, 3, 8),
            (time(1, 0), time(4, 0)),
            60,
            0,
            [
                (time(1, 0), utc(2026, 3, 8, 6), utc(2026, 3, 8, 7), False),
                (time(3, 0), utc(2026, 3, 8, 7), utc(2026, 3, 8, 8), False),
            ],
            [(time(2, 0), "time.nonexistent", {"local": "2026-03-08 02:00", "zone": "America/New_York"})],
            id="new-york-gap",
        ),
        pytest.param(
            "America/New_York",
            date(2026, 11, 1),
            (time(0, 0), time(3, 0)),
            60,
            0,
            [
                (time(0, 0), utc(2026, 11, 1, 4), utc(2026, 11, 1, 5), False),
                (time(1, 0), utc(2026, 11, 1, 5), utc(2026, 11, 1, 7), True),
                (time(2, 0), utc(2026, 11, 1, 7), utc(2026, 11, 1, 8), False),
            ],
            [],
            id="new-york-fold",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            date(2026, 10, 4),
            (time(1, 0), time(3, 30)),
            30,
            0,
            [
                (time(1, 0), utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 15), False),
                (time(1, 30), utc(2026, 10, 3, 15), utc(2026, 10, 3, 15, 30), False),
                (time(2, 30), utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16), False),
                (time(3, 0), utc(2026, 10, 3, 16), utc(2026, 10, 3, 16, 30), False),
            ],
            [(time(2, 0), "time.nonexistent", {"local": "2026-10-04 02:00", "zone": "Australia/Lord_Howe"})],
            id="lord-howe-half-hour-gap",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            date(2026, 4, 5),
            (time(1, 0), time(3, 0)),
            30,
            0,
            [
                (time(1, 0), utc(2026, 4, 4, 14), utc(2026, 4, 4, 14, 30), False),
                (time(1, 30), utc(2026, 4, 4, 14, 30), utc(2026, 4, 4, 15, 30), True),
                (time(2, 0), utc(2026, 4, 4, 15, 30), utc(2026, 4, 4, 16), False),
                (time(2, 30), utc(2026, 4, 4, 16), utc(2026, 4, 4, 16, 30), False),
            ],
            [],
            id="lord-howe-half-hour-fold",
        ),
    ],
)
def test_expand_pattern_across_dst(
    zone: str,
    day: date,
    window: tuple[time, time],
    minutes: int,
    buffer: int,
    planned: list[tuple[time, datetime, datetime, bool]],
    skipped: list[tuple[time, str, dict[str, object]]],
) -> None:
    made, left_out = expand_pattern(
        pattern(zone, *window, minutes),
        [day],
        buffer,
        existing=[],
        days_off=set(),
        now=datetime.combine(day - timedelta(days=7), time(), tzinfo=UTC),
        rules=RULES,
    )
    assert [(s.start, i.start, i.end, i.ambiguous) for s, i in made] == planned
    assert all(s.day == day and s.minutes == minutes for s, _ in made)
    assert left_out == [Skipped(day, start, code, params) for start, code, params in skipped]


@pytest.mark.parametrize(
    ("zone", "first", "local_start", "utc_starts"),
    [
        # Same 18:00 on the tutor's clock; UTC moves an hour when the clocks change in between.
        ("Europe/London", date(2026, 3, 23), time(18, 0), [utc(2026, 3, 23, 18), utc(2026, 3, 30, 17)]),
        ("Europe/London", date(2026, 10, 19), time(18, 0), [utc(2026, 10, 19, 17), utc(2026, 10, 26, 18)]),
        ("America/New_York", date(2026, 3, 2), time(18, 0), [utc(2026, 3, 2, 23), utc(2026, 3, 9, 22)]),
        # Lord Howe moves only 30 minutes.
        ("Australia/Lord_Howe", date(2026, 9, 28), time(9, 0), [utc(2026, 9, 27, 22, 30), utc(2026, 10, 4, 22)]),
    ],
)
def test_weekly_pattern_keeps_the_local_start_across_dst(
    zone: str, first: date, local_start: time, utc_starts: list[datetime]
) -> None:
    monday = pattern(zone, local_start, time(local_start.hour + 1, 0), 60, weekdays=frozenset({0}))
    made, skipped = expand_pattern(
        monday,
        [first + timedelta(days=offset) for offset in range(8)],
        15,
        existing=[],
        days_off=set(),
        now=datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC),
        rules=RULES,
    )
    assert [(s.day, s.start) for s, _ in made] == [(first, local_start), (first + timedelta(days=7), local_start)]
    assert [i.start for _, i in made] == utc_starts
    assert [i.end - i.start for _, i in made] == [timedelta(hours=1)] * 2
    assert skipped == []


# --- expand_pattern: the other reasons to skip -------------------------------------------------------------


def test_expand_pattern_skips_and_explains() -> None:
    # Mon and Wed, 16:00-19:00 Paris (UTC+1 in early March), 60 minutes with a 15-minute buffer.
    weekly = pattern("Europe/Paris", time(16, 0), time(19, 0), 60, weekdays=frozenset({0, 2}))
    now = utc(2026, 3, 2, 15, 30)  # 16:30 in Paris, on a Monday
    existing = [slot(41, utc(2026, 3, 9, 16, 10), utc(2026, 3, 9, 16, 40))]
    made, skipped = expand_pattern(
        weekly,
        # Out of order and repeated: each day is handled once, in date order.
        [date(2026, 3, 30), date(2026, 3, 9), date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 10), date(2026, 3, 2)],
        15,
        existing=existing,
        days_off={date(2026, 3, 4)},
        now=now,
        rules=RULES,
    )
    assert [(s.day, s.start, i.start, i.end) for s, i in made] == [
        (date(2026, 3, 2), time(17, 15), utc(2026, 3, 2, 16, 15), utc(2026, 3, 2, 17, 15))
    ]
    overlap = {"conflict_start": utc(2026, 3, 9, 16, 10), "conflict_end": utc(2026, 3, 9, 16, 40), "conflict_id": 41}
    assert skipped == [
        Skipped(date(2026, 3, 2), time(16, 0), "slot.in_past", {}),
        Skipped(date(2026, 3, 4), time(16, 0), "slot.day_off", {"day": date(2026, 3, 4)}),
        Skipped(date(2026, 3, 4), time(17, 15), "slot.day_off", {"day": date(2026, 3, 4)}),
        # 16:00-17:00 Paris ends 10 minutes before the existing slot: inside the buffer.
        Skipped(date(2026, 3, 9), time(16, 0), "slot.overlap", overlap),
        Skipped(date(2026, 3, 9), time(17, 15), "slot.overlap", overlap),
        # The window of 28 days starting 2026-03-02 ends on 2026-03-29.
        Skipped(date(2026, 3, 30), time(16, 0), "slot.beyond_window", {"last_day": date(2026, 3, 29), "days": 28}),
        Skipped(date(2026, 3, 30), time(17, 15), "slot.beyond_window", {"last_day": date(2026, 3, 29), "days": 28}),
    ]


def test_expand_pattern_checks_slots_planned_in_the_same_run() -> None:
    # The whole day in 40-minute sessions with a 10-minute buffer: the last one ends at midnight, so the
    # next day's 00:00 session starts inside the buffer of the previous day's last.
    all_day = pattern("UTC", time(0, 0), time(0, 0), 40)
    first, second = date(2026, 3, 3), date(2026, 3, 4)
    # An existing slot later than the planned conflict: the earlier of the two is reported.
    existing = [slot(5, utc(2026, 3, 4, 0, 30), utc(2026, 3, 4, 0, 35))]
    made, skipped = expand_pattern(
        all_day, [first, second], 10, existing=existing, days_off=set(), now=NOW, rules=RULES
    )
    assert [i.end for s, i in made if s.day == first][-1] == utc(2026, 3, 4)
    assert skipped == [
        Skipped(
            second,
            time(0, 0),
            "slot.overlap",
            {"conflict_start": utc(2026, 3, 3, 23, 20), "conflict_end": utc(2026, 3, 4), "conflict_id": None},
        )
    ]
    assert len(made) == 29 + 28


def test_expand_pattern_skipped_slots_do_not_block_later_ones() -> None:
    all_day = pattern("UTC", time(0, 0), time(0, 0), 40)
    first, second = date(2026, 3, 3), date(2026, 3, 4)
    existing = [slot(5, utc(2026, 3, 3, 23, 0), utc(2026, 3, 3, 23, 15))]
    made, skipped = expand_pattern(
        all_day, [first, second], 10, existing=existing, days_off=set(), now=NOW, rules=RULES
    )
    overlap = {"conflict_start": utc(2026, 3, 3, 23), "conflict_end": utc(2026, 3, 3, 23, 15), "conflict_id": 5}
    assert skipped == [
        Skipped(first, time(22, 30), "slot.overlap", overlap),
        Skipped(first, time(23, 20), "slot.overlap", overlap),
    ]
    # Day one's last session was skipped, so day two's first is free to start at midnight.
    assert (made[26][0].day, made[26][0].start, made[27][0].day, made[27][0].start) == (
        first,
        time(21, 40),
        second,
        time(0, 0),
    )


def test_expand_pattern_applies_the_current_rules() -> None:
    # The pattern was saved when groups of 25 were allowed.
    big_group = pattern("UTC", time(10, 0), time(11, 0), 60, session_type=GROUP, capacity=25)
    made, skipped = expand_pattern(big_group, [date(2026, 3, 3)], 0, existing=[], days_off=set(), now=NOW, rules=RULES)
    assert made == []
    assert skipped == [Skipped(date(2026, 3, 3), time(10, 0), "slot.seats_group", {"min": 2, "max": 20})]


def test_expand_pattern_fails_loudly_on_an_unknown_zone() -> None:
    broken = pattern("Mars/Olympus", time(10, 0), time(11, 0), 60)
    assert error_of(
        lambda: expand_pattern(broken, [date(2026, 3, 3)], 0, existing=[], days_off=set(), now=NOW, rules=RULES)
    ) == ("timezone.unknown", {"text": "Mars/Olympus"})


def test_skipped_params_are_read_only() -> None:
    _, skipped = expand_pattern(
        pattern("UTC", time(10, 0), time(11, 0), 60),
        [date(2026, 4, 30)],
        0,
        existing=[],
        days_off=set(),
        now=NOW,
        rules=RULES,
    )
    with pytest.raises(TypeError):
        skipped[0].params["last_day"] = None  # type: ignore[index]


# --- pattern_specs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "minutes", "buffer", "starts"),
    [
        ((time(16, 0), time(19, 0)), 60, 15, [time(16, 0), time(17, 15)]),
        ((time(16, 0), time(19, 0)), 60, 0, [time(16, 0), time(17, 0), time(18, 0)]),
        ((time(16, 0), time(19, 0)), 45, 15, [time(16, 0), time(17, 0), time(18, 0)]),
        ((time(16, 0), time(16, 45)), 45, 15, [time(16, 0)]),
        # A window shorter than one session holds none.
        ((time(16, 0), time(16, 40)), 45, 0, []),
        ((time(16, 0), time(16, 0)), 45, 0, []),
        ((time(19, 0), time(16, 0)), 45, 0, []),
        # A window ending at 00:00 runs to the end of the day.
        ((time(22, 0), time(0, 0)), 60, 0, [time(22, 0), time(23, 0)]),
        ((time(9, 5), time(10, 35)), 30, 5, [time(9, 5), time(9, 40)]),
    ],
)
def test_pattern_specs(window: tuple[time, time], minutes: int, buffer: int, starts: list[time]) -> None:
    monday = date(2026, 3, 2)
    weekly = pattern("Europe/Paris", *window, minutes, weekdays=frozenset({0}), session_type=GROUP, capacity=6)
    assert pattern_specs(weekly, monday, buffer) == [spec(monday, start, minutes, GROUP, 6) for start in starts]


def test_pattern_specs_only_on_the_pattern_weekdays() -> None:
    weekly = pattern("UTC", time(16, 0), time(19, 0), 60, weekdays=frozenset({0, 2}))
    assert [len(pattern_specs(weekly, date(2026, 3, 2) + timedelta(days=n), 0)) for n in range(7)] == [
        3,
        0,
        3,
        0,
        0,
        0,
        0,
    ]


@pytest.mark.parametrize(("minutes", "buffer"), [(0, 0), (-30, 0), (60, -5)])
def test_pattern_specs_refuses_a_pattern_that_never_advances(minutes: int, buffer: int) -> None:
    with pytest.raises(ValueError):
        pattern_specs(pattern("UTC", time(16, 0), time(19, 0), minutes), date(2026, 3, 2), buffer)


# --- find_conflict and conflict_error ----------------------------------------------------------------------

CANDIDATE = Interval(utc(2026, 3, 10, 10), utc(2026, 3, 10, 11))


def at(hour: int, minute: int = 0) -> datetime:
    return utc(2026, 3, 10, hour, minute)


@pytest.mark.parametrize(
    ("others", "buffer", "ignore_id", "expected"),
    [
        # Back to back on either side.
        ([slot(1, at(9), at(10)), slot(2, at(11), at(12))], 0, None, None),
        # With a 15-minute buffer: 14 minutes apart is too close, 15 is fine, on either side.
        ([slot(1, at(11, 14), at(12))], 15, None, 1),
        ([slot(1, at(11, 15), at(12))], 15, None, None),
        ([slot(1, at(9), at(9, 46))], 15, None, 1),
        ([slot(1, at(9), at(9, 45))], 15, None, None),
        ([slot(1, at(9), at(10))], 15, None, 1),
        # Overlaps: partial, containing, contained, identical.
        ([slot(1, at(10, 30), at(11, 30))], 0, None, 1),
        ([slot(1, at(9, 30), at(10, 30))], 0, None, 1),
        ([slot(1, at(9), at(12))], 0, None, 1),
        ([slot(1, at(10, 15), at(10, 45))], 0, None, 1),
        ([slot(1, at(10), at(11))], 0, None, 1),
        # The slot being edited does not collide with itself, but others still count.
        ([slot(1, at(10), at(11))], 15, 1, None),
        ([slot(1, at(10), at(11)), slot(2, at(11, 5), at(12))], 15, 1, 2),
        ([slot(1, at(10), at(11))], 15, 2, 1),
        # The earliest conflict by start, whatever the input order; the lower id on a tie.
        (
            [slot(3, at(10, 30), at(10, 45)), slot(2, at(10, 15), at(10, 30)), slot(1, at(9, 30), at(10, 15))],
            0,
            None,
            1,
        ),
        ([slot(9, at(10, 30), at(10, 45)), slot(4, at(10, 30), at(11, 30))], 0, None, 4),
        ([slot(1, at(7), at(8)), slot(2, at(13), at(14)), slot(3, at(10, 50), at(11))], 0, None, 3),
        ([], 15, None, None),
    ],
)
def test_find_conflict(others: list[Slot], buffer: int, ignore_id: int | None, expected: int | None) -> None:
    found = find_conflict(CANDIDATE, iter(others), buffer, ignore_id=ignore_id)
    assert (found.id if found else None) == expected


def test_conflict_error() -> None:
    error = conflict_error(slot(12, at(10), at(11)))
    assert (error.code, error.params) == (
        "slot.overlap",
        {"conflict_start": at(10), "conflict_end": at(11), "conflict_id": 12},
    )


# --- window_days, week_start and check_timing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "zone", "days", "expected"),
    [
        (NOW, "UTC", 28, (date(2026, 3, 2), date(2026, 3, 29))),
        (NOW, "Asia/Kolkata", 28, (date(2026, 3, 2), date(2026, 3, 29))),
        (NOW, "America/Los_Angeles", 28, (date(2026, 3, 2), date(2026, 3, 29))),
        # 20:00 UTC is already 01:30 tomorrow in Kolkata.
        (utc(2026, 3, 2, 20), "Asia/Kolkata", 28, (date(2026, 3, 3), date(2026, 3, 30))),
        (utc(2026, 3, 2, 18, 29), "Asia/Kolkata", 28, (date(2026, 3, 2), date(2026, 3, 29))),
        (utc(2026, 3, 2, 18, 30), "Asia/Kolkata", 28, (date(2026, 3, 3), date(2026, 3, 30))),
        # 05:00 UTC is still 21:00 yesterday in Los Angeles.
        (utc(2026, 3, 2, 5), "America/Los_Angeles", 28, (date(2026, 3, 1), date(2026, 3, 28))),
        (utc(2026, 3, 2, 8), "America/Los_Angeles", 28, (date(2026, 3, 2), date(2026, 3, 29))),
        (NOW, "UTC", 1, (date(2026, 3, 2), date(2026, 3, 2))),
    ],
)
def test_window_days(now: datetime, zone: str, days: int, expected: tuple[date, date]) -> None:
    assert window_days(now, zone, days) == expected


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),
        (date(2026, 3, 4), date(2026, 3, 2)),
        (date(2026, 3, 8), date(2026, 3, 2)),
        (date(2026, 3, 9), date(2026, 3, 9)),
        (date(2026, 1, 1), date(2025, 12, 29)),
    ],
)
def test_week_start(day: date, monday: date) -> None:
    assert week_start(day) == monday


def timing(now: datetime, zone: str, day: date, start: time) -> None:
    booked = spec(day, start, 15)
    check_timing(resolve(booked, zone), booked, now=now, zone=zone, window=RULES.booking_window_days)


@pytest.mark.parametrize(
    ("now", "zone", "day", "start"),
    [
        # NOW is 14:30 in Kolkata and 01:00 in Los Angeles: one minute after is fine.
        (NOW, "Asia/Kolkata", date(2026, 3, 2), time(14, 31)),
        (NOW, "America/Los_Angeles", date(2026, 3, 2), time(1, 1)),
        # The last day of the window, up to its last minute.
        (NOW, "Asia/Kolkata", date(2026, 3, 29), time(23, 45)),
        (NOW, "America/Los_Angeles", date(2026, 3, 29), time(0, 0)),
        # Kolkata's today is already 2026-03-03, so its window reaches 2026-03-30.
        (utc(2026, 3, 2, 20), "Asia/Kolkata", date(2026, 3, 30), time(10, 0)),
        (utc(2026, 3, 2, 20), "Asia/Kolkata", date(2026, 3, 3), time(1, 35)),
        # Los Angeles is still on 2026-03-01: a slot that evening is in the future.
        (utc(2026, 3, 2, 5), "America/Los_Angeles", date(2026, 3, 1), time(21, 5)),
    ],
)
def test_check_timing_accepts(now: datetime, zone: str, day: date, start: time) -> None:
    timing(now, zone, day, start)


@pytest.mark.parametrize(
    ("now", "zone", "day", "start", "code", "params"),
    [
        # Starting exactly now is past: nobody could book it any more.
        (NOW, "Asia/Kolkata", date(2026, 3, 2), time(14, 30), "slot.in_past", {}),
        (NOW, "America/Los_Angeles", date(2026, 3, 2), time(1, 0), "slot.in_past", {}),
        (NOW, "Asia/Kolkata", date(2026, 3, 1), time(23, 0), "slot.in_past", {}),
        (
            NOW,
            "Asia/Kolkata",
            date(2026, 3, 30),
            time(0, 0),
            "slot.beyond_window",
            {"last_day": date(2026, 3, 29), "days": 28},
        ),
        (
            NOW,
            "America/Los_Angeles",
            date(2026, 3, 30),
            time(0, 0),
            "slot.beyond_window",
            {"last_day": date(2026, 3, 29), "days": 28},
        ),
        # 2026-03-30 in UTC terms would be beyond; it is not in Kolkata, but 03-31 is.
        (
            utc(2026, 3, 2, 20),
            "Asia/Kolkata",
            date(2026, 3, 31),
            time(0, 0),
            "slot.beyond_window",
            {"last_day": date(2026, 3, 30), "days": 28},
        ),
        (utc(2026, 3, 2, 20), "Asia/Kolkata", date(2026, 3, 3), time(1, 30), "slot.in_past", {}),
        # Los Angeles's window ends a day earlier than UTC's.
        (
            utc(2026, 3, 2, 5),
            "America/Los_Angeles",
            date(2026, 3, 29),
            time(10, 0),
            "slot.beyond_window",
            {"last_day": date(2026, 3, 28), "days": 28},
        ),
        (utc(2026, 3, 2, 5), "America/Los_Angeles", date(2026, 3, 1), time(21, 0), "slot.in_past", {}),
    ],
)
def test_check_timing_rejects(
    now: datetime, zone: str, day: date, start: time, code: str, params: dict[str, object]
) -> None:
    assert error_of(lambda: timing(now, zone, day, start)) == (code, params)


# --- check_spec --------------------------------------------------------------------------------------------

MONDAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    "checked",
    [
        spec(MONDAY, time(9, 0), 15),
        spec(MONDAY, time(9, 55), 240),
        spec(MONDAY, time(0, 0), 95),
        spec(MONDAY, time(23, 45), 15, GROUP, 2),
        spec(MONDAY, time(10, 5), 60, GROUP, 20),
    ],
)
def test_check_spec_accepts(checked: SlotSpec) -> None:
    check_spec(checked, RULES)


DURATION = ("slot.duration", {"min": 15, "max": 240})
STEP = ("slot.step", {"step": 5})
GROUP_SEATS = ("slot.seats_group", {"min": 2, "max": 20})


@pytest.mark.parametrize(
    ("checked", "expected"),
    [
        (spec(MONDAY, time(9, 0), 10), DURATION),
        (spec(MONDAY, time(9, 0), 0), DURATION),
        (spec(MONDAY, time(9, 0), -60), DURATION),
        (spec(MONDAY, time(9, 0), 245), DURATION),
        # The range is checked before the step.
        (spec(MONDAY, time(9, 0), 7), DURATION),
        (spec(MONDAY, time(9, 0), 62), STEP),
        (spec(MONDAY, time(9, 3), 60), STEP),
        (spec(MONDAY, time(9, 0, 30), 60), STEP),
        (spec(MONDAY, time(9, 0, 0, 1), 60), STEP),
        (spec(MONDAY, time(9, 0), 60, ONE, 2), ("slot.seats_one_to_one", {})),
        (spec(MONDAY, time(9, 0), 60, ONE, 0), ("slot.seats_one_to_one", {})),
        (spec(MONDAY, time(9, 0), 60, GROUP, 1), GROUP_SEATS),
        (spec(MONDAY, time(9, 0), 60, GROUP, 0), GROUP_SEATS),
        (spec(MONDAY, time(9, 0), 60, GROUP, 21), GROUP_SEATS),
    ],
)
def test_check_spec_rejects(checked: SlotSpec, expected: tuple[str, dict[str, object]]) -> None:
    assert error_of(lambda: check_spec(checked, RULES)) == expected


def test_check_spec_uses_the_configured_group_size() -> None:
    small = BusinessRules(max_group_size=8)
    check_spec(spec(MONDAY, time(9, 0), 60, GROUP, 8), small)
    assert error_of(lambda: check_spec(spec(MONDAY, time(9, 0), 60, GROUP, 9), small)) == (
        "slot.seats_group",
        {"min": 2, "max": 8},
    )


# --- parsers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", time(9, 0)),
        ("09", time(9, 0)),
        ("0", time(0, 0)),
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("9h30", time(9, 30)),
        ("9H30", time(9, 30)),
        ("9h", time(9, 0)),
        ("9.30", time(9, 30)),
        ("21:05", time(21, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("  7:45  ", time(7, 45)),
        ("9:30 am", time(9, 30)),
        ("9:30am", time(9, 30)),
        ("9:30 PM", time(21, 30)),
        ("9pm", time(21, 0)),
        ("9 PM", time(21, 0)),
        ("9 a.m.", time(9, 0)),
        ("11:55 p.m.", time(23, 55)),
        ("12am", time(0, 0)),
        ("12:30 am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:15 PM", time(12, 15)),
        ("1am", time(1, 0)),
        # Full-width digits and colon from East Asian keyboards.
        ("\uff19\uff1a\uff13\uff10", time(9, 30)),
    ],
)
def test_parse_time_of_day_accepts(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("", ""),
        ("   ", ""),
        ("24:00", "24:00"),
        ("24", "24"),
        ("25", "25"),
        ("9:60", "9:60"),
        ("9:5", "9:5"),
        ("9.5", "9.5"),
        ("9:", "9:"),
        ("930", "930"),
        ("9 30", "9 30"),
        ("9h5", "9h5"),
        ("9:30:00", "9:30:00"),
        ("13pm", "13pm"),
        ("0am", "0am"),
        ("00:30 am", "00:30 am"),
        ("9am pm", "9am pm"),
        ("-9", "-9"),
        (" nine ", "nine"),
        ("9:30 xm", "9:30 xm"),
        ("\u0669:30", "\u0669:30"),
    ],
)
def test_parse_time_of_day_rejects(text: str, stripped: str) -> None:
    assert error_of(lambda: parse_time_of_day(text)) == ("time.invalid", {"text": stripped})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60", 60),
        ("45", 45),
        (" 90 ", 90),
        ("60 min", 60),
        ("60min", 60),
        ("60m", 60),
        ("60 M", 60),
        ("90 minutes", 90),
        ("1 minute", 1),
        ("1h", 60),
        ("1 h", 60),
        ("1H", 60),
        ("2 hours", 120),
        ("1 hr", 60),
        ("1h30", 90),
        ("1h 30", 90),
        ("1h30m", 90),
        ("1h 30 min", 90),
        ("1 hour 30 minutes", 90),
        ("1h5m", 65),
        ("1:30", 90),
        ("0:45", 45),
        ("2:00", 120),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("0.25 hours", 15),
        ("1.75h", 105),
        # Out of range, but that is check_spec's call.
        ("5", 5),
        ("0", 0),
        ("600", 600),
        ("\uff16\uff10", 60),
    ],
)
def test_parse_minutes_accepts(text: str, expected: int) -> None:
    assert parse_minutes(text) == expected


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("", ""),
        ("  ", ""),
        (" abc ", "abc"),
        ("1.5", "1.5"),
        ("1:75", "1:75"),
        ("1:3", "1:3"),
        ("1h75", "1h75"),
        ("1h30h", "1h30h"),
        ("0.33h", "0.33h"),
        ("-60", "-60"),
        ("60 seconds", "60 seconds"),
        ("h", "h"),
        ("min", "min"),
        ("1 1", "1 1"),
        ("1h-30", "1h-30"),
        ("123456", "123456"),
    ],
)
def test_parse_minutes_rejects(text: str, stripped: str) -> None:
    assert error_of(lambda: parse_minutes(text)) == ("duration.invalid", {"text": stripped})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5", 5), (" 12 ", 12), ("1", 1), ("020", 20), ("100", 100), ("\uff19", 9)],
)
def test_parse_seats_accepts(text: str, expected: int) -> None:
    assert parse_seats(text) == expected


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("0", "0"),
        ("00", "00"),
        ("-1", "-1"),
        ("+3", "+3"),
        ("2.5", "2.5"),
        (" five ", "five"),
        ("", ""),
        ("1e3", "1e3"),
        ("3 seats", "3 seats"),
        ("12345", "12345"),
    ],
)
def test_parse_seats_rejects(text: str, stripped: str) -> None:
    assert error_of(lambda: parse_seats(text)) == ("slot.seats_invalid", {"text": stripped})


@pytest.mark.parametrize(("start", "end", "minutes"), [(time(16), time(19), 180), (time(9, 30), time(10, 15), 45)])
def test_minutes_between_times_of_day(start: time, end: time, minutes: int) -> None:
    from core.availability import minutes_between

    assert minutes_between(start, end) == minutes


@pytest.mark.parametrize(("start", "end"), [(time(16), time(15)), (time(16), time(16))])
def test_an_end_not_after_the_start_is_refused(start: time, end: time) -> None:
    from core.availability import minutes_between

    with pytest.raises(ValidationError) as refused:
        minutes_between(start, end)
    assert refused.value.code == "slot.end_before_start"
