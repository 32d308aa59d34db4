"""Weekly patterns, days off, slot changes that must not lose a booking, and the per-tutor lock."""

import asyncio
import dataclasses
from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.entities import DayOff, Slot, TutorProfile
from core.enums import Role, SessionType, TutorStatus
from storage.tables import slots, tutor_profiles, weekly_patterns
from storage.uow import SqlUnitOfWorkFactory
from testkit.postgres import wait_until_a_backend_waits_for_a_lock
from tests.storage.factories import (
    NOW,
    assert_round_trip,
    build_world,
    slot,
    tutor_profile,
    user,
    weekly_pattern,
)

LATER = NOW + timedelta(hours=1, microseconds=3)
MONDAY = date(2026, 3, 30)


async def _add_tutor(uow_factory: SqlUnitOfWorkFactory, user_id: int) -> TutorProfile:
    async with uow_factory() as uow:
        await uow.users.add(user(user_id, role=Role.TUTOR))
        profile = await uow.tutors.add(tutor_profile(user_id, status=TutorStatus.APPROVED))
        await uow.commit()
    return profile


# Weekly patterns.


async def test_patterns_round_trip(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    fresh = weekly_pattern(tutor.id)
    expanded = weekly_pattern(
        tutor.id,
        weekdays=frozenset({6, 0, 3}),
        window_start=time(7, 15),
        window_end=time(23, 59, 59),
        session_minutes=45,
        session_type=SessionType.GROUP,
        capacity=6,
        timezone="America/New_York",
        expanded_until=date(2026, 4, 12),
    )
    async with uow_factory() as uow:
        assert await uow.patterns.add(fresh) is fresh
        await uow.patterns.add(expanded)
        await uow.commit()
    assert fresh.id > 0
    assert expanded.id not in (0, fresh.id)

    async with uow_factory() as uow:
        got_fresh = await uow.patterns.get(fresh.id)
        got_expanded = await uow.patterns.get(expanded.id)
        assert await uow.patterns.get(404) is None
        stored = (
            await uow.connection.execute(select(weekly_patterns.c.weekdays).where(weekly_patterns.c.id == expanded.id))
        ).scalar_one()
    assert_round_trip(got_fresh, fresh)
    assert_round_trip(got_expanded, expanded)
    assert got_fresh is not None and got_fresh.expanded_until is None
    assert got_expanded is not None and type(got_expanded.weekdays) is frozenset
    assert type(got_expanded.window_start) is time and type(got_expanded.expanded_until) is date
    assert stored == "0,3,6"


async def test_patterns_are_listed_per_tutor_by_id(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    other = await _add_tutor(uow_factory, 2)
    async with uow_factory() as uow:
        first = await uow.patterns.add(weekly_pattern(tutor.id, window_start=time(18), window_end=time(20)))
        await uow.patterns.add(weekly_pattern(other.id))
        second = await uow.patterns.add(weekly_pattern(tutor.id, window_start=time(8), window_end=time(9)))
        await uow.commit()

    async with uow_factory() as uow:
        assert [p.id for p in await uow.patterns.list_for_tutor(tutor.id)] == [first.id, second.id]
        assert await uow.patterns.list_for_tutor(404) == []


async def test_list_expandable_and_set_expanded_until(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    through = date(2026, 4, 26)
    async with uow_factory() as uow:
        never = await uow.patterns.add(weekly_pattern(tutor.id))
        behind = await uow.patterns.add(weekly_pattern(tutor.id, expanded_until=through - timedelta(days=1)))
        await uow.patterns.add(weekly_pattern(tutor.id, expanded_until=through))
        await uow.patterns.add(weekly_pattern(tutor.id, expanded_until=through + timedelta(days=3)))
        await uow.commit()

    async with uow_factory() as uow:
        assert [p.id for p in await uow.patterns.list_expandable(through)] == [never.id, behind.id]
        await uow.patterns.set_expanded_until(never.id, through)
        await uow.commit()

    async with uow_factory() as uow:
        assert [p.id for p in await uow.patterns.list_expandable(through)] == [behind.id]
        got = await uow.patterns.get(never.id)
        assert got is not None and got.expanded_until == through
        with pytest.raises(LookupError):
            await uow.patterns.set_expanded_until(404, through)


async def test_deleting_a_pattern_keeps_its_slots_as_one_offs(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    async with uow_factory() as uow:
        pattern = await uow.patterns.add(weekly_pattern(tutor.id))
        kept = await uow.patterns.add(weekly_pattern(tutor.id))
        generated = await uow.slots.add(slot(tutor.id, pattern_id=pattern.id))
        booked = await uow.slots.add(slot(tutor.id, NOW + timedelta(days=2), pattern_id=pattern.id, seats_taken=1))
        other = await uow.slots.add(slot(tutor.id, NOW + timedelta(days=3), pattern_id=kept.id))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.patterns.delete(pattern.id)
        assert not await uow.patterns.delete(pattern.id)
        assert not await uow.patterns.delete(404)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.patterns.get(pattern.id) is None
        got_generated = await uow.slots.get(generated.id)
        got_booked = await uow.slots.get(booked.id)
        got_other = await uow.slots.get(other.id)
    assert_round_trip(got_generated, dataclasses.replace(generated, pattern_id=None))
    assert_round_trip(got_booked, dataclasses.replace(booked, pattern_id=None))
    assert_round_trip(got_other, other)


async def test_pattern_constraints(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    bad = [
        weekly_pattern(tutor.id, window_start=time(19), window_end=time(19)),
        weekly_pattern(tutor.id, window_start=time(19), window_end=time(18, 59)),
        weekly_pattern(tutor.id, session_minutes=0),
        weekly_pattern(tutor.id, capacity=0),
        weekly_pattern(404),
    ]
    for candidate in bad:
        async with uow_factory() as uow:
            with pytest.raises(IntegrityError):
                await uow.patterns.add(candidate)
    for weekdays in (frozenset(), frozenset({7}), frozenset({-1, 2})):
        async with uow_factory() as uow:
            with pytest.raises(ValueError, match="weekday"):
                await uow.patterns.add(weekly_pattern(tutor.id, weekdays=weekdays))
    async with uow_factory() as uow:
        row = {
            "tutor_id": tutor.id,
            "weekdays": "",
            "window_start": time(9),
            "window_end": time(10),
            "session_minutes": 60,
            "session_type": SessionType.ONE_TO_ONE.value,
            "capacity": 1,
            "timezone": "Europe/Paris",
            "created_at": NOW,
        }
        with pytest.raises(IntegrityError):
            await uow.connection.execute(insert(weekly_patterns).values(**row))


async def test_deleting_a_tutor_deletes_its_patterns_and_days_off(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    other = await _add_tutor(uow_factory, 2)
    async with uow_factory() as uow:
        for owner in (tutor, other):
            await uow.patterns.add(weekly_pattern(owner.id))
            await uow.days_off.add(DayOff(tutor_id=owner.id, day=MONDAY))
        await uow.connection.execute(delete(tutor_profiles).where(tutor_profiles.c.id == tutor.id))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.patterns.list_for_tutor(tutor.id) == []
        assert await uow.days_off.list_for_tutor(tutor.id, MONDAY, MONDAY) == set()
        assert len(await uow.patterns.list_for_tutor(other.id)) == 1
        assert await uow.days_off.list_for_tutor(other.id, MONDAY, MONDAY) == {MONDAY}


# Days off.


async def test_days_off(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    other = await _add_tutor(uow_factory, 2)
    days = [MONDAY + timedelta(days=offset) for offset in (0, 1, 2, 4)]
    async with uow_factory() as uow:
        for day in days:
            assert await uow.days_off.add(DayOff(tutor_id=tutor.id, day=day))
        # A second add of the same day writes nothing and keeps the transaction usable.
        assert not await uow.days_off.add(DayOff(tutor_id=tutor.id, day=days[1]))
        assert await uow.days_off.add(DayOff(tutor_id=other.id, day=days[1]))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.days_off.list_for_tutor(tutor.id, days[1], days[2]) == {days[1], days[2]}
        assert await uow.days_off.list_for_tutor(tutor.id, days[0], days[3]) == set(days)
        assert await uow.days_off.list_for_tutor(tutor.id, days[3], days[3]) == {days[3]}
        assert await uow.days_off.list_for_tutor(
            tutor.id, days[2] + timedelta(days=1), days[3] - timedelta(days=1)
        ) == (set())
        assert await uow.days_off.list_for_tutor(other.id, days[0], days[3]) == {days[1]}

        assert await uow.days_off.remove(tutor.id, days[1])
        assert not await uow.days_off.remove(tutor.id, days[1])
        assert not await uow.days_off.remove(tutor.id, MONDAY - timedelta(days=1))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.days_off.list_for_tutor(tutor.id, days[0], days[3]) == {days[0], days[2], days[3]}
        assert await uow.days_off.list_for_tutor(other.id, days[0], days[3]) == {days[1]}
        assert await uow.days_off.add(DayOff(tutor_id=tutor.id, day=days[1]))
        with pytest.raises(IntegrityError):
            await uow.days_off.add(DayOff(tutor_id=404, day=days[1]))


# Slots.


async def test_slots_carry_their_pattern(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    start = NOW + timedelta(days=2)
    async with uow_factory() as uow:
        pattern = await uow.patterns.add(weekly_pattern(tutor.id))
        generated = await uow.slots.add(slot(tutor.id, start, pattern_id=pattern.id))
        one_off = await uow.slots.add(slot(tutor.id, start + timedelta(hours=2)))
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.slots.get(generated.id), generated)
        listed = await uow.slots.list_for_tutor(tutor.id, start, start + timedelta(days=1))
        assert [(s.id, s.pattern_id) for s in listed] == [(generated.id, pattern.id), (one_off.id, None)]
        with pytest.raises(IntegrityError):
            await uow.slots.add(slot(tutor.id, pattern_id=404))


async def _stored_slot(uow_factory: SqlUnitOfWorkFactory, slot_id: int) -> Slot:
    async with uow_factory() as uow:
        got = await uow.slots.get(slot_id)
    assert got is not None
    return got


async def test_updating_an_unbooked_slot_writes_every_field(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    moved = dataclasses.replace(
        world.slot,
        starts_at=world.slot.starts_at + timedelta(hours=3),
        ends_at=world.slot.ends_at + timedelta(hours=3, minutes=30),
        session_type=SessionType.GROUP,
        capacity=4,
        updated_at=LATER,
    )
    async with uow_factory() as uow:
        assert await uow.slots.update(moved)
        await uow.commit()
    assert_round_trip(await _stored_slot(uow_factory, world.slot.id), moved)

    shrunk = dataclasses.replace(moved, session_type=SessionType.ONE_TO_ONE, capacity=1)
    async with uow_factory() as uow:
        assert await uow.slots.update(shrunk)
        assert not await uow.slots.update(dataclasses.replace(shrunk, id=404))
        await uow.commit()
    assert_round_trip(await _stored_slot(uow_factory, world.slot.id), shrunk)


async def test_updating_a_booked_slot_must_keep_every_seat(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    async with uow_factory() as uow:
        booked = await uow.slots.add(slot(tutor.id, session_type=SessionType.GROUP, capacity=3, seats_taken=2))
        await uow.commit()

    refused = [
        dataclasses.replace(booked, starts_at=booked.starts_at + timedelta(minutes=15)),
        dataclasses.replace(booked, ends_at=booked.ends_at + timedelta(minutes=15)),
        dataclasses.replace(
            booked, starts_at=booked.starts_at + timedelta(days=1), ends_at=booked.ends_at + timedelta(days=1)
        ),
        dataclasses.replace(booked, session_type=SessionType.ONE_TO_ONE),
        dataclasses.replace(booked, capacity=1),
    ]
    for change in refused:
        async with uow_factory() as uow:
            assert not await uow.slots.update(dataclasses.replace(change, updated_at=LATER))
            await uow.commit()
        # Nothing written, not even updated_at.
        assert_round_trip(await _stored_slot(uow_factory, booked.id), booked)

    for capacity in (5, 2):  # growing, then shrinking to exactly the seats taken
        grown = dataclasses.replace(booked, capacity=capacity, updated_at=LATER)
        async with uow_factory() as uow:
            assert await uow.slots.update(grown)
            await uow.commit()
        assert_round_trip(await _stored_slot(uow_factory, booked.id), grown)


async def test_delete_unbooked(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    async with uow_factory() as uow:
        free = await uow.slots.add(slot(tutor.id))
        taken = await uow.slots.add(slot(tutor.id, NOW + timedelta(days=2), seats_taken=1))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.slots.delete_unbooked(free.id)
        assert not await uow.slots.delete_unbooked(free.id)
        assert not await uow.slots.delete_unbooked(taken.id)
        assert not await uow.slots.delete_unbooked(404)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.slots.get(free.id) is None
        assert_round_trip(await uow.slots.get(taken.id), taken)


async def test_delete_unbooked_of_pattern(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    instant = NOW + timedelta(days=7)
    async with uow_factory() as uow:
        pattern = await uow.patterns.add(weekly_pattern(tutor.id))
        other = await uow.patterns.add(weekly_pattern(tutor.id))

        async def add(start_offset: timedelta, **overrides: Any) -> Slot:
            return await uow.slots.add(slot(tutor.id, instant + start_offset, **overrides))

        kept = [
            await add(-timedelta(days=1), pattern_id=pattern.id),  # before the instant
            await add(-timedelta(minutes=30), pattern_id=pattern.id),  # starts before, ends after it
            await add(timedelta(days=1), pattern_id=pattern.id, seats_taken=1),  # booked
            await add(timedelta(days=1, hours=2), pattern_id=other.id),  # another pattern
            await add(timedelta(days=1, hours=4)),  # made by hand
        ]
        deleted = [
            await add(timedelta(0), pattern_id=pattern.id),  # exactly at the instant
            await add(timedelta(days=2), pattern_id=pattern.id),
        ]
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.slots.delete_unbooked_of_pattern(pattern.id, instant) == 2
        assert await uow.slots.delete_unbooked_of_pattern(pattern.id, instant) == 0
        assert await uow.slots.delete_unbooked_of_pattern(404, instant) == 0
        await uow.commit()

    async with uow_factory() as uow:
        remaining = await uow.connection.execute(select(slots.c.id).order_by(slots.c.id))
        assert list(remaining.scalars()) == [s.id for s in kept]
        for gone in deleted:
            assert await uow.slots.get(gone.id) is None


# The per-tutor lock.


async def test_lock_can_be_taken_in_any_unit_of_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    tutor = await _add_tutor(uow_factory, 1)
    async with uow_factory() as uow:
        await uow.tutors.lock(tutor.id)
        await uow.tutors.lock(tutor.id)  # taking it again in the same transaction is fine
        await uow.tutors.lock(404)
        await uow.slots.add(slot(tutor.id))
        await uow.commit()
    async with uow_factory() as uow:
        assert len(await uow.slots.list_for_tutor(tutor.id, NOW, NOW + timedelta(days=9))) == 1


async def test_locking_the_same_tutor_serializes_transactions_on_postgres(
    backend: str, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    if backend != "postgres":
        pytest.skip("row locks are PostgreSQL's; on SQLite BEGIN IMMEDIATE serializes every writer")
    tutor = await _add_tutor(uow_factory, 1)
    events: list[str] = []
    first_locked = asyncio.Event()

    async def first() -> None:
        async with uow_factory() as uow:
            await uow.tutors.lock(tutor.id)
            events.append("first locked")
            first_locked.set()
            await wait_until_a_backend_waits_for_a_lock(engine, "tutor")
            await uow.slots.add(slot(tutor.id))
            events.append("first commits")
            await uow.commit()

    async def second() -> int:
        await first_locked.wait()
        async with uow_factory() as uow:
            events.append("second locking")
            await uow.tutors.lock(tutor.id)
            events.append("second locked")
            # Under the lock, the second transaction sees what the first one committed.
            seen = await uow.slots.list_for_tutor(tutor.id, NOW, NOW + timedelta(days=9))
            await uow.commit()
            return len(seen)

    _, seen = await asyncio.wait_for(asyncio.gather(first(), second()), timeout=30)

    assert events == ["first locked", "second locking", "first commits", "second locked"]
    assert seen == 1


async def test_locks_of_different_tutors_do_not_wait_for_each_other_on_postgres(
    backend: str, uow_factory: SqlUnitOfWorkFactory
) -> None:
    if backend != "postgres":
        pytest.skip("on SQLite BEGIN IMMEDIATE serializes every writer, whatever the tutor")
    tutor = await _add_tutor(uow_factory, 1)
    other = await _add_tutor(uow_factory, 2)
    first_locked = asyncio.Event()
    second_done = asyncio.Event()

    async def first() -> None:
        async with uow_factory() as uow:
            await uow.tutors.lock(tutor.id)
            first_locked.set()
            # Still holding the lock: the second transaction must get through meanwhile.
            await second_done.wait()
            await uow.commit()

    async def second() -> None:
        await first_locked.wait()
        async with uow_factory() as uow:
            await uow.tutors.lock(other.id)
            await uow.commit()
        second_done.set()

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=30)


async def test_a_slot_that_had_a_session_is_history_and_never_deleted_as_free(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    world = await build_world(uow_factory)  # a slot with a session, no seat taken (e.g. after a cancellation)
    async with uow_factory() as uow:
        assert world.slot.pattern_id is None
        assert not await uow.slots.delete_unbooked(world.slot.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.slots.get(world.slot.id) is not None
