"""Time-zone maths: aware UTC instants on one side, wall-clock times in IANA zones on the other.

Nothing here hard-codes a DST rule: gaps and folds are found by asking the tz database, so the code stays
right when a country changes its rules and the database is updated.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, available_timezones

from core.errors import ValidationError

# Only region/city names are offered and stored: legacy aliases such as "US/Eastern", "GB" or "EST5EDT"
# are ambiguous to people and some ("EST") have no DST at all, which is never what a user meant.
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_UTC = "UTC"
# Spellings of UTC people type. "GMT" is deliberately absent: in the UK it usually means London time,
# which is an hour off UTC all summer.
_UTC_ALIASES = frozenset({"utc", "etc/utc", "uct", "etc/uct", "universal", "etc/universal", "zulu", "etc/zulu"})
# Cities the database has renamed; users still type the old spelling.
_RENAMED = MappingProxyType(
    {
        "Asia/Calcutta": "Asia/Kolkata",
        "Asia/Katmandu": "Asia/Kathmandu",
        "Asia/Rangoon": "Asia/Yangon",
        "Asia/Saigon": "Asia/Ho_Chi_Minh",
        "Asia/Istanbul": "Europe/Istanbul",
        "Europe/Kiev": "Europe/Kyiv",
        "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
        "Pacific/Truk": "Pacific/Chuuk",
        "Pacific/Ponape": "Pacific/Pohnpei",
        "Atlantic/Faeroe": "Atlantic/Faroe",
    }
)
_SPACES_AROUND_SLASH = re.compile(r"\s*/\s*")
_WHITESPACE = re.compile(r"\s+")


@cache
def _zone_names() -> frozenset[str]:
    """Every name `get_zone` loads: region/city names (old spellings included) and "UTC"."""
    regional = {name for name in available_timezones() if name.split("/", 1)[0] in _REGIONS}
    return frozenset({*regional, _UTC})


@cache
def _known_zones() -> Mapping[str, str]:
    """Lower-cased input -> canonical name, for every spelling `normalize_zone` accepts."""
    names = _zone_names()
    known = {name.lower(): name for name in names}
    for old, new in _RENAMED.items():
        # Keep the old spelling when the installed database predates the rename.
        if old in names and new in names:
            known[old.lower()] = new
    for alias in _UTC_ALIASES:
        known[alias] = _UTC
    return MappingProxyType(known)


def normalize_zone(text: str) -> str:
    """The canonical IANA name for what a user typed ("europe/paris", "America/New York", " utc ")."""
    stripped = text.strip()
    key = _WHITESPACE.sub("_", _SPACES_AROUND_SLASH.sub("/", stripped)).lower()
    canonical = _known_zones().get(key)
    if canonical is None:
        raise ValidationError("timezone.unknown", text=stripped)
    return canonical


def get_zone(name: str) -> ZoneInfo:
    """The zone for an already-canonical name (as stored)."""
    # Membership first: ZoneInfo() would also load files for names we never accept, or paths like "../x".
    if name not in _zone_names():
        raise ValidationError("timezone.unknown", text=name)
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class ResolvedTime:
    instant: datetime  # aware, UTC
    # The wall-clock time happened twice (fall-back); `instant` is the first occurrence.
    ambiguous: bool


def local_to_utc(local: datetime, zone: str) -> ResolvedTime:
    """The UTC instant of a naive wall-clock time in `zone`."""
    if local.tzinfo is not None:
        raise ValueError("local_to_utc expects a naive wall-clock datetime")
    tz = get_zone(zone)
    wall = local.replace(fold=0)
    first = wall.replace(tzinfo=tz).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    # In a gap, no instant shows this wall time, so converting back lands elsewhere on the clock.
    if first.astimezone(tz).replace(tzinfo=None) != wall:
        raise ValidationError("time.nonexistent", local=wall.strftime("%Y-%m-%d %H:%M"), zone=zone)
    return ResolvedTime(instant=first, ambiguous=first != second)


def utc_to_local(instant: datetime, zone: str) -> datetime:
    """The aware wall-clock time of `instant` in `zone`, for display.

    Compare instants in UTC, not these: under PEP 495 a time in a fold never equals a datetime of another
    zone, not even the instant it came from.
    """
    _require_aware(instant)
    return instant.astimezone(get_zone(zone))


def local_day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """UTC instants where `day` starts in `zone` and where the next local day starts.

    The span is 23 or 25 hours on DST days (23.5/24.5 in Lord Howe), and empty for a day a zone skipped
    altogether (Pacific/Apia, 2011-12-30).
    """
    return _day_start(day, zone), _day_start(day + timedelta(days=1), zone)


def _day_start(day: date, zone: str) -> datetime:
    midnight = datetime.combine(day, time())
    try:
        return local_to_utc(midnight, zone).instant
    except ValidationError:
        pass
    # Midnight fell in a gap (Santiago, Beirut, Havana, ...): the day starts at the transition. Reading
    # midnight with the offsets before and after the change brackets it; bisect down to the second, the
    # resolution of tz transitions.
    tz = get_zone(zone)
    low = midnight.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = midnight.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # Invariant: the wall clock reads before midnight at `low` and at or after it at `high`.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(tz).replace(tzinfo=None) >= midnight:
            high = middle
        else:
            low = middle
    return high


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected an aware datetime")


# A zone picker's short lists; everything else is reachable by typing a city.
COMMON_ZONES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "europe": (
            "Europe/London",
            "Europe/Dublin",
            "Europe/Lisbon",
            "Europe/Madrid",
            "Europe/Paris",
            "Europe/Berlin",
            "Europe/Rome",
            "Europe/Amsterdam",
            "Europe/Warsaw",
            "Europe/Athens",
            "Europe/Kyiv",
            "Europe/Istanbul",
            "Europe/Moscow",
        ),
        "americas": (
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Phoenix",
            "America/Los_Angeles",
            "Pacific/Honolulu",
            "America/Toronto",
            "America/Vancouver",
            "America/Mexico_City",
            "America/Bogota",
            "America/Lima",
            "America/Santiago",
            "America/Sao_Paulo",
            "America/Argentina/Buenos_Aires",
        ),
        "asia": (
            "Asia/Dubai",
            "Asia/Jerusalem",
            "Asia/Karachi",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "Asia/Dhaka",
            "Asia/Bangkok",
            "Asia/Jakarta",
            "Asia/Singapore",
            "Asia/Hong_Kong",
            "Asia/Shanghai",
            "Asia/Seoul",
            "Asia/Tokyo",
        ),
        "africa": (
            "Africa/Casablanca",
            "Africa/Lagos",
            "Africa/Algiers",
            "Africa/Accra",
            "Africa/Dakar",
            "Africa/Cairo",
            "Africa/Johannesburg",
            "Africa/Kinshasa",
            "Africa/Nairobi",
            "Africa/Addis_Ababa",
        ),
        "oceania": (
            "Australia/Perth",
            "Australia/Darwin",
            "Australia/Adelaide",
            "Australia/Brisbane",
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Hobart",
            "Australia/Lord_Howe",
            "Pacific/Auckland",
            "Pacific/Fiji",
            "Pacific/Port_Moresby",
            "Pacific/Guam",
        ),
    }
)


def city_label(zone: str) -> str:
    """The last part of a zone name, as people say it: "America/Argentina/Buenos_Aires" -> "Buenos Aires"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def utc_offset_label(instant: datetime, zone: str) -> str:
    """The zone's offset at `instant`: "UTC" for zero, else "UTC+1", "UTC-3", "UTC+5:30", "UTC-9:30".

    Hours carry no leading zero, minutes appear only when not zero, and the sign is the ASCII "+" or "-",
    so the label reads the same in every language and survives plain-text channels.
    """
    offset = utc_to_local(instant, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always answers for an aware datetime
    total = int(offset.total_seconds())
    if total == 0:
        return "UTC"
    sign = "+" if total > 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    label = f"UTC{sign}{hours}"
    # Seconds only occur in local mean time before a zone adopted standard time.
    if minutes or seconds:
        label += f":{minutes:02d}"
    if seconds:
        label += f":{seconds:02d}"
    return label
