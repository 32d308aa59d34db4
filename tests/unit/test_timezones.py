from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from core.errors import ValidationError
from core.timezones import (
    COMMON_ZONES,
    ResolvedTime,
    city_label,
    get_zone,
    local_day_bounds,
    local_to_utc,
    normalize_zone,
    utc_offset_label,
    utc_to_local,
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("  EUROPE/PARIS  ", "Europe/Paris"),
        (" utc ", "UTC"),
        ("UTC", "UTC"),
        ("Etc/UTC", "UTC"),
        ("America/New York", "America/New_York"),
        ("america / new  york", "America/New_York"),
        ("America/New_York", "America/New_York"),
        ("America/Argentina/Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Australia/Lord_Howe", "Australia/Lord_Howe"),
        ("America/Port-au-Prince", "America/Port-au-Prince"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
    ],
)
def test_normalize_zone_accepts(text: str, expected: str) -> None:
    assert normalize_zone(text) == expected


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("", ""),
        ("   ", ""),
        ("../x", "../x"),
        ("../../etc/passwd", "../../etc/passwd"),
        ("Foo/Bar", "Foo/Bar"),
        ("Paris", "Paris"),
        (" Europe/Pariss ", "Europe/Pariss"),
        ("US/Eastern", "US/Eastern"),
        ("GB", "GB"),
        ("EST", "EST"),
        ("EST5EDT", "EST5EDT"),
        ("GMT", "GMT"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("localtime", "localtime"),
        ("posixrules", "posixrules"),
        ("Europe/Paris\x00", "Europe/Paris\x00"),
    ],
)
def test_normalize_zone_rejects(text: str, zone: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_zone(text)
    assert info.value.code == "timezone.unknown"
    assert info.value.params == {"text": zone}


@pytest.mark.parametrize("name", ["Europe/Paris", "UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires"])
def test_get_zone_loads_canonical_names(name: str) -> None:
    assert get_zone(name) == ZoneInfo(name)


@pytest.mark.parametrize("name", ["", "europe/paris", "../x", "Foo/Bar", "US/Eastern", "EST"])
def test_get_zone_rejects_other_names(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        get_zone(name)
    assert info.value.code == "timezone.unknown"
    assert info.value.params == {"text": name}


@pytest.mark.parametrize(
    ("zone", "local", "instant"),
    [
        # Ordinary times on both sides of the changes.
        ("America/New_York", datetime(2026, 1, 15, 9, 0), utc(2026, 1, 15, 14, 0)),
        ("America/New_York", datetime(2026, 7, 15, 9, 0), utc(2026, 7, 15, 13, 0)),
        ("America/New_York", datetime(2026, 3, 8, 1, 59), utc(2026, 3, 8, 6, 59)),
        ("America/New_York", datetime(2026, 3, 8, 3, 0), utc(2026, 3, 8, 7, 0)),
        ("Europe/London", datetime(2026, 3, 29, 0, 59), utc(2026, 3, 29, 0, 59)),
        ("Europe/London", datetime(2026, 3, 29, 2, 0), utc(2026, 3, 29, 1, 0)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 1, 59), utc(2026, 10, 3, 15, 29)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 30), utc(2026, 10, 3, 15, 30)),
        ("Australia/Lord_Howe", datetime(2026, 4, 5, 2, 0), utc(2026, 4, 4, 15, 30)),
        ("Australia/Sydney", datetime(2026, 1, 15, 18, 0), utc(2026, 1, 15, 7, 0)),
        ("Australia/Sydney", datetime(2026, 7, 15, 18, 0), utc(2026, 7, 15, 8, 0)),
        ("Asia/Kolkata", datetime(2026, 3, 8, 2, 30), utc(2026, 3, 7, 21, 0)),
        ("Asia/Kolkata", datetime(2026, 11, 1, 1, 30), utc(2026, 10, 31, 20, 0)),
        ("UTC", datetime(2026, 3, 29, 1, 30), utc(2026, 3, 29, 1, 30)),
        # Seconds and microseconds survive the conversion.
        ("Europe/Paris", datetime(2026, 6, 1, 12, 0, 5, 123), utc(2026, 6, 1, 10, 0, 5, 123)),
    ],
)
def test_local_to_utc_unambiguous(zone: str, local: datetime, instant: datetime) -> None:
    assert local_to_utc(local, zone) == ResolvedTime(instant=instant, ambiguous=False)


@pytest.mark.parametrize(
    ("zone", "local", "first"),
    [
        ("America/New_York", datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),
        ("America/New_York", datetime(2026, 11, 1, 1, 0), utc(2026, 11, 1, 5, 0)),
        ("America/New_York", datetime(2026, 11, 1, 1, 59), utc(2026, 11, 1, 5, 59)),
        ("Europe/London", datetime(2026, 10, 25, 1, 30), utc(2026, 10, 25, 0, 30)),
        # Lord Howe falls back only half an hour: 02:00 becomes 01:30 again.
        ("Australia/Lord_Howe", datetime(2026, 4, 5, 1, 30), utc(2026, 4, 4, 14, 30)),
        ("Australia/Lord_Howe", datetime(2026, 4, 5, 1, 45), utc(2026, 4, 4, 14, 45)),
        ("Australia/Sydney", datetime(2026, 4, 5, 2, 30), utc(2026, 4, 4, 15, 30)),
        # São Paulo used to fall back at midnight, repeating the last hour of the Saturday.
        ("America/Sao_Paulo", datetime(2018, 2, 17, 23, 30), utc(2018, 2, 18, 1, 30)),
    ],
)
def test_local_to_utc_ambiguous_takes_first_occurrence(zone: str, local: datetime, first: datetime) -> None:
    resolved = local_to_utc(local, zone)
    assert resolved == ResolvedTime(instant=first, ambiguous=True)
    assert resolved.instant.tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("America/New_York", datetime(2026, 3, 8, 2, 30)),
        ("America/New_York", datetime(2026, 3, 8, 2, 0)),
        ("America/New_York", datetime(2026, 3, 8, 2, 59)),
        ("Europe/London", datetime(2026, 3, 29, 1, 30)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 0)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 15)),
        ("Australia/Sydney", datetime(2026, 10, 4, 2, 30)),
        ("America/Sao_Paulo", datetime(2018, 11, 4, 0, 0)),
        ("America/Sao_Paulo", datetime(2018, 11, 4, 0, 45)),
    ],
)
def test_local_to_utc_rejects_times_in_a_gap(zone: str, local: datetime) -> None:
    with pytest.raises(ValidationError) as info:
        local_to_utc(local, zone)
    assert info.value.code == "time.nonexistent"
    assert info.value.params == {"local": local.strftime("%Y-%m-%d %H:%M"), "zone": zone}


def test_local_to_utc_ignores_the_fold_attribute_of_its_input() -> None:
    local = datetime(2026, 11, 1, 1, 30, fold=1)
    assert local_to_utc(local, "America/New_York").instant == utc(2026, 11, 1, 5, 30)


def test_local_to_utc_rejects_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_to_utc(utc(2026, 1, 1, 12), "Europe/Paris")


def test_local_to_utc_rejects_unknown_zones() -> None:
    with pytest.raises(ValidationError) as info:
        local_to_utc(datetime(2026, 1, 1, 12), "Mars/Olympus")
    assert (info.value.code, info.value.params) == ("timezone.unknown", {"text": "Mars/Olympus"})


@pytest.mark.parametrize(
    ("instant", "zone", "wall", "offset"),
    [
        (utc(2026, 11, 1, 5, 30), "America/New_York", datetime(2026, 11, 1, 1, 30), timedelta(hours=-4)),
        (utc(2026, 11, 1, 6, 30), "America/New_York", datetime(2026, 11, 1, 1, 30), timedelta(hours=-5)),
        (utc(2026, 3, 7, 21, 0), "Asia/Kolkata", datetime(2026, 3, 8, 2, 30), timedelta(hours=5, minutes=30)),
        (utc(2026, 4, 4, 15, 0), "Australia/Lord_Howe", datetime(2026, 4, 5, 1, 30), timedelta(hours=10.5)),
    ],
)
def test_utc_to_local(instant: datetime, zone: str, wall: datetime, offset: timedelta) -> None:
    local = utc_to_local(instant, zone)
    assert local.replace(tzinfo=None) == wall
    assert local.utcoffset() == offset
    assert local.astimezone(UTC) == instant


def test_utc_to_local_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        utc_to_local(datetime(2026, 1, 1, 12), "Europe/Paris")


@pytest.mark.parametrize(
    ("day", "zone", "start", "hours"),
    [
        (date(2026, 1, 15), "America/New_York", utc(2026, 1, 15, 5), 24),
        (date(2026, 3, 8), "America/New_York", utc(2026, 3, 8, 5), 23),
        (date(2026, 11, 1), "America/New_York", utc(2026, 11, 1, 4), 25),
        (date(2026, 3, 29), "Europe/London", utc(2026, 3, 29, 0), 23),
        (date(2026, 10, 25), "Europe/London", utc(2026, 10, 24, 23), 25),
        (date(2026, 10, 4), "Australia/Lord_Howe", utc(2026, 10, 3, 13, 30), 23.5),
        (date(2026, 4, 5), "Australia/Lord_Howe", utc(2026, 4, 4, 13), 24.5),
        (date(2026, 10, 4), "Australia/Sydney", utc(2026, 10, 3, 14), 23),
        (date(2026, 4, 5), "Australia/Sydney", utc(2026, 4, 4, 13), 25),
        (date(2026, 3, 8), "Asia/Kolkata", utc(2026, 3, 7, 18, 30), 24),
        # Midnight itself skipped: the day starts at 01:00, the first time the clock shows that day.
        (date(2018, 11, 4), "America/Sao_Paulo", utc(2018, 11, 4, 3), 23),
        (date(2022, 9, 11), "America/Santiago", utc(2022, 9, 11, 4), 23),
        (date(2022, 3, 27), "Asia/Beirut", utc(2022, 3, 26, 22), 23),
        # Midnight fall-back: the Saturday ends when the second 23:59 is over.
        (date(2018, 2, 17), "America/Sao_Paulo", utc(2018, 2, 17, 2), 25),
        # Samoa skipped 30 December 2011 altogether.
        (date(2011, 12, 30), "Pacific/Apia", utc(2011, 12, 30, 10), 0),
        (date(2011, 12, 29), "Pacific/Apia", utc(2011, 12, 29, 10), 24),
    ],
)
def test_local_day_bounds(day: date, zone: str, start: datetime, hours: float) -> None:
    bounds = local_day_bounds(day, zone)
    assert bounds == (start, start + timedelta(hours=hours))
    assert all(bound.tzinfo is UTC for bound in bounds)


@pytest.mark.parametrize(
    ("day", "zone"),
    [
        (date(2018, 11, 4), "America/Sao_Paulo"),
        (date(2022, 9, 11), "America/Santiago"),
        (date(2026, 3, 8), "America/New_York"),
        (date(2026, 10, 4), "Australia/Lord_Howe"),
    ],
)
def test_local_day_bounds_start_is_the_first_instant_of_the_day(day: date, zone: str) -> None:
    start, end = local_day_bounds(day, zone)
    tz = ZoneInfo(zone)
    assert start.astimezone(tz).date() == day
    assert (start - timedelta(seconds=1)).astimezone(tz).date() < day
    assert end.astimezone(tz).date() > day
    assert (end - timedelta(seconds=1)).astimezone(tz).date() == day


def test_common_zones_are_grouped_by_stable_regions() -> None:
    assert list(COMMON_ZONES) == ["europe", "americas", "asia", "africa", "oceania"]
    for zones in COMMON_ZONES.values():
        assert 8 <= len(zones) <= 14
        assert len(set(zones)) == len(zones)


@pytest.mark.parametrize("zone", [zone for zones in COMMON_ZONES.values() for zone in zones])
def test_common_zones_are_canonical_and_installed(zone: str) -> None:
    assert zone in available_timezones()
    assert normalize_zone(zone) == zone


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/London",
        "Europe/Paris",
        "America/New_York",
        "America/Sao_Paulo",
        "Asia/Kolkata",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Pacific/Auckland",
    ],
)
def test_common_zones_include_well_known_zones(zone: str) -> None:
    assert any(zone in zones for zones in COMMON_ZONES.values())


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("Europe/Paris", "Paris"),
        ("America/New_York", "New York"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("America/Port-au-Prince", "Port-au-Prince"),
        ("Australia/Lord_Howe", "Lord Howe"),
        ("UTC", "UTC"),
    ],
)
def test_city_label(zone: str, label: str) -> None:
    assert city_label(zone) == label


@pytest.mark.parametrize(
    ("instant", "zone", "label"),
    [
        (utc(2026, 1, 15), "UTC", "UTC"),
        (utc(2026, 1, 15), "Europe/London", "UTC"),
        (utc(2026, 7, 15), "Europe/London", "UTC+1"),
        (utc(2026, 1, 15), "Europe/Paris", "UTC+1"),
        (utc(2026, 7, 15), "Europe/Paris", "UTC+2"),
        (utc(2026, 1, 15), "America/New_York", "UTC-5"),
        (utc(2026, 7, 15), "America/New_York", "UTC-4"),
        (utc(2026, 1, 15), "America/Sao_Paulo", "UTC-3"),
        (utc(2026, 1, 15), "America/St_Johns", "UTC-3:30"),
        (utc(2026, 1, 15), "Asia/Kolkata", "UTC+5:30"),
        (utc(2026, 1, 15), "Asia/Kathmandu", "UTC+5:45"),
        (utc(2026, 1, 15), "Australia/Lord_Howe", "UTC+11"),
        (utc(2026, 7, 15), "Australia/Lord_Howe", "UTC+10:30"),
        (utc(2026, 1, 15), "Pacific/Chatham", "UTC+13:45"),
        (utc(2026, 1, 15), "Pacific/Kiritimati", "UTC+14"),
        (utc(2026, 1, 15), "Pacific/Marquesas", "UTC-9:30"),
        # Local mean time before standard time keeps its seconds.
        (utc(1900, 1, 1), "Europe/Paris", "UTC+0:09:21"),
    ],
)
def test_utc_offset_label(instant: datetime, zone: str, label: str) -> None:
    assert utc_offset_label(instant, zone) == label


def test_utc_offset_label_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        utc_offset_label(datetime(2026, 1, 1), "Europe/Paris")
