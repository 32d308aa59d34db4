"""The booking operations of the repositories: seats, sessions, participations, read models, payments.

Every test runs on SQLite and PostgreSQL; the races run each contender in its own unit of work.
"""

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.entities import BookingView, Participant, Payment, SessionRoster, Slot, TutorProfile, User
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionStatus, SessionType, TutorStatus
from core.errors import Conflict
from storage.tables import sessions
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from testkit.postgres import wait_until_a_backend_waits_for_a_lock
from tests.storage.factories import (
    NOW,
    add_session,
    assert_round_trip,
    build_world,
    participant,
    payment,
    slot,
    tutor_profile,
    user,
)

DAY = NOW + timedelta(days=1)
WEEK = NOW + timedelta(days=7)


async def _add_tutor(uow: SqlUnitOfWork, user_id: int, **overrides: Any) -> TutorProfile:
    await uow.users.add(user(user_id, role=Role.TUTOR))
    return await uow.tutors.add(tutor_profile(user_id, **{"status": TutorStatus.APPROVED, **overrides}))


async def _add_users(uow: SqlUnitOfWork, *user_ids: int) -> list[User]:
    people = [user(user_id) for user_id in user_ids]
    for person in people:
        await uow.users.add(person)
    return people


def _group_slot(tutor_id: int, start: datetime, capacity: int, seats_taken: int = 0) -> Slot:
    return slot(tutor_id, start, capacity=capacity, seats_taken=seats_taken, session_type=SessionType.GROUP)


# Seats.


async def test_take_seat_under_40_concurrent_units_of_work_fills_exactly_the_capacity(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    world = await build_world(uow_factory, capacity=3)

    async def book() -> bool:
        async with uow_factory() as uow:
            took = await uow.slots.take_seat(world.slot.id)
            await uow.commit()
            return took

    outcomes = await asyncio.gather(*(book() for _ in range(40)))

    assert outcomes.count(True) == 3
    async with uow_factory() as uow:
        got = await uow.slots.get(world.slot.id)
        assert got is not None and got.seats_taken == 3
        assert not await uow.slots.take_seat(world.slot.id)
        assert not await uow.slots.take_seat(404)


async def test_release_seat_never_goes_below_zero(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory, capacity=2)
    async with uow_factory() as uow:
        assert await uow.slots.take_seat(world.slot.id)
        assert await uow.slots.take_seat(world.slot.id)
        await uow.slots.release_seat(world.slot.id)
        got = await uow.slots.get(world.slot.id)
        assert got is not None and got.seats_taken == 1
        await uow.slots.release_seat(world.slot.id)
        await uow.slots.release_seat(world.slot.id)
        await uow.slots.release_seat(404)
        await uow.commit()

    async with uow_factory() as uow:
        got = await uow.slots.get(world.slot.id)
        assert got is not None and got.seats_taken == 0


async def _listed(
    uow: SqlUnitOfWork, subject: str | None = None, *, now: datetime = NOW, before: datetime = WEEK
) -> list[tuple[TutorProfile, datetime | None]]:
    await uow.tutors.refresh_listing(now)
    rows, total = await uow.tutors.list_by_next_free(subject, now=now, before=before, offset=0, limit=1_000)
    assert total == len(rows)
    return rows


async def test_list_open_and_the_tutor_list_skip_full_and_out_of_range_slots(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await _add_tutor(uow, 1)
        second = await _add_tutor(uow, 2)
        third = await _add_tutor(uow, 3)
        unasked = await _add_tutor(uow, 4)
        # First tutor: a past open slot, a full one, then two open ones.
        past = await uow.slots.add(slot(first.id, NOW - timedelta(hours=2)))
        await uow.slots.add(slot(first.id, DAY, seats_taken=1))
        group = await uow.slots.add(_group_slot(first.id, DAY + timedelta(hours=2), capacity=3, seats_taken=2))
        later = await uow.slots.add(slot(first.id, DAY + timedelta(hours=4)))
        # Second tutor: full slots only.
        await uow.slots.add(slot(second.id, DAY, seats_taken=1))
        await uow.slots.add(_group_slot(second.id, DAY + timedelta(hours=1), capacity=2, seats_taken=2))
        # Third tutor: open slots at both bounds (excluded) and one in between.
        await uow.slots.add(slot(third.id, NOW))
        await uow.slots.add(slot(third.id, WEEK))
        between = await uow.slots.add(slot(third.id, NOW + timedelta(days=3)))
        await uow.slots.add(slot(unasked.id, DAY))
        await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.slots.list_open(first.id, NOW - timedelta(days=1), WEEK)
        assert [s.id for s in listed] == [past.id, group.id, later.id]
        assert_round_trip(listed[1], group)
        assert [s.id for s in await uow.slots.list_open(first.id, NOW, WEEK)] == [group.id, later.id]
        # [start, end): a slot starting at the end is out, one starting at the start is in.
        assert [s.id for s in await uow.slots.list_open(first.id, group.starts_at, later.starts_at)] == [group.id]
        assert await uow.slots.list_open(second.id, NOW, WEEK) == []

        # The first free time in (now, before); the tutor with none last.
        found = [(tutor.id, next_free) for tutor, next_free in await _listed(uow)]
        assert found == [
            (unasked.id, DAY),
            (first.id, group.starts_at),
            (third.id, between.starts_at),
            (second.id, None),
        ]
        assert all(instant.tzinfo is UTC for _id, instant in found if instant is not None)


# Sessions.


async def test_get_or_create_from_10_concurrent_units_of_work_makes_one_session(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        the_slot = await uow.slots.add(_group_slot(tutor.id, DAY, capacity=10))
        await uow.commit()

    async def get_or_create(worker: int) -> int:
        async with uow_factory() as uow:
            session = await uow.sessions.get_or_create(the_slot, NOW + timedelta(seconds=worker))
            await uow.commit()
            return session.id

    ids = await asyncio.gather(*(get_or_create(worker) for worker in range(10)))

    assert len(set(ids)) == 1
    async with uow_factory() as uow:
        count = await uow.connection.execute(
            select(func.count()).select_from(sessions).where(sessions.c.slot_id == the_slot.id)
        )
        assert count.scalar_one() == 1
        stored = await uow.sessions.get(ids[0])
        assert stored is not None
        assert (stored.slot_id, stored.tutor_id, stored.status) == (the_slot.id, tutor.id, SessionStatus.SCHEDULED)
        assert stored.created_at == stored.updated_at
        # Once it exists, the session is returned as stored.
        assert_round_trip(await uow.sessions.get_or_create(the_slot, NOW + timedelta(days=1)), stored)


async def test_list_rosters_groups_seat_holders_by_session_in_start_order(uow_factory: SqlUnitOfWorkFactory) -> None:
    start = DAY.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        other = await _add_tutor(uow, 2)
        ann, bob, cid = await _add_users(uow, 11, 12, 13)
        group_slot, group = await add_session(
            uow, tutor.id, start + timedelta(hours=10), capacity=5, session_type=SessionType.GROUP
        )
        empty_slot, empty = await add_session(uow, tutor.id, start)
        await add_session(uow, tutor.id, end)  # starts at the end: out
        await add_session(uow, other.id, start + timedelta(hours=9))  # another tutor's
        await uow.slots.add(slot(tutor.id, start + timedelta(hours=12)))  # no session
        _, outside = await add_session(uow, tutor.id, start - timedelta(hours=1))
        booked = await uow.participants.add(
            participant(group.id, bob.id, status=ParticipantStatus.BOOKED, hold_expires_at=None, booked_at=NOW)
        )
        await uow.participants.add(participant(group.id, cid.id, status=ParticipantStatus.CANCELLED))
        pending = await uow.participants.add(participant(group.id, ann.id))
        await uow.participants.add(participant(group.id, cid.id, status=ParticipantStatus.EXPIRED))
        await uow.participants.add(participant(outside.id, ann.id))
        await uow.commit()

    async with uow_factory() as uow:
        rosters = await uow.sessions.list_rosters(tutor.id, start, end)
        assert await uow.sessions.list_rosters(tutor.id, end + timedelta(days=1), end + timedelta(days=2)) == []

    assert rosters == [
        SessionRoster(session=empty, slot=empty_slot, participants=[]),
        SessionRoster(session=group, slot=group_slot, participants=[(booked, bob), (pending, ann)]),
    ]
    assert rosters[1].participants[1][0].status is ParticipantStatus.PENDING_PAYMENT
    assert rosters[1].participants[0][1].role is Role.STUDENT


# Participations.


async def test_a_second_active_participation_raises_and_the_unit_of_work_still_commits(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    world = await build_world(uow_factory, capacity=5)
    student, other = world.students
    async with uow_factory() as uow:
        first = await uow.participants.add(participant(world.session.id, student.id))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict) as raised:
            await uow.participants.add(participant(world.session.id, student.id, status=ParticipantStatus.BOOKED))
        assert raised.value.code == "booking.already_booked"
        # The transaction is still usable (on PostgreSQL a failed statement would have aborted it).
        assert await uow.slots.take_seat(world.slot.id)
        second = await uow.participants.add(participant(world.session.id, other.id))
        await uow.commit()

    # Within one unit of work too, before anything is committed.
    async with uow_factory() as uow:
        await uow.participants.update(dataclasses.replace(first, status=ParticipantStatus.CANCELLED))
        again = await uow.participants.add(participant(world.session.id, student.id))
        with pytest.raises(Conflict):
            await uow.participants.add(participant(world.session.id, student.id))
        await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.participants.list_for_session(world.session.id)
        assert [(p.id, p.status) for p in listed] == [
            (first.id, ParticipantStatus.CANCELLED),
            (second.id, ParticipantStatus.PENDING_PAYMENT),
            (again.id, ParticipantStatus.PENDING_PAYMENT),
        ]
        got = await uow.slots.get(world.slot.id)
        assert got is not None and got.seats_taken == 1


async def test_duplicates_are_still_refused_after_many_inserts_on_one_connection(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """PostgreSQL switches a prepared statement to a generic plan after a few runs: the refusal must not
    depend on the plan (an ON CONFLICT arbiter on the partial index would stop being found)."""
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        people = await _add_users(uow, *range(11, 23))
        _, session = await add_session(uow, tutor.id, DAY, capacity=20, session_type=SessionType.GROUP)
        for person in people:
            await uow.participants.add(participant(session.id, person.id))
        for person in people[:3]:
            with pytest.raises(Conflict):
                await uow.participants.add(participant(session.id, person.id, status=ParticipantStatus.BOOKED))
        await uow.commit()

    async with uow_factory() as uow:
        assert len(await uow.participants.list_for_session(session.id)) == len(people)


async def test_other_integrity_errors_are_not_reported_as_already_booked(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.participants.add(participant(404, world.students[0].id))
        # Rolled back to the savepoint: the transaction goes on.
        added = await uow.participants.add(participant(world.session.id, world.students[0].id))
        await uow.commit()

    async with uow_factory() as uow:
        assert [p.id for p in await uow.participants.list_for_session(world.session.id)] == [added.id]


async def test_update_if_writes_only_from_the_expected_status(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        held = await uow.participants.add(participant(world.session.id, world.students[0].id))
        await uow.commit()

    later = NOW + timedelta(minutes=5)
    booked = dataclasses.replace(
        held, status=ParticipantStatus.BOOKED, hold_expires_at=None, booked_at=later, updated_at=later
    )
    async with uow_factory() as uow:
        assert await uow.participants.update_if(booked, ParticipantStatus.PENDING_PAYMENT)
        await uow.commit()

    expired = dataclasses.replace(held, status=ParticipantStatus.EXPIRED, updated_at=later)
    async with uow_factory() as uow:
        # A late expiry job still expects the hold: nothing is written.
        assert not await uow.participants.update_if(expired, ParticipantStatus.PENDING_PAYMENT)
        assert not await uow.participants.update_if(dataclasses.replace(expired, id=404), ParticipantStatus.BOOKED)
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.participants.get(held.id), booked)


async def test_count_holds_counts_only_unlapsed_pending_holds(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        student, other = await _add_users(uow, 11, 12)
        held = []
        for day in range(6):
            _, session = await add_session(uow, tutor.id, DAY + timedelta(days=day))
            held.append(session)
        await uow.participants.add(participant(held[0].id, student.id, hold_expires_at=NOW + timedelta(minutes=15)))
        await uow.participants.add(participant(held[1].id, student.id, hold_expires_at=NOW + timedelta(seconds=1)))
        await uow.participants.add(participant(held[2].id, student.id, hold_expires_at=NOW))  # lapsed just now
        await uow.participants.add(participant(held[3].id, student.id, hold_expires_at=NOW - timedelta(minutes=1)))
        await uow.participants.add(participant(held[4].id, student.id, status=ParticipantStatus.BOOKED))
        await uow.participants.add(participant(held[5].id, student.id, status=ParticipantStatus.EXPIRED))
        await uow.participants.add(participant(held[0].id, other.id))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.participants.count_holds(student.id, NOW) == 2
        assert await uow.participants.count_holds(student.id, NOW - timedelta(minutes=2)) == 4
        assert await uow.participants.count_holds(student.id, NOW + timedelta(hours=1)) == 0
        assert await uow.participants.count_holds(other.id, NOW) == 1
        assert await uow.participants.count_holds(404, NOW) == 0


async def test_overlapping_finds_seat_holding_participations_whose_slot_overlaps(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    ten = DAY.replace(hour=10, minute=0, second=0, microsecond=0)
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        other_tutor = await _add_tutor(uow, 2)
        student, other = await _add_users(uow, 11, 12)
        _, at_ten = await add_session(uow, tutor.id, ten)  # [10:00, 11:00)
        _, at_noon = await add_session(uow, tutor.id, ten + timedelta(hours=2))  # [12:00, 13:00)
        _, cancelled_at = await add_session(uow, other_tutor.id, ten + timedelta(minutes=30))
        _, expired_at = await add_session(uow, tutor.id, ten + timedelta(hours=1))  # [11:00, 12:00)
        booked = await uow.participants.add(participant(at_ten.id, student.id, status=ParticipantStatus.BOOKED))
        pending = await uow.participants.add(participant(at_noon.id, student.id))
        await uow.participants.add(participant(cancelled_at.id, student.id, status=ParticipantStatus.CANCELLED))
        await uow.participants.add(participant(expired_at.id, student.id, status=ParticipantStatus.EXPIRED))
        others = await uow.participants.add(participant(expired_at.id, other.id))
        await uow.commit()

    async def overlapping(start_minutes: int, end_minutes: int, user_id: int = student.id) -> list[int]:
        async with uow_factory() as uow:
            found = await uow.participants.overlapping(
                user_id, ten + timedelta(minutes=start_minutes), ten + timedelta(minutes=end_minutes)
            )
        return [p.id for p in found]

    # Touching intervals do not overlap.
    assert await overlapping(60, 120) == []
    assert await overlapping(-60, 0) == []
    assert await overlapping(180, 240) == []
    # The cancelled one at 10:30 and the expired one at 11:00 never count.
    assert await overlapping(30, 150) == [booked.id, pending.id]
    assert await overlapping(59, 61) == [booked.id]
    assert await overlapping(119, 121) == [pending.id]
    assert await overlapping(-600, 600) == [booked.id, pending.id]
    assert await overlapping(60, 120, other.id) == [others.id]


async def test_list_lapsed_holds_oldest_first(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        people = await _add_users(uow, 11, 12, 13, 14, 15, 16)
        _, session = await add_session(uow, tutor.id, DAY, capacity=10, session_type=SessionType.GROUP)

        async def add(person: User, expires_minutes: int, **overrides: Any) -> Participant:
            return await uow.participants.add(
                participant(
                    session.id, person.id, hold_expires_at=NOW + timedelta(minutes=expires_minutes), **overrides
                )
            )

        just_now = await add(people[0], 0)
        oldest = await add(people[1], -10)
        await add(people[2], 1)  # still held
        middle = await add(people[3], -5)
        await add(people[4], -20, status=ParticipantStatus.BOOKED)
        await add(people[5], -30, status=ParticipantStatus.EXPIRED)
        await uow.commit()

    async with uow_factory() as uow:
        lapsed = await uow.participants.list_lapsed_holds(NOW, limit=10)
        assert [p.id for p in lapsed] == [oldest.id, middle.id, just_now.id]
        assert_round_trip(lapsed[0], oldest)
        assert [p.id for p in await uow.participants.list_lapsed_holds(NOW, limit=2)] == [oldest.id, middle.id]
        assert await uow.participants.list_lapsed_holds(NOW - timedelta(hours=1), limit=10) == []


async def test_list_bookings_and_get_booking_carry_everything_in_start_order(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        ada = await _add_tutor(uow, 1, display_name="Ada", subjects=["Mathematics", "Physics"])
        bob = await _add_tutor(uow, 2, display_name="Bob", subjects=[])
        student, other = await _add_users(uow, 11, 12)
        later_slot, later = await add_session(uow, ada.id, DAY + timedelta(days=1))
        sooner_slot, sooner = await add_session(
            uow, bob.id, DAY, capacity=4, seats_taken=1, session_type=SessionType.GROUP
        )
        ongoing_slot, ongoing = await add_session(uow, ada.id, NOW - timedelta(minutes=30))  # ends after NOW
        _, ended = await add_session(uow, ada.id, NOW - timedelta(minutes=60))  # ends at NOW: out
        _, past = await add_session(uow, ada.id, NOW - timedelta(days=1))

        paid = await uow.participants.add(participant(later.id, student.id, status=ParticipantStatus.BOOKED))
        paid_payment = await uow.payments.add(
            payment(
                paid.id,
                status=PaymentStatus.PAID,
                checkout_session_id="cs_later",
                provider_status="complete",
                payment_intent_id="pi_later",
            )
        )
        cancelled = await uow.participants.add(
            participant(sooner.id, student.id, status=ParticipantStatus.CANCELLED, cancelled_at=NOW)
        )
        held = await uow.participants.add(participant(ongoing.id, student.id))
        ended_seat = await uow.participants.add(participant(ended.id, student.id))
        await uow.participants.add(participant(past.id, student.id))
        await uow.participants.add(participant(sooner.id, other.id))
        await uow.commit()

    expected = [
        BookingView(participant=held, payment=None, slot=ongoing_slot, session=ongoing, tutor=ada),
        BookingView(participant=cancelled, payment=None, slot=sooner_slot, session=sooner, tutor=bob),
        BookingView(participant=paid, payment=paid_payment, slot=later_slot, session=later, tutor=ada),
    ]
    async with uow_factory() as uow:
        bookings = await uow.participants.list_bookings(student.id, NOW)
        assert bookings == expected
        for got, want in zip(bookings, expected, strict=True):
            assert_round_trip(got, want)
            assert_round_trip(got.tutor, want.tutor)
        assert bookings[2].payment is not None
        assert_round_trip(bookings[2].payment, paid_payment)
        assert bookings[0].tutor.subjects is not bookings[2].tutor.subjects
        assert [b.participant.id for b in await uow.participants.list_bookings(student.id, sooner_slot.ends_at)] == [
            paid.id
        ]
        assert await uow.participants.list_bookings(404, NOW) == []

        assert await uow.participants.get_booking(paid.id) == expected[2]
        assert await uow.participants.get_booking(cancelled.id) == expected[1]
        # get_booking has no time limit.
        ended_booking = await uow.participants.get_booking(ended_seat.id)
        assert ended_booking is not None and ended_booking.session == ended
        assert await uow.participants.get_booking(404) is None


# Tutors.


async def test_list_subjects_and_the_tutor_list_cover_approved_tutors_only(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        # Added first, but pending: neither its spelling nor its subjects count.
        await _add_tutor(uow, 1, display_name="Zed", subjects=["MATHEMATICS", "Biology"], status=TutorStatus.PENDING)
        ada = await _add_tutor(uow, 2, display_name="Ada", subjects=["Mathematics", "physics"])
        bob = await _add_tutor(uow, 3, display_name="bob", subjects=["chemistry", "mathematics"])
        await _add_tutor(uow, 4, display_name="Rex", subjects=["Art", "Physics"], status=TutorStatus.REJECTED)
        carla = await _add_tutor(uow, 5, display_name="Carla", subjects=[])
        alice = await _add_tutor(uow, 6, display_name="alice", subjects=["PHYSICS"])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.tutors.list_subjects() == [("chemistry", 1), ("Mathematics", 2), ("physics", 2)]

        # Nobody has free time: by name, case-insensitively.
        everyone = [tutor for tutor, _free in await _listed(uow)]
        assert [t.display_name for t in everyone] == ["Ada", "alice", "bob", "Carla"]
        assert everyone == [ada, alice, bob, carla]
        assert_round_trip(everyone[0], ada)
        assert [t.id for t, _free in await _listed(uow, "MatheMatics")] == [ada.id, bob.id]
        assert [t.id for t, _free in await _listed(uow, "Physics")] == [ada.id, alice.id]
        for nobody in ("biology", "Art", "Unknown"):
            assert await _listed(uow, nobody) == []
        approved_with_subjects = [t for t, _free in await _listed(uow, "chemistry")]
        assert approved_with_subjects == [bob]
        assert approved_with_subjects[0].subjects == ["chemistry", "mathematics"]
        # Pages: the same order, cut.
        page, total = await uow.tutors.list_by_next_free(None, now=NOW, before=WEEK, offset=1, limit=2)
        assert [t.id for t, _free in page] == [alice.id, bob.id] and total == 4


async def test_list_subjects_is_empty_without_approved_tutors(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await _add_tutor(uow, 1, status=TutorStatus.PENDING)
        assert await uow.tutors.list_subjects() == []
        assert await _listed(uow) == []


# Users.


async def test_user_lock_serializes_transactions_on_postgres(
    backend: str, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    async with uow_factory() as uow:
        (student,) = await _add_users(uow, 11)
        assert await uow.users.lock(404) is None  # nothing to lock: no error
        await uow.commit()
    if backend != "postgres":
        async with uow_factory() as uow:
            # SQLite: BEGIN IMMEDIATE serializes every writer already; the person is read all the same.
            assert await uow.users.lock(student.id) == student
        return

    events: list[str] = []
    first_locked = asyncio.Event()

    async def first() -> None:
        async with uow_factory() as uow:
            assert await uow.users.lock(student.id) == student
            events.append("first locked")
            first_locked.set()
            await wait_until_a_backend_waits_for_a_lock(engine, "user")
            events.append("first commits")
            await uow.commit()

    async def second() -> None:
        await first_locked.wait()
        async with uow_factory() as uow:
            events.append("second locking")
            await uow.users.lock(student.id)
            events.append("second locked")
            await uow.commit()

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=30)

    assert events == ["first locked", "second locking", "first commits", "second locked"]


# Payments.


async def test_payment_queries_by_checkout_open_checkouts_and_refunds_due(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        tutor = await _add_tutor(uow, 1)
        people = await _add_users(uow, *range(11, 23))
        _, session = await add_session(uow, tutor.id, DAY, capacity=20, session_type=SessionType.GROUP)
        seats = [await uow.participants.add(participant(session.id, person.id)) for person in people]

        async def add(seat: int, created_minutes: int, **overrides: Any) -> Payment:
            created = NOW + timedelta(minutes=created_minutes)
            return await uow.payments.add(payment(seats[seat].id, created_at=created, updated_at=created, **overrides))

        open_old = await add(0, -180, checkout_session_id="cs_1", provider_status="open")
        open_new = await add(1, -120, checkout_session_id="cs_2", provider_status="open")
        await add(2, 0, checkout_session_id="cs_3", provider_status="open")  # created at the bound
        await add(3, -300, checkout_session_id="cs_4", provider_status="complete")
        await add(4, -360, provider_status="open")  # no checkout session
        await add(5, -420, checkout_session_id="cs_6")  # never reported

        unscheduled = await add(6, -180, status=PaymentStatus.REFUND_PENDING)
        due_now = await add(7, -240, status=PaymentStatus.REFUND_PENDING, next_refund_attempt_at=NOW)
        await add(8, -480, status=PaymentStatus.REFUND_PENDING, next_refund_attempt_at=NOW + timedelta(seconds=1))
        await add(9, -540, status=PaymentStatus.REFUNDED)
        # Tried as often as allowed: left to an operator, never picked up again.
        await add(11, -660, status=PaymentStatus.REFUND_PENDING, next_refund_attempt_at=NOW, refund_attempts=200)
        await add(10, -600, status=PaymentStatus.PAID)
        await uow.commit()

    async with uow_factory() as uow:
        got = await uow.payments.get_by_checkout("cs_2")
        assert_round_trip(got, open_new)
        assert await uow.payments.get_by_checkout("cs_unknown") is None

        assert await uow.payments.list_open_checkouts(NOW, limit=10) == [open_old, open_new]
        assert await uow.payments.list_open_checkouts(NOW, limit=1) == [open_old]
        assert await uow.payments.list_open_checkouts(NOW - timedelta(hours=3), limit=10) == []

        assert await uow.payments.list_refunds_due(NOW, limit=10, max_attempts=200) == [due_now, unscheduled]
        assert await uow.payments.list_refunds_due(NOW, limit=1, max_attempts=200) == [due_now]
        assert await uow.payments.list_refunds_due(NOW - timedelta(seconds=1), 10, 200) == [unscheduled]
