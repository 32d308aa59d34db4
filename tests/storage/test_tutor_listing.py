"""The tutor list's next free times follow every change of slots, seats and sessions, and the time.

After each step, what the list shows for each tutor is compared with the slots themselves (the first
open slot after the instant, from `list_open`), on SQLite and PostgreSQL.
"""

import dataclasses
from datetime import datetime, timedelta

from core.entities import TutorProfile
from core.enums import Role, SessionStatus, SessionType, TutorStatus
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.storage.factories import NOW, add_session, slot, tutor_profile, user, weekly_pattern

DAY = NOW + timedelta(days=1)
HORIZON = NOW + timedelta(days=30)


async def _listed(uow: SqlUnitOfWork, now: datetime) -> dict[int, datetime | None]:
    await uow.tutors.refresh_listing(now)
    rows, _total = await uow.tutors.list_by_next_free(None, now=now, before=HORIZON, offset=0, limit=100)
    return {tutor.id: next_free for tutor, next_free in rows}


async def _from_the_slots(uow: SqlUnitOfWork, tutor_ids: list[int], now: datetime) -> dict[int, datetime | None]:
    first: dict[int, datetime | None] = {}
    for tutor_id in tutor_ids:
        starts = [s.starts_at for s in await uow.slots.list_open(tutor_id, now, HORIZON) if s.starts_at > now]
        first[tutor_id] = starts[0] if starts else None
    return first


class Listing:
    def __init__(self, uow_factory: SqlUnitOfWorkFactory, tutors: list[TutorProfile]) -> None:
        self.uow_factory = uow_factory
        self.tutor_ids = [t.id for t in tutors]

    async def check(self, now: datetime = NOW) -> dict[int, datetime | None]:
        """What the list shows, after asserting it is what the slots say."""
        async with self.uow_factory() as uow:
            shown = await _listed(uow, now)
            assert shown == await _from_the_slots(uow, self.tutor_ids, now)
            await uow.commit()
        return shown


async def _tutors(uow_factory: SqlUnitOfWorkFactory, count: int) -> list[TutorProfile]:
    async with uow_factory() as uow:
        tutors = []
        for user_id in range(1, count + 1):
            await uow.users.add(user(user_id, role=Role.TUTOR))
            tutors.append(await uow.tutors.add(tutor_profile(user_id, status=TutorStatus.APPROVED)))
        await uow.commit()
    return tutors


async def test_seats_taken_and_freed_move_the_next_free_time(uow_factory: SqlUnitOfWorkFactory) -> None:
    ada, bob = await _tutors(uow_factory, 2)
    listing = Listing(uow_factory, [ada, bob])
    assert await listing.check() == {ada.id: None, bob.id: None}
    async with uow_factory() as uow:
        first = await uow.slots.add(slot(ada.id, DAY))
        second = await uow.slots.add(slot(ada.id, DAY + timedelta(hours=1)))
        group = await uow.slots.add(slot(ada.id, DAY + timedelta(hours=2), capacity=2, session_type=SessionType.GROUP))
        await uow.slots.add(slot(bob.id, DAY + timedelta(minutes=30)))
        await uow.commit()
    assert await listing.check() == {ada.id: first.starts_at, bob.id: DAY + timedelta(minutes=30)}

    async with uow_factory() as uow:
        assert await uow.slots.take_seat(first.id)
        await uow.commit()
    assert (await listing.check())[ada.id] == second.starts_at

    async with uow_factory() as uow:
        assert await uow.slots.take_seat(second.id)
        assert await uow.slots.take_seat(group.id)
        await uow.commit()
    # One seat of the group is left.
    assert (await listing.check())[ada.id] == group.starts_at

    async with uow_factory() as uow:
        assert await uow.slots.take_seat(group.id)
        await uow.commit()
    assert (await listing.check())[ada.id] is None

    async with uow_factory() as uow:
        await uow.slots.release_seat(second.id)
        await uow.commit()
    assert (await listing.check())[ada.id] == second.starts_at

    # A change rolled back leaves the list as it was.
    async with uow_factory() as uow:
        assert await uow.slots.take_seat(second.id)
    assert (await listing.check())[ada.id] == second.starts_at


async def test_slots_added_moved_removed_and_sessions_cancelled_move_it(uow_factory: SqlUnitOfWorkFactory) -> None:
    (ada,) = await _tutors(uow_factory, 1)
    listing = Listing(uow_factory, [ada])
    async with uow_factory() as uow:
        later, session = await add_session(uow, ada.id, DAY + timedelta(hours=5))
        early = await uow.slots.add(slot(ada.id, DAY))
        await uow.commit()
    assert await listing.check() == {ada.id: early.starts_at}

    async with uow_factory() as uow:
        moved = slot(ada.id, DAY + timedelta(hours=8), id=early.id)
        assert await uow.slots.update(moved)
        await uow.commit()
    assert await listing.check() == {ada.id: later.starts_at}

    async with uow_factory() as uow:
        assert await uow.sessions.update_if(session.cancel(NOW, None), SessionStatus.SCHEDULED)
        await uow.commit()
    # The cancelled session's slot is not sold again.
    assert await listing.check() == {ada.id: moved.starts_at}

    async with uow_factory() as uow:
        assert await uow.slots.delete_unbooked(early.id)
        await uow.commit()
    assert await listing.check() == {ada.id: None}

    async with uow_factory() as uow:
        pattern = await uow.patterns.add(weekly_pattern(ada.id))
        await uow.slots.add(slot(ada.id, DAY + timedelta(hours=1), pattern_id=pattern.id))
        await uow.commit()
    assert await listing.check() == {ada.id: DAY + timedelta(hours=1)}
    async with uow_factory() as uow:
        assert await uow.slots.delete_unbooked_of_pattern(pattern.id, NOW) == 1
        await uow.commit()
    assert await listing.check() == {ada.id: None}


async def test_a_started_slot_gives_way_to_the_next_one_as_time_passes(uow_factory: SqlUnitOfWorkFactory) -> None:
    ada, bob = await _tutors(uow_factory, 2)
    listing = Listing(uow_factory, [ada, bob])
    async with uow_factory() as uow:
        soon = await uow.slots.add(slot(ada.id, NOW + timedelta(minutes=30)))
        next_day = await uow.slots.add(slot(ada.id, DAY))
        await uow.slots.add(slot(bob.id, NOW + timedelta(hours=2)))
        await uow.commit()
    assert await listing.check(NOW) == {ada.id: soon.starts_at, bob.id: NOW + timedelta(hours=2)}
    # Once the slot has started, the next one; the other tutor is now first.
    assert await listing.check(soon.starts_at) == {bob.id: NOW + timedelta(hours=2), ada.id: next_day.starts_at}
    assert list(await listing.check(soon.starts_at)) == [bob.id, ada.id]

    # A seat freed in the started slot does not bring it back.
    async with uow_factory() as uow:
        assert await uow.slots.take_seat(soon.id)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.slots.release_seat(soon.id)
        await uow.commit()
    later = soon.starts_at + timedelta(minutes=1)
    assert await listing.check(later) == {bob.id: NOW + timedelta(hours=2), ada.id: next_day.starts_at}
    # Beyond the window it is not a free time the list shows.
    assert await listing.check(HORIZON) == {ada.id: None, bob.id: None}


async def test_a_renamed_tutor_is_listed_by_the_new_name(uow_factory: SqlUnitOfWorkFactory) -> None:
    ada, bob = await _tutors(uow_factory, 2)
    async with uow_factory() as uow:
        await uow.tutors.update(dataclasses.replace(ada, display_name="zoe"))
        await uow.tutors.update(dataclasses.replace(bob, display_name="Yann"))
        await uow.commit()
    async with uow_factory() as uow:
        assert list(await _listed(uow, NOW)) == [bob.id, ada.id]


async def test_a_booking_notice_takes_the_slots_inside_it_off_the_list(uow_factory: SqlUnitOfWorkFactory) -> None:
    """A tutor taking bookings until two hours before the start: from then on the slot is not free time,
    and changing the notice moves every slot ahead at once."""
    (ada,) = await _tutors(uow_factory, 1)
    listing = Listing(uow_factory, [ada])
    first_start, second_start = DAY, DAY + timedelta(hours=3)
    async with uow_factory() as uow:
        await uow.tutors.update(dataclasses.replace(ada, booking_notice_minutes=120))
        for start in (first_start, second_start):
            await uow.slots.add(dataclasses.replace(slot(ada.id, start), book_by=start - timedelta(hours=2)))
        await uow.commit()
    assert await listing.check(first_start - timedelta(hours=2, minutes=1)) == {ada.id: first_start}
    # Inside the first slot's notice: the second one is the next free time, for the list and the calendar.
    assert await listing.check(first_start - timedelta(hours=1)) == {ada.id: second_start}
    async with uow_factory() as uow:
        open_now = await uow.slots.list_open(ada.id, first_start - timedelta(hours=1), HORIZON)
    assert [s.starts_at for s in open_now] == [second_start]
    # Bookings until the start again: the first slot is back.
    async with uow_factory() as uow:
        tutor = await uow.tutors.get(ada.id)
        assert tutor is not None
        await uow.tutors.update(dataclasses.replace(tutor, booking_notice_minutes=0))
        await uow.slots.set_book_by(ada.id, 0, first_start - timedelta(hours=1))
        await uow.commit()
    assert await listing.check(first_start - timedelta(hours=1)) == {ada.id: first_start}
