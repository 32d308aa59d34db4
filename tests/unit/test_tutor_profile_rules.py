import pytest

from core.errors import ValidationError
from core.tutor_profile_rules import (
    BUFFER_CHOICES_MINUTES,
    BUFFER_MAX_MINUTES,
    BUFFER_MIN_MINUTES,
    DEFAULT_BUFFER_MINUTES,
    DEFAULT_NOTICE_HOURS,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    NOTICE_CHOICES_HOURS,
    NOTICE_MAX_HOURS,
    NOTICE_MIN_HOURS,
    RATE_MAX_MAJOR,
    SUBJECT_MAX_LENGTH,
    SUBJECT_MIN_LENGTH,
    SUBJECTS_MAX_COUNT,
    check_hourly_rate,
    clean_display_name,
    parse_buffer_minutes,
    parse_notice_hours,
    parse_subjects,
    rate_max_minor,
)


def test_limits() -> None:
    assert (NAME_MIN_LENGTH, NAME_MAX_LENGTH) == (2, 64)
    assert (SUBJECT_MIN_LENGTH, SUBJECT_MAX_LENGTH, SUBJECTS_MAX_COUNT) == (2, 40, 10)
    assert RATE_MAX_MAJOR == 10_000
    assert BUFFER_CHOICES_MINUTES == (0, 5, 10, 15, 20, 30, 45, 60)
    assert DEFAULT_BUFFER_MINUTES == 15
    assert (BUFFER_MIN_MINUTES, BUFFER_MAX_MINUTES) == (0, 120)
    assert NOTICE_CHOICES_HOURS == (0, 1, 2, 6, 12, 24, 48)
    assert DEFAULT_NOTICE_HOURS == 0
    assert (NOTICE_MIN_HOURS, NOTICE_MAX_HOURS) == (0, 168)


def test_choices_and_defaults_pass_their_own_rules() -> None:
    for minutes in (*BUFFER_CHOICES_MINUTES, DEFAULT_BUFFER_MINUTES):
        assert parse_buffer_minutes(str(minutes)) == minutes
    for hours in (*NOTICE_CHOICES_HOURS, DEFAULT_NOTICE_HOURS):
        assert parse_notice_hours(str(hours)) == hours


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ann", "Ann"),
        ("  Ann   Smith  ", "Ann Smith"),
        ("Ann\tSmith\n", "Ann Smith"),
        ("Jo", "Jo"),
        ("Dr. María-José O'Neil", "Dr. María-José O'Neil"),
        # A decomposed accent counts as one character once composed.
        ("Zoe\u0301", "Zoé"),
        ("李雷", "李雷"),
        ("Ann 👩‍🏫", "Ann 👩‍🏫"),
        ("A" * 64, "A" * 64),
        # Joiners that scripts need between two letters: a Persian name with a zero-width non-joiner.
        ("می‌خواهم", "می‌خواهم"),
    ],
)
def test_clean_display_name_accepts(text: str, name: str) -> None:
    assert clean_display_name(text) == name


@pytest.mark.parametrize("text", ["", "   ", "A", " A ", "A" * 65, "A " * 33])
def test_clean_display_name_rejects_length(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_display_name(text)
    assert (info.value.code, info.value.params) == ("profile.name_length", {"min": 2, "max": 64})


@pytest.mark.parametrize(
    "text",
    [
        "Ann\x00Smith",
        "Ann\x1b[31m",
        "Ann\x7f",
        "\u202eAnn Smith",
        "Ann\u2066x",
        "Ann\ue000",
        # Invisible characters make a name look like another one.
        "Tom\u200bTutor",
        "Tom\u2060Tutor",
        "Tom\ufeff",
        "Tom\u00adTutor",
        "\u200dTom",
        "Tom \u200c",
        "Tom\u3164",
        "\u2800\u2800",
        "!!",
        "42",
        "🎓🎓",
    ],
)
def test_clean_display_name_rejects_invalid(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_display_name(text)
    assert (info.value.code, info.value.params) == ("profile.name_invalid", {})


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        ("Maths", ["Maths"]),
        ("Maths, Physics", ["Maths", "Physics"]),
        ("Maths; Physics\nChemistry", ["Maths", "Physics", "Chemistry"]),
        ("Maths\r\nPhysics", ["Maths", "Physics"]),
        ("  Linear    algebra  ,  ,; \n", ["Linear algebra"]),
        ("Maths, maths, MATHS, Physics, Maths", ["Maths", "Physics"]),
        ("physics, Physics", ["physics"]),
        ("Straße, STRASSE", ["Straße"]),
        ("数学，物理、化学", ["数学", "物理", "化学"]),
        ("C++, C#", ["C++", "C#"]),
        ("A1, B2", ["A1", "B2"]),
        (", ".join(f"Subject {i}" for i in range(10)), [f"Subject {i}" for i in range(10)]),
        # Duplicates do not count towards the limit.
        (", ".join(["Maths"] * 12 + ["Physics"]), ["Maths", "Physics"]),
        ("x" * 40, ["x" * 40]),
    ],
)
def test_parse_subjects_accepts(text: str, subjects: list[str]) -> None:
    assert parse_subjects(text) == subjects


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("M", "M"),
        ("Maths, P", "P"),
        ("C++, C#, R", "R"),
        ("x" * 41, "x" * 41),
        (
            "Maths;  " + "Very long subject name that goes on and on",
            "Very long subject name that goes on and on",
        ),
    ],
)
def test_parse_subjects_rejects_length(text: str, subject: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_subjects(text)
    assert (info.value.code, info.value.params) == (
        "profile.subject_length",
        {"subject": subject, "min": 2, "max": 40},
    )


@pytest.mark.parametrize("text", ["", "   ", ",,;", "\n\n", " , ; \n "])
def test_parse_subjects_rejects_empty(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_subjects(text)
    assert (info.value.code, info.value.params) == ("profile.subjects_empty", {})


def test_parse_subjects_rejects_too_many() -> None:
    with pytest.raises(ValidationError) as info:
        parse_subjects(", ".join(f"Subject {i}" for i in range(11)))
    assert (info.value.code, info.value.params) == ("profile.subjects_too_many", {"max": 10})


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Maths, Phys\x00ics", "Phys\x00ics"),
        ("\u202eMaths", "\u202eMaths"),
        ("Maths, Phy\u200bsics", "Phy\u200bsics"),
    ],
)
def test_parse_subjects_rejects_control_characters(text: str, subject: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_subjects(text)
    assert (info.value.code, info.value.params) == ("profile.subject_invalid", {"subject": subject})


@pytest.mark.parametrize(
    ("currency", "max_minor"), [("EUR", 1_000_000), ("usd", 1_000_000), ("JPY", 10_000), ("ISK", 10_000)]
)
def test_rate_max_minor(currency: str, max_minor: int) -> None:
    assert rate_max_minor(currency) == max_minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(0, "EUR"), (1, "EUR"), (6000, "EUR"), (1_000_000, "EUR"), (0, "JPY"), (5000, "JPY"), (10_000, "JPY")],
)
def test_check_hourly_rate_accepts(amount: int, currency: str) -> None:
    assert check_hourly_rate(amount, currency) == amount


@pytest.mark.parametrize(
    ("amount", "currency", "code", "max_minor"),
    [
        (-1, "EUR", "EUR", 1_000_000),
        (1_000_001, "EUR", "EUR", 1_000_000),
        (1_000_001, "usd", "USD", 1_000_000),
        (10_001, "JPY", "JPY", 10_000),
        (-5000, "JPY", "JPY", 10_000),
    ],
)
def test_check_hourly_rate_rejects(amount: int, currency: str, code: str, max_minor: int) -> None:
    with pytest.raises(ValidationError) as info:
        check_hourly_rate(amount, currency)
    assert (info.value.code, info.value.params) == (
        "profile.rate_range",
        {"max_minor": max_minor, "currency": code},
    )


def test_check_hourly_rate_rejects_unknown_currencies() -> None:
    with pytest.raises(ValidationError) as info:
        check_hourly_rate(1000, "KWD")
    assert (info.value.code, info.value.params) == ("currency.unsupported", {"currency": "KWD"})


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("15", 15),
        (" 15 ", 15),
        ("15 min", 15),
        ("15min", 15),
        ("15m", 15),
        ("15 M", 15),
        ("15 mins", 15),
        ("15 minutes", 15),
        ("0", 0),
        ("120", 120),
        ("007", 7),
        ("１５", 15),
    ],
)
def test_parse_buffer_minutes_accepts(text: str, minutes: int) -> None:
    assert parse_buffer_minutes(text) == minutes


@pytest.mark.parametrize("text", ["121", "-5", "-1 min", "999999"])
def test_parse_buffer_minutes_rejects_range(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_buffer_minutes(text)
    assert (info.value.code, info.value.params) == ("profile.buffer_range", {"min": 0, "max": 120})


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("  ", ""),
        ("fifteen", "fifteen"),
        ("15.5", "15.5"),
        ("15,5", "15,5"),
        ("15 h", "15 h"),
        ("min", "min"),
        ("1e2", "1e2"),
        ("+15", "+15"),
        ("15 15", "15 15"),
        ("1234567", "1234567"),
    ],
)
def test_parse_buffer_minutes_rejects_garbage(text: str, shown: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_buffer_minutes(text)
    assert (info.value.code, info.value.params) == ("profile.number_invalid", {"text": shown})


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("24", 24),
        ("24h", 24),
        ("24 h", 24),
        ("24 H", 24),
        ("24 hrs", 24),
        ("24 hours", 24),
        ("1 hour", 1),
        ("0", 0),
        ("168", 168),
        (" 48 ", 48),
    ],
)
def test_parse_notice_hours_accepts(text: str, hours: int) -> None:
    assert parse_notice_hours(text) == hours


@pytest.mark.parametrize("text", ["169", "-1", "-24h", "1000"])
def test_parse_notice_hours_rejects_range(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_notice_hours(text)
    assert (info.value.code, info.value.params) == ("profile.notice_range", {"min": 0, "max": 168})


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("a day", "a day"),
        ("24 min", "24 min"),
        ("1.5h", "1.5h"),
        ("h", "h"),
        (" 24 days ", "24 days"),
    ],
)
def test_parse_notice_hours_rejects_garbage(text: str, shown: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_notice_hours(text)
    assert (info.value.code, info.value.params) == ("profile.number_invalid", {"text": shown})
