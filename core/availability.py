"""Availability rules: what a tutor may publish, and when (spec 002 §1 and §10).

Pure functions: no I/O and no clock reads, `now` is always a parameter. A slot is described the way the
tutor thinks of it (a local day, a wall-clock start and a length in their zone) and becomes an interval of
aware UTC instants only here, so every DST decision is made in one place:

- A start or end inside a spring-forward gap does not exist: "time.nonexistent".
- The end is exclusive, so an end exactly where a gap begins (01:00-02:00 in Paris when the clocks jump
  from 02:00 to 03:00) is fine: every minute the lesson covers exists, and it ends at the instant of the
  jump. The same holds for an end at midnight when midnight is skipped (Santiago).
- A time inside a fall-back fold resolves to its first occurrence; `Interval.ambiguous` says the start did.
- The end is the tutor's wall-clock end converted on its own: a slot is what the tutor's clock shows. Across
  a DST change inside the slot the real length therefore differs from `minutes` (a 60-minute slot at 02:00
  on a fall-back night lasts two hours; across a spring-forward gap it may be shorter).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from types import MappingProxyType

from core.entities import Slot, WeeklyPattern
from core.enums import SessionType
from core.errors import ValidationError
from core.rules import BusinessRules
from core.timezones import local_to_utc, utc_to_local

MIN_SESSION_MINUTES = 15
MAX_SESSION_MINUTES = 240
# Lengths and start minutes are multiples of this, so schedules line up and buttons can offer them.
MINUTE_STEP = 5
ONE_TO_ONE_SEATS = 1
# A group of one is a 1-to-1 session priced and run differently; the upper bound is a business rule.
GROUP_MIN_SEATS = 2

_MINUTES_PER_DAY = 24 * 60
_MINUTES_PER_HOUR = 60
_HOURS_PER_HALF_DAY = 12
# Smaller than any step a wall clock or tz transition takes, so "just before" a time is still before it.
_TICK = timedelta(microseconds=1)

# "9", "09:30", "9h30", "9h", "9.30", "9:30 am", "9pm", "9 a.m."; minutes always take two digits, so "9.5"
# (9:05? 9:50? half past nine?) is refused rather than guessed.
_TIME_OF_DAY = re.compile(
    r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2})|h(?P<h_minute>[0-9]{2})?)?"
    r"(?:\s*(?P<meridiem>[ap])\.?\s*m\.?)?",
    re.IGNORECASE,
)
_HOUR_UNIT = r"(?:h|hr|hrs|hour|hours)"
_MINUTE_UNIT = r"(?:m|min|mins|minute|minutes)"
# "60", "60 min", "90 minutes".
_DURATION_MINUTES = re.compile(rf"(?P<minutes>[0-9]{{1,5}})\s*{_MINUTE_UNIT}?", re.IGNORECASE)
# "1h", "1 h", "1.5h", "1,5 hours": a decimal comma is how much of Europe writes it.
_DURATION_HOURS = re.compile(rf"(?P<hours>[0-9]{{1,3}}(?:[.,][0-9]{{1,3}})?)\s*{_HOUR_UNIT}", re.IGNORECASE)
# "1h30", "1h 30min", "1 hour 30 minutes", "1:30".
_DURATION_HOURS_MINUTES = re.compile(
    rf"(?P<hours>[0-9]{{1,3}})\s*(?:{_HOUR_UNIT}\s*|:)(?P<minutes>[0-9]{{2}})(?:\s*{_MINUTE_UNIT})?"
    rf"|(?P<hours_unit>[0-9]{{1,3}})\s*{_HOUR_UNIT}\s*(?P<minutes_unit>[0-9]{{1,2}})\s*{_MINUTE_UNIT}",
    re.IGNORECASE,
)
_SEATS = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """A slot as the tutor means it, in wall-clock time of the tutor's zone."""

    day: date
    start: time
    minutes: int
    session_type: SessionType
    capacity: int


@dataclass(frozen=True, slots=True)
class Interval:
    """Aware UTC instants, end exclusive."""

    start: datetime
    end: datetime
    # The local start fell in a DST fold and resolved to its first occurrence; the UI says so.
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """One slot a bulk action did not create, and why: `code` and `params` as a ValidationError carries."""

    day: date
    start: time
    code: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


def window_days(now: datetime, zone: str, days: int) -> tuple[date, date]:
    """The first and last local day of a `days`-long booking window in `zone`, starting today."""
    # "Today" is the tutor's today: in Kolkata it is already tomorrow when UTC's evening begins.
    today = utc_to_local(now, zone).date()
    return today, today + timedelta(days=days - 1)


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def resolve(spec: SlotSpec, zone: str) -> Interval:
    """The UTC interval of a slot whose lengths and times already passed `check_spec`.

    The end is computed on the wall clock (01:30 + 60 min = 02:30 local) and may reach midnight but not
    pass it. See the module notes for gaps and folds.
    """
    start_local = datetime.combine(spec.day, spec.start)
    end_local = start_local + timedelta(minutes=spec.minutes)
    # A slot belongs to one local day: the day view, days off and the window are all per day.
    if end_local > datetime.combine(spec.day + timedelta(days=1), time()):
        raise ValidationError("slot.crosses_midnight")
    start = local_to_utc(start_local, zone)
    return Interval(start=start.instant, end=_end_instant(end_local, zone), ambiguous=start.ambiguous)


def _end_instant(local_end: datetime, zone: str) -> datetime:
    try:
        return local_to_utc(local_end, zone).instant
    except ValidationError as error:
        if error.code != "time.nonexistent":
            raise
        # An exclusive end at the very start of a gap only needs the instants before it to exist; the
        # slot then ends when the clocks jump.
        try:
            just_before = local_to_utc(local_end - _TICK, zone)
        except ValidationError:
            raise error from None
        return just_before.instant + _TICK


def check_spec(spec: SlotSpec, rules: BusinessRules) -> None:
    """Length, alignment and seats of a slot; the first rule broken is raised."""
    check_length(spec.minutes)
    check_start(spec.start)
    check_seats(spec.session_type, spec.capacity, rules)


def check_length(minutes: int) -> None:
    """A session's length: within the bounds, in steps of MINUTE_STEP (checked as soon as it is typed)."""
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise ValidationError("slot.duration", min=MIN_SESSION_MINUTES, max=MAX_SESSION_MINUTES)
    if minutes % MINUTE_STEP:
        raise ValidationError("slot.step", step=MINUTE_STEP)


def check_start(start: time) -> None:
    """A start on the MINUTE_STEP grid."""
    if start.minute % MINUTE_STEP or start.second or start.microsecond:
        raise ValidationError("slot.step", step=MINUTE_STEP)


def check_seats(session_type: SessionType, capacity: int, rules: BusinessRules) -> None:
    if session_type is SessionType.ONE_TO_ONE:
        if capacity != ONE_TO_ONE_SEATS:
            raise ValidationError("slot.seats_one_to_one")
    elif not GROUP_MIN_SEATS <= capacity <= rules.max_group_size:
        raise ValidationError("slot.seats_group", min=GROUP_MIN_SEATS, max=rules.max_group_size)


def check_timing(interval: Interval, spec: SlotSpec, *, now: datetime, zone: str, window: int) -> None:
    """The slot starts after `now` and on a local day inside the `window`-day booking window of `zone`."""
    # A slot starting right now can no longer be booked, so it is already past.
    if interval.start <= now:
        raise ValidationError("slot.in_past")
    last_day = window_days(now, zone, window)[1]
    if spec.day > last_day:
        raise ValidationError("slot.beyond_window", last_day=last_day, days=window)


def find_conflict(
    candidate: Interval, others: Iterable[Slot], buffer_minutes: int, *, ignore_id: int | None = None
) -> Slot | None:
    """The earliest slot (by start, then id) too close to `candidate` for the tutor's buffer.

    With a buffer of 15 the next slot may start 15 minutes after one ends, not 14; with 0, back to back.
    `ignore_id` leaves out the slot being edited, which would otherwise collide with itself.
    """
    buffer = timedelta(minutes=buffer_minutes)
    conflicts = [
        other
        for other in others
        if other.id != ignore_id and _too_close(candidate, other.starts_at, other.ends_at, buffer)
    ]
    return min(conflicts, key=lambda slot: (slot.starts_at, slot.id), default=None)


def _too_close(candidate: Interval, start: datetime, end: datetime, buffer: timedelta) -> bool:
    return candidate.start < end + buffer and start < candidate.end + buffer


def conflict_error(conflict: Slot) -> ValidationError:
    """The overlap error naming the slot in the way; the UI shows its times in the reader's zone."""
    return ValidationError(
        "slot.overlap", conflict_start=conflict.starts_at, conflict_end=conflict.ends_at, conflict_id=conflict.id
    )


def pattern_specs(pattern: WeeklyPattern, day: date, buffer_minutes: int) -> list[SlotSpec]:
    """The slots `pattern` lays out on one local day: sessions from window_start, each the buffer after the
    previous one, as long as a session ends by window_end (wall-clock minutes; window_end 00:00 means the
    end of the day, the only reading under which such a window is not empty)."""
    if pattern.session_minutes <= 0 or buffer_minutes < 0:
        raise ValueError("a pattern needs a positive session length and a non-negative buffer")
    if day.weekday() not in pattern.weekdays:
        return []
    start = _minute_of_day(pattern.window_start)
    end = _minute_of_day(pattern.window_end) or _MINUTES_PER_DAY
    specs: list[SlotSpec] = []
    while start + pattern.session_minutes <= end:
        specs.append(
            SlotSpec(
                day=day,
                start=time(*divmod(start, _MINUTES_PER_HOUR)),
                minutes=pattern.session_minutes,
                session_type=pattern.session_type,
                capacity=pattern.capacity,
            )
        )
        start += pattern.session_minutes + buffer_minutes
    return specs


def _minute_of_day(moment: time) -> int:
    return moment.hour * _MINUTES_PER_HOUR + moment.minute


def expand_pattern(
    pattern: WeeklyPattern,
    days: Iterable[date],
    buffer_minutes: int,
    *,
    existing: Iterable[Slot],
    days_off: Set[date],
    now: datetime,
    rules: BusinessRules,
) -> tuple[list[tuple[SlotSpec, Interval]], list[Skipped]]:
    """The slots `pattern` creates on `days` (chronologically, each day once), and those it leaves out.

    Each candidate is checked like a slot made by hand: a day off, `check_spec` (the rules may have changed
    since the pattern was saved), a DST gap, the past and the booking window, then overlaps with `existing`
    and with slots planned earlier in this same run. An unknown zone is not a per-slot problem: it raises.
    """
    zone = pattern.timezone
    # Fails fast on a zone the database no longer knows instead of skipping every slot for it.
    window_days(now, zone, rules.booking_window_days)
    others = sorted(existing, key=lambda slot: (slot.starts_at, slot.id))
    planned: list[tuple[SlotSpec, Interval]] = []
    skipped: list[Skipped] = []
    for day in sorted(set(days)):
        for spec in pattern_specs(pattern, day, buffer_minutes):
            if day in days_off:
                # Same params as the error a hand-made slot on a day off gets, so one message serves both.
                skipped.append(Skipped(day, spec.start, "slot.day_off", MappingProxyType({"day": day})))
                continue
            try:
                check_spec(spec, rules)
                interval = resolve(spec, zone)
                check_timing(interval, spec, now=now, zone=zone, window=rules.booking_window_days)
                _check_overlap(interval, others, planned, buffer_minutes)
            except ValidationError as error:
                skipped.append(Skipped(day, spec.start, error.code, MappingProxyType(dict(error.params))))
                continue
            planned.append((spec, interval))
    return planned, skipped


def _check_overlap(
    interval: Interval, others: list[Slot], planned: list[tuple[SlotSpec, Interval]], buffer_minutes: int
) -> None:
    """Raise "slot.overlap" for the earliest existing or planned slot too close to `interval`; a planned one
    has no id yet, hence conflict_id=None."""
    existing = find_conflict(interval, others, buffer_minutes)
    buffer = timedelta(minutes=buffer_minutes)
    earlier = min(
        (other for _, other in planned if _too_close(interval, other.start, other.end, buffer)),
        key=lambda other: other.start,
        default=None,
    )
    if earlier is not None and (existing is None or earlier.start < existing.starts_at):
        raise ValidationError("slot.overlap", conflict_start=earlier.start, conflict_end=earlier.end, conflict_id=None)
    if existing is not None:
        raise conflict_error(existing)


def parse_time_of_day(text: str) -> time:
    """A wall-clock time as people type it: "9", "09:30", "9h30", "9.30", "21:05", "9:30 am", "12am".

    24-hour unless followed by am/pm. "24:00" is refused: it names no time of day, only the end of one.
    """
    stripped = text.strip()
    # NFKC folds full-width digits and colons, which phone keyboards in East Asia produce.
    match = _TIME_OF_DAY.fullmatch(unicodedata.normalize("NFKC", stripped))
    if match is None:
        raise ValidationError("time.invalid", text=stripped)
    hour = int(match["hour"])
    minute_text = match["minute"] or match["h_minute"]
    minute = int(minute_text) if minute_text else 0
    meridiem = match["meridiem"]
    if meridiem is not None:
        if not 1 <= hour <= _HOURS_PER_HALF_DAY:
            raise ValidationError("time.invalid", text=stripped)
        # 12 am is midnight and 12 pm noon: the 12-hour clock counts 12, 1, ..., 11.
        hour %= _HOURS_PER_HALF_DAY
        if meridiem.lower() == "p":
            hour += _HOURS_PER_HALF_DAY
    if hour >= 24 or minute >= _MINUTES_PER_HOUR:
        raise ValidationError("time.invalid", text=stripped)
    return time(hour, minute)


def parse_minutes(text: str) -> int:
    """A session length: "60", "60 min", "1h", "1h30", "1:30", "1.5h" -> minutes. The range is
    `check_spec`'s business, so "5" parses."""
    stripped = text.strip()
    normalized = unicodedata.normalize("NFKC", stripped)
    if match := _DURATION_MINUTES.fullmatch(normalized):
        return int(match["minutes"])
    if match := _DURATION_HOURS_MINUTES.fullmatch(normalized):
        hours = int(match["hours"] or match["hours_unit"])
        minutes = int(match["minutes"] or match["minutes_unit"])
        if minutes < _MINUTES_PER_HOUR:
            return hours * _MINUTES_PER_HOUR + minutes
    elif match := _DURATION_HOURS.fullmatch(normalized):
        total = Fraction(match["hours"].replace(",", ".")) * _MINUTES_PER_HOUR
        # 1.5 h is 90 minutes; 0.33 h is no whole number of minutes and surely a typo.
        if total.denominator == 1:
            return int(total)
    raise ValidationError("duration.invalid", text=stripped)


def parse_seats(text: str) -> int:
    """A group's seat count: a positive whole number. The range is `check_spec`'s business."""
    stripped = text.strip()
    normalized = unicodedata.normalize("NFKC", stripped)
    if _SEATS.fullmatch(normalized) is None or int(normalized) < 1:
        raise ValidationError("slot.seats_invalid", text=stripped)
    return int(normalized)


def minutes_between(start: time, end: time) -> int:
    """Length of a window from `start` to `end` on one day; the end must come after the start."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes <= 0:
        raise ValidationError("slot.end_before_start")
    return minutes
