"""Availability use cases on a real database: what bookings protect, who may act, and the daily job."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.availability import SlotSpec
from core.entities import Slot
from core.enums import Role, SessionType
from core.errors import Conflict, NotFound, ValidationError
from core.rules import BusinessRules
from core.timezones import utc_to_local
from core.usecases.availability import (
    PatternDraft,
    add_slot,
    copy_days,
    create_pattern,
    delete_pattern,
    delete_slot,
    edit_slot,
    extend_patterns,
    set_day_off,
)
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_person, add_tutor_profile

RULES = BusinessRules()
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # Friday, 10:00 in Paris
PAUL, OTTO = 1, 2


async def tutor(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, user_id: int, buffer: int = 15) -> int:
    await add_person(uow_factory, clock, user_id, role=Role.TUTOR, first_name="T")
    return await add_tutor_profile(uow_factory, clock, RULES, user_id, rate=1000, buffer_minutes=buffer)


def spec(day: date, hour: int, minute: int = 0, minutes: int = 60, **changes: object) -> SlotSpec:
    base = SlotSpec(day=day, start=time(hour, minute), minutes=minutes, session_type=SessionType.ONE_TO_ONE, capacity=1)
    return replace(base, **changes)  # type: ignore[arg-type]


async def slots(uow_factory: SqlUnitOfWorkFactory, tutor_id: int) -> list[Slot]:
    async with uow_factory() as uow:
        return await uow.slots.list_for_tutor(tutor_id, NOW - timedelta(days=10), NOW + timedelta(days=90))


async def take_seat(uow_factory: SqlUnitOfWorkFactory, slot_id: int) -> None:
    """What a booking does to a slot (the booking flow itself comes with the booking use cases)."""
    from sqlalchemy import update

    from storage.tables import slots as slots_table

    async with uow_factory() as uow:
        await uow.connection.execute(
            update(slots_table).where(slots_table.c.id == slot_id).values(seats_taken=slots_table.c.seats_taken + 1)
        )
        await uow.commit()


def hhmm(slot: Slot) -> str:
    return utc_to_local(slot.starts_at, slot.timezone).strftime("%a %d %H:%M")


async def test_a_booked_slot_can_gain_seats_but_not_move_shrink_or_go(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    await tutor(uow_factory, clock, PAUL)
    group = await add_slot(
        uow_factory(),
        clock,
        RULES,
        user_id=PAUL,
        spec=spec(date(2026, 3, 24), 16, session_type=SessionType.GROUP, capacity=4),
    )
    for _ in range(3):
        await take_seat(uow_factory, group.id)
    moved = spec(date(2026, 3, 24), 17, session_type=SessionType.GROUP, capacity=4)
    with pytest.raises(Conflict) as caught:
        await edit_slot(uow_factory(), clock, RULES, user_id=PAUL, slot_id=group.id, spec=moved)
    assert (caught.value.code, caught.value.params) == ("slot.has_bookings", {"booked": 3})

    def seats(capacity: int) -> SlotSpec:
        return spec(date(2026, 3, 24), 16, session_type=SessionType.GROUP, capacity=capacity)

    with pytest.raises(Conflict):
        await edit_slot(uow_factory(), clock, RULES, user_id=PAUL, slot_id=group.id, spec=seats(2))
    with pytest.raises(Conflict):
        await delete_slot(uow_factory(), clock, user_id=PAUL, slot_id=group.id)
    grown = await edit_slot(uow_factory(), clock, RULES, user_id=PAUL, slot_id=group.id, spec=seats(10))
    assert grown.capacity == 10
    [stored] = await slots(uow_factory, group.tutor_id)
    assert (stored.capacity, stored.seats_taken, hhmm(stored)) == (10, 3, "Tue 24 16:00")


async def test_a_free_slot_moves_freely_and_its_own_time_is_no_conflict(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    tutor_id = await tutor(uow_factory, clock, PAUL)
    slot = await add_slot(uow_factory(), clock, RULES, user_id=PAUL, spec=spec(date(2026, 3, 24), 16))
    await edit_slot(uow_factory(), clock, RULES, user_id=PAUL, slot_id=slot.id, spec=spec(date(2026, 3, 24), 16, 30))
    await edit_slot(
        uow_factory(), clock, RULES, user_id=PAUL, slot_id=slot.id, spec=spec(date(2026, 3, 24), 16, 30, 90)
    )
    [stored] = await slots(uow_factory, tutor_id)
    assert (hhmm(stored), stored.duration_minutes) == ("Tue 24 16:30", 90)


async def test_started_slots_are_history(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    await tutor(uow_factory, clock, PAUL)
    slot = await add_slot(uow_factory(), clock, RULES, user_id=PAUL, spec=spec(date(2026, 3, 20), 11))
    clock.current = slot.starts_at + timedelta(minutes=5)
    with pytest.raises(ValidationError) as caught:
        await delete_slot(uow_factory(), clock, user_id=PAUL, slot_id=slot.id)
    assert caught.value.code == "slot.started"
    with pytest.raises(ValidationError):
        await edit_slot(uow_factory(), clock, RULES, user_id=PAUL, slot_id=slot.id, spec=spec(date(2026, 3, 21), 11))


async def test_another_tutors_slot_is_not_found(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    await tutor(uow_factory, clock, PAUL)
    await tutor(uow_factory, clock, OTTO)
    slot = await add_slot(uow_factory(), clock, RULES, user_id=PAUL, spec=spec(date(2026, 3, 24), 16))
    with pytest.raises(NotFound):
        await delete_slot(uow_factory(), clock, user_id=OTTO, slot_id=slot.id)
    with pytest.raises(NotFound):
        await edit_slot(uow_factory(), clock, RULES, user_id=OTTO, slot_id=slot.id, spec=spec(date(2026, 3, 25), 16))
    with pytest.raises(NotFound) as caught:
        await add_slot(uow_factory(), clock, RULES, user_id=99, spec=spec(date(2026, 3, 24), 16))
    assert caught.value.code == "tutor.no_profile"
    # Overlap is per tutor: Otto may teach at the same time as Paul.
    await add_slot(uow_factory(), clock, RULES, user_id=OTTO, spec=spec(date(2026, 3, 24), 16))


async def test_copying_reports_what_it_skipped(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    await tutor(uow_factory, clock, PAUL)
    await add_slot(uow_factory(), clock, RULES, user_id=PAUL, spec=spec(date(2026, 3, 24), 16))
    await add_slot(uow_factory(), clock, RULES, user_id=PAUL, spec=spec(date(2026, 3, 25), 16, 30))
    await set_day_off(uow_factory(), clock, RULES, user_id=PAUL, day=date(2026, 3, 26), off=True)
    report = await copy_days(
        uow_factory(),
        clock,
        RULES,
        user_id=PAUL,
        source=date(2026, 3, 24),
        targets=[date(2026, 3, 25), date(2026, 3, 26), date(2026, 3, 27), date(2026, 4, 20)],
    )
    assert [hhmm(s) for s in report.created] == ["Fri 27 16:00"]
    assert [(s.day, s.code) for s in report.skipped] == [
        (date(2026, 3, 25), "slot.overlap"),
        (date(2026, 3, 26), "slot.day_off"),
        (date(2026, 4, 20), "slot.beyond_window"),
    ]


async def test_patterns_fill_the_window_and_the_daily_job_moves_with_it(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    tutor_id = await tutor(uow_factory, clock, PAUL)
    draft = PatternDraft(
        weekdays=frozenset({0}),
        window_start=time(18),
        window_end=time(19),
        session_minutes=60,
        session_type=SessionType.ONE_TO_ONE,
        capacity=1,
    )
    pattern, report = await create_pattern(uow_factory(), clock, RULES, user_id=PAUL, draft=draft)
    assert [hhmm(s) for s in report.created] == ["Mon 23 18:00", "Mon 30 18:00", "Mon 06 18:00", "Mon 13 18:00"]
    assert pattern.expanded_until == date(2026, 4, 16)
    # The tutor deletes one generated slot: the job must not bring it back.
    await delete_slot(uow_factory(), clock, user_id=PAUL, slot_id=report.created[1].id)
    assert await extend_patterns(uow_factory, clock, RULES) == 0
    # Four days later the window reaches Monday 20 April.
    clock.advance(days=4)
    assert await extend_patterns(uow_factory, clock, RULES) == 1
    assert await extend_patterns(uow_factory, clock, RULES) == 0  # idempotent
    starts = [hhmm(s) for s in await slots(uow_factory, tutor_id)]
    assert starts == ["Mon 23 18:00", "Mon 06 18:00", "Mon 13 18:00", "Mon 20 18:00"]
    # A day off, then teaching again: the pattern fills the day once more.
    await set_day_off(uow_factory(), clock, RULES, user_id=PAUL, day=date(2026, 4, 6), off=True)
    assert "Mon 06 18:00" not in [hhmm(s) for s in await slots(uow_factory, tutor_id)]
    _, refilled = await set_day_off(uow_factory(), clock, RULES, user_id=PAUL, day=date(2026, 4, 6), off=False)
    assert [hhmm(s) for s in refilled.created] == ["Mon 06 18:00"]
    # Removing the pattern removes its future free slots, not the ones students booked.
    await take_seat(uow_factory, report.created[0].id)
    removed = await delete_pattern(uow_factory(), clock, user_id=PAUL, pattern_id=pattern.id)
    assert removed == 3
    assert [hhmm(s) for s in await slots(uow_factory, tutor_id)] == ["Mon 23 18:00"]


@pytest.mark.parametrize(
    ("draft_changes", "code"),
    [
        ({"weekdays": frozenset()}, "pattern.no_days"),
        ({"window_end": time(17)}, "slot.end_before_start"),
        ({"session_minutes": 90}, "pattern.window_too_short"),
        ({"session_type": SessionType.GROUP, "capacity": 1}, "slot.seats_group"),
    ],
)
async def test_bad_patterns_change_nothing(
    uow_factory: SqlUnitOfWorkFactory, draft_changes: dict[str, object], code: str
) -> None:
    clock = FixedClock(NOW)
    tutor_id = await tutor(uow_factory, clock, PAUL)
    draft = PatternDraft(
        weekdays=frozenset({0, 2}),
        window_start=time(18),
        window_end=time(19),
        session_minutes=60,
        session_type=SessionType.ONE_TO_ONE,
        capacity=1,
    )
    with pytest.raises(ValidationError) as caught:
        await create_pattern(uow_factory(), clock, RULES, user_id=PAUL, draft=replace(draft, **draft_changes))  # type: ignore[arg-type]
    assert caught.value.code == code
    assert await slots(uow_factory, tutor_id) == []
