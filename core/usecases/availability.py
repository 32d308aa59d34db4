"""Use cases of a tutor's availability: one-off slots, weekly patterns, days off and bulk actions.

Every change to one tutor's schedule locks the tutor first, so two concurrent changes cannot both pass
the overlap check. Times are the tutor's wall-clock times in the profile's zone.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from core.availability import (
    Interval,
    Skipped,
    SlotSpec,
    check_spec,
    check_timing,
    conflict_error,
    expand_pattern,
    find_conflict,
    minutes_between,
    resolve,
    week_start,
    window_days,
)
from core.bookings import book_by
from core.clock import Clock
from core.entities import DayOff, Slot, TutorProfile, WeeklyPattern
from core.enums import SessionStatus, SessionType
from core.errors import Conflict, DomainError, NotFound, ValidationError
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.timezones import local_day_bounds, utc_to_local

# Slots are never longer than a day, so looking this far around a candidate finds every neighbour.
_NEIGHBOURHOOD = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BulkReport:
    created: list[Slot] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClearReport:
    deleted: int
    # Slots with bookings are never removed by a bulk action: cancelling them refunds students.
    kept_booked: list[Slot]


@dataclass(frozen=True, slots=True)
class DayView:
    day: date
    off: bool
    slots: list[Slot]


@dataclass(frozen=True, slots=True)
class WeekView:
    tutor: TutorProfile
    monday: date
    first_day: date
    last_day: date
    days: list[DayView]
    # The status of each slot's session, for the slots that have one (booked, live, over, cancelled).
    sessions: dict[int, SessionStatus] = field(default_factory=dict)


async def _tutor(uow: UnitOfWork, user_id: int, *, lock: bool = False) -> TutorProfile:
    tutor = await uow.tutors.get_by_user(user_id)
    if tutor is None:
        raise NotFound("tutor.no_profile")
    if lock:
        await uow.tutors.lock(tutor.id)
    return tutor


async def _own_slot(uow: UnitOfWork, tutor: TutorProfile, slot_id: int) -> Slot:
    slot = await uow.slots.get(slot_id)
    # Someone else's slot is reported exactly like a missing one, and a removed one like a deleted one.
    if slot is None or slot.tutor_id != tutor.id or slot.removed_at is not None:
        raise NotFound("slot.not_found")
    return slot


async def _delete_free(uow: UnitOfWork, slot: Slot, now: datetime) -> bool:
    """Delete a slot nobody holds a seat in: for good if it never had a session, else off the schedule
    with its history kept (a cancelled session, a student who cancelled). False if a seat is taken."""
    if slot.seats_taken:
        return False
    return await uow.slots.delete_unbooked(slot.id) or await uow.slots.remove(slot.id, now)


def _located(error: DomainError, zone: str) -> DomainError:
    """Errors that name instants are shown in the zone the tutor works in."""
    error.params.setdefault("zone", zone)
    return error


async def _neighbours(uow: UnitOfWork, tutor: TutorProfile, interval: Interval) -> list[Slot]:
    # A cancelled session's slot no longer holds its time: a new slot may take it.
    return await uow.slots.list_for_tutor(
        tutor.id, interval.start - _NEIGHBOURHOOD, interval.end + _NEIGHBOURHOOD, blocking_only=True
    )


async def _validated(
    uow: UnitOfWork, tutor: TutorProfile, spec: SlotSpec, now: datetime, rules: BusinessRules, *, ignore_id: int | None
) -> Interval:
    check_spec(spec, rules)
    if spec.day in await uow.days_off.list_for_tutor(tutor.id, spec.day, spec.day):
        raise ValidationError("slot.day_off", day=spec.day)
    try:
        interval = resolve(spec, tutor.timezone)
        check_timing(interval, spec, now=now, zone=tutor.timezone, window=rules.booking_window_days)
    except DomainError as error:
        raise _located(error, tutor.timezone) from None
    conflict = find_conflict(
        interval, await _neighbours(uow, tutor, interval), tutor.buffer_minutes, ignore_id=ignore_id
    )
    if conflict is not None:
        raise _located(conflict_error(conflict), tutor.timezone)
    return interval


def _new_slot(
    tutor: TutorProfile, spec: SlotSpec, interval: Interval, now: datetime, pattern_id: int | None = None
) -> Slot:
    return Slot(
        tutor_id=tutor.id,
        starts_at=interval.start,
        ends_at=interval.end,
        timezone=tutor.timezone,
        session_type=spec.session_type,
        capacity=spec.capacity,
        pattern_id=pattern_id,
        book_by=book_by(interval.start, tutor.booking_notice_minutes),
        created_at=now,
        updated_at=now,
    )


def spec_of(slot: Slot) -> SlotSpec:
    """The slot as its tutor sees it: local day, start and length in the slot's zone."""
    local_start = utc_to_local(slot.starts_at, slot.timezone)
    local_end = utc_to_local(slot.ends_at, slot.timezone)
    minutes = int((local_end.replace(tzinfo=None) - local_start.replace(tzinfo=None)).total_seconds() // 60)
    return SlotSpec(
        day=local_start.date(),
        start=local_start.time().replace(tzinfo=None),
        minutes=minutes,
        session_type=slot.session_type,
        capacity=slot.capacity,
    )


async def add_slot(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, spec: SlotSpec) -> Slot:
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        interval = await _validated(uow, tutor, spec, now, rules, ignore_id=None)
        slot = await uow.slots.add(_new_slot(tutor, spec, interval, now))
        await uow.commit()
    return slot


async def get_slot(uow: UnitOfWork, *, user_id: int, slot_id: int) -> tuple[TutorProfile, Slot, SessionStatus | None]:
    """One of the tutor's slots, with its session's status if it has a session."""
    async with uow:
        tutor = await _tutor(uow, user_id)
        slot = await _own_slot(uow, tutor, slot_id)
        status = (await uow.sessions.statuses_for_slots([slot.id])).get(slot.id)
    return tutor, slot, status


def _check_changeable(slot: Slot, now: datetime) -> None:
    if slot.starts_at <= now:
        raise ValidationError("slot.started")


async def edit_slot(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, slot_id: int, spec: SlotSpec
) -> Slot:
    """Change a future slot. One with bookings may only gain seats: moving or shrinking it would break
    the students' bookings, so the tutor is told to cancel it instead (Conflict slot.has_bookings)."""
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        slot = await _own_slot(uow, tutor, slot_id)
        _check_changeable(slot, now)
        if (await uow.sessions.statuses_for_slots([slot.id])).get(slot.id) is SessionStatus.CANCELLED:
            raise ValidationError("slot.cancelled")
        interval = await _validated(uow, tutor, spec, now, rules, ignore_id=slot.id)
        changed = replace(
            slot,
            starts_at=interval.start,
            ends_at=interval.end,
            book_by=book_by(interval.start, tutor.booking_notice_minutes),
            session_type=spec.session_type,
            capacity=spec.capacity,
            updated_at=now,
        )
        keeps_bookings = (changed.starts_at, changed.ends_at, changed.session_type) == (
            slot.starts_at,
            slot.ends_at,
            slot.session_type,
        ) and changed.capacity >= slot.seats_taken
        if slot.seats_taken and not keeps_bookings:
            raise Conflict("slot.has_bookings", booked=slot.seats_taken)
        # Conditional on the seats still being free: a booking may have arrived since we read the slot.
        if not await uow.slots.update(changed):
            raise Conflict("slot.has_bookings", booked=max(slot.seats_taken, 1))
        await uow.commit()
    return changed


async def delete_slot(uow: UnitOfWork, clock: Clock, *, user_id: int, slot_id: int) -> Slot:
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        slot = await _own_slot(uow, tutor, slot_id)
        _check_changeable(slot, now)
        if not await _delete_free(uow, slot, now):
            raise Conflict("slot.has_bookings", booked=max(slot.seats_taken, 1))
        await uow.commit()
    return slot


async def _slots_on(uow: UnitOfWork, tutor: TutorProfile, first: date, last: date) -> list[Slot]:
    start, _ = local_day_bounds(first, tutor.timezone)
    _, end = local_day_bounds(last, tutor.timezone)
    return [s for s in await uow.slots.list_for_tutor(tutor.id, start, end) if start <= s.starts_at < end]


async def week_view(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, day: date | None = None
) -> WeekView:
    """The week containing `day` (default: today) in the tutor's zone."""
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id)
        first, last = window_days(now, tutor.timezone, rules.booking_window_days)
        monday = week_start(day or first)
        sunday = monday + timedelta(days=6)
        slots = await _slots_on(uow, tutor, monday, sunday)
        off = await uow.days_off.list_for_tutor(tutor.id, monday, sunday)
        statuses = await uow.sessions.statuses_for_slots([s.id for s in slots])
    by_day: dict[date, list[Slot]] = {monday + timedelta(days=i): [] for i in range(7)}
    for slot in slots:
        by_day.setdefault(utc_to_local(slot.starts_at, tutor.timezone).date(), []).append(slot)
    days = [DayView(day=d, off=d in off, slots=by_day[d]) for d in sorted(by_day)]
    return WeekView(tutor=tutor, monday=monday, first_day=first, last_day=last, days=days, sessions=statuses)


async def _create_all(
    uow: UnitOfWork,
    tutor: TutorProfile,
    specs: Iterable[SlotSpec],
    now: datetime,
    rules: BusinessRules,
    report: BulkReport,
) -> None:
    for spec in specs:
        try:
            interval = await _validated(uow, tutor, spec, now, rules, ignore_id=None)
        except DomainError as error:
            report.skipped.append(Skipped(day=spec.day, start=spec.start, code=error.code, params=error.params))
            continue
        report.created.append(await uow.slots.add(_new_slot(tutor, spec, interval, now)))


async def copy_days(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, source: date, targets: Sequence[date]
) -> BulkReport:
    """Repeat the slots of `source` on each target day, at the same local times."""
    now = clock.now()
    report = BulkReport()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        originals = [spec_of(s) for s in await _slots_on(uow, tutor, source, source)]
        for target in sorted(set(targets) - {source}):
            await _create_all(uow, tutor, (replace(spec, day=target) for spec in originals), now, rules, report)
        await uow.commit()
    return report


async def copy_week(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, monday: date) -> BulkReport:
    """Repeat a week's slots one week later."""
    now = clock.now()
    report = BulkReport()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        originals = [spec_of(s) for s in await _slots_on(uow, tutor, monday, monday + timedelta(days=6))]
        shifted = (replace(spec, day=spec.day + timedelta(weeks=1)) for spec in originals)
        await _create_all(uow, tutor, shifted, now, rules, report)
        await uow.commit()
    return report


async def _clear(uow: UnitOfWork, tutor: TutorProfile, first: date, last: date, now: datetime) -> ClearReport:
    deleted, kept = 0, []
    for slot in await _slots_on(uow, tutor, first, last):
        if slot.starts_at <= now:
            continue  # the past and what is under way are history
        if not await _delete_free(uow, slot, now):
            kept.append(slot)
        else:
            deleted += 1
    return ClearReport(deleted=deleted, kept_booked=kept)


async def clear_days(uow: UnitOfWork, clock: Clock, *, user_id: int, first: date, last: date) -> ClearReport:
    """Remove the unbooked future slots of a day (first == last) or a week."""
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        report = await _clear(uow, tutor, first, last, now)
        await uow.commit()
    return report


async def set_day_off(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, day: date, off: bool
) -> tuple[ClearReport, BulkReport]:
    """Mark a day off (its unbooked slots go, and no slot is created on it) or teach on it again (the
    weekly patterns fill it once more)."""
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        first, last = window_days(now, tutor.timezone, rules.booking_window_days)
        if not first <= day <= last:
            code = "slot.beyond_window" if day > last else "slot.in_past"
            raise ValidationError(code, last_day=last, days=rules.booking_window_days)
        if off:
            await uow.days_off.add(DayOff(tutor_id=tutor.id, day=day))
            cleared, filled = await _clear(uow, tutor, day, day, now), BulkReport()
        else:
            await uow.days_off.remove(tutor.id, day)
            cleared, filled = ClearReport(deleted=0, kept_booked=[]), BulkReport()
            for pattern in await uow.patterns.list_for_tutor(tutor.id):
                if pattern.expanded_until is not None and day <= pattern.expanded_until:
                    await _expand(uow, tutor, pattern, [day], now, rules, filled)
        await uow.commit()
    return cleared, filled


@dataclass(frozen=True, slots=True, kw_only=True)
class PatternDraft:
    weekdays: frozenset[int]
    window_start: time
    window_end: time
    session_minutes: int
    session_type: SessionType
    capacity: int


def check_pattern(draft: PatternDraft, rules: BusinessRules) -> None:
    if not draft.weekdays or not draft.weekdays <= set(range(7)):
        raise ValidationError("pattern.no_days")
    window = minutes_between(draft.window_start, draft.window_end)
    check_spec(
        SlotSpec(
            day=date(2000, 1, 3),
            start=draft.window_start,
            minutes=draft.session_minutes,
            session_type=draft.session_type,
            capacity=draft.capacity,
        ),
        rules,
    )
    if window < draft.session_minutes:
        raise ValidationError("pattern.window_too_short", minutes=draft.session_minutes)


async def _expand(
    uow: UnitOfWork,
    tutor: TutorProfile,
    pattern: WeeklyPattern,
    days: Sequence[date],
    now: datetime,
    rules: BusinessRules,
    report: BulkReport,
) -> None:
    if not days:
        return
    start, _ = local_day_bounds(min(days), pattern.timezone)
    _, end = local_day_bounds(max(days), pattern.timezone)
    existing = await uow.slots.list_for_tutor(
        tutor.id, start - _NEIGHBOURHOOD, end + _NEIGHBOURHOOD, blocking_only=True
    )
    days_off = await uow.days_off.list_for_tutor(tutor.id, min(days), max(days))
    planned, skipped = expand_pattern(
        pattern, days, tutor.buffer_minutes, existing=existing, days_off=days_off, now=now, rules=rules
    )
    for spec, interval in planned:
        report.created.append(await uow.slots.add(_new_slot(tutor, spec, interval, now, pattern_id=pattern.id)))
    report.skipped.extend(skipped)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def create_pattern(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, draft: PatternDraft
) -> tuple[WeeklyPattern, BulkReport]:
    """Save the pattern and turn it into slots for every matching day of the window."""
    check_pattern(draft, rules)
    now = clock.now()
    report = BulkReport()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        first, last = window_days(now, tutor.timezone, rules.booking_window_days)
        pattern = await uow.patterns.add(
            WeeklyPattern(
                tutor_id=tutor.id,
                weekdays=draft.weekdays,
                window_start=draft.window_start,
                window_end=draft.window_end,
                session_minutes=draft.session_minutes,
                session_type=draft.session_type,
                capacity=draft.capacity,
                timezone=tutor.timezone,
                created_at=now,
            )
        )
        await _expand(uow, tutor, pattern, _days(first, last), now, rules, report)
        await uow.patterns.set_expanded_until(pattern.id, last)
        await uow.commit()
    return replace(pattern, expanded_until=last), report


async def list_patterns(uow: UnitOfWork, *, user_id: int) -> tuple[TutorProfile, list[WeeklyPattern]]:
    async with uow:
        tutor = await _tutor(uow, user_id)
        return tutor, await uow.patterns.list_for_tutor(tutor.id)


async def delete_pattern(uow: UnitOfWork, clock: Clock, *, user_id: int, pattern_id: int) -> int:
    """Remove the pattern and its future slots that nobody booked; the number of slots removed."""
    now = clock.now()
    async with uow:
        tutor = await _tutor(uow, user_id, lock=True)
        pattern = await uow.patterns.get(pattern_id)
        if pattern is None or pattern.tutor_id != tutor.id:
            raise NotFound("pattern.not_found")
        removed = await uow.slots.delete_unbooked_of_pattern(pattern.id, now)
        await uow.patterns.delete(pattern.id)
        await uow.commit()
    return removed


async def extend_patterns(uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules) -> int:
    """The daily job: as the window moves, each pattern fills the days that entered it. Idempotent."""
    now = clock.now()
    # The furthest last day of any zone's window: east of UTC the local date may already be tomorrow.
    horizon = (now + timedelta(days=1)).date() + timedelta(days=rules.booking_window_days)
    async with uow_factory() as uow:
        candidates = await uow.patterns.list_expandable(horizon)
    created = 0
    for candidate in candidates:
        async with uow_factory() as uow:
            # Locked before the pattern is read again: another process may have just extended it.
            await uow.tutors.lock(candidate.tutor_id)
            tutor = await uow.tutors.get(candidate.tutor_id)
            pattern = await uow.patterns.get(candidate.id)
            if tutor is None or pattern is None:
                continue
            first, last = window_days(now, pattern.timezone, rules.booking_window_days)
            start = max(first, pattern.expanded_until + timedelta(days=1)) if pattern.expanded_until else first
            if start > last:
                continue
            report = BulkReport()
            await _expand(uow, tutor, pattern, _days(start, last), now, rules, report)
            await uow.patterns.set_expanded_until(pattern.id, last)
            await uow.commit()
        created += len(report.created)
    return created


@dataclass(frozen=True, slots=True)
class Window:
    """The local days on which the tutor can offer slots now."""

    tutor: TutorProfile
    first: date
    last: date
    days_off: set[date]

    @property
    def open_days(self) -> list[date]:
        """Every day of the window the tutor teaches on (days off are refused for new slots)."""
        days = [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]
        return [day for day in days if day not in self.days_off]

    def check_day(self, day: date) -> None:
        """Refuse a day no new slot can go on: a day off, or outside the window."""
        if day in self.days_off:
            raise ValidationError("slot.day_off", day=day)
        if day > self.last:
            raise ValidationError("slot.beyond_window", last_day=self.last, days=(self.last - self.first).days + 1)
        if day < self.first:
            raise ValidationError("slot.in_past")


async def window_of(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int) -> Window:
    async with uow:
        tutor = await _tutor(uow, user_id)
        first, last = window_days(clock.now(), tutor.timezone, rules.booking_window_days)
        days_off = await uow.days_off.list_for_tutor(tutor.id, first, last)
    return Window(tutor, first, last, days_off)
