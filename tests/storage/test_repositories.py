"""Every repository writes and reads back its entity unchanged: aware UTC datetimes, enums as enums."""

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.entities import Attendance, ChatMessage, Conversation, Payment, SessionFile, TeachingSession
from core.enums import (
    AttendanceSource,
    ParticipantStatus,
    PaymentStatus,
    Role,
    SessionStatus,
    SessionType,
    TutorStatus,
)
from storage.tables import tutor_subjects
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import (
    NOW,
    assert_round_trip,
    build_world,
    participant,
    slot,
    tutor_profile,
    user,
)

LATER = NOW + timedelta(hours=2, microseconds=7)


async def test_users(uow_factory: SqlUnitOfWorkFactory) -> None:
    complete = user(7_000_000_001, role=Role.BOTH)  # beyond 32 bits, like real Telegram ids
    fresh = user(5, username=None, language=None, timezone=None, role=None)
    async with uow_factory() as uow:
        assert await uow.users.add(complete)
        assert await uow.users.add(fresh)
        # A second add of the same id (a double-tapped /start) writes nothing and keeps the transaction usable.
        assert not await uow.users.add(dataclasses.replace(fresh, first_name="Other"))
        await uow.commit()

    async with uow_factory() as uow:
        got = await uow.users.get(complete.id)
        assert_round_trip(got, complete)
        assert_round_trip(await uow.users.get(fresh.id), fresh)
        assert await uow.users.get(404) is None
        assert [u.id for u in await uow.users.get_many([complete.id, 404, fresh.id, fresh.id])] == [
            fresh.id,
            complete.id,
        ]
        assert await uow.users.get_many([]) == []

        changed = dataclasses.replace(
            fresh, first_name="Zoé", language="fr", timezone="America/New_York", role=Role.TUTOR, updated_at=LATER
        )
        await uow.users.update(changed)
        await uow.commit()

    async with uow_factory() as uow:
        got = await uow.users.get(fresh.id)
        assert_round_trip(got, changed)
        assert got is not None and got.onboarded
        with pytest.raises(LookupError):
            await uow.users.update(user(404))


async def test_tutor_profiles_keep_subjects_in_order(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1, role=Role.TUTOR))
        await uow.users.add(user(2, role=Role.TUTOR))
        profile = tutor_profile(1, subjects=["Physics", "Éléments de chimie", "algebra"], buffer_minutes=10)
        added = await uow.tutors.add(profile)
        bare = await uow.tutors.add(tutor_profile(2, subjects=[], cancellation_notice_hours=24))
        await uow.commit()
    assert added is profile
    assert profile.id > 0
    assert bare.id not in (0, profile.id)

    async with uow_factory() as uow:
        assert_round_trip(await uow.tutors.get(profile.id), profile)
        assert_round_trip(await uow.tutors.get_by_user(1), profile)
        assert_round_trip(await uow.tutors.get(bare.id), bare)
        assert await uow.tutors.get(404) is None
        assert await uow.tutors.get_by_user(404) is None
        keys = await uow.connection.execute(
            select(tutor_subjects.c.name_key)
            .where(tutor_subjects.c.tutor_id == profile.id)
            .order_by(tutor_subjects.c.position)
        )
        assert list(keys.scalars()) == ["physics", "éléments de chimie", "algebra"]

        changed = dataclasses.replace(
            profile,
            subjects=["algebra", "Music"],
            display_name="Ada Lovelace",
            hourly_rate_minor=5000,
            currency="USD",
            status=TutorStatus.APPROVED,
            reviewed_by=2,
            reviewed_at=LATER,
            updated_at=LATER,
        )
        await uow.tutors.update(changed)
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.tutors.get(profile.id), changed)


async def test_tutor_subjects_must_differ_case_insensitively(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1))
        with pytest.raises(ValueError, match="duplicate subjects"):
            await uow.tutors.add(tutor_profile(1, subjects=["Maths", "MATHS"]))


async def test_tutor_status_changes_only_from_the_expected_status(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(1))
        profile = await uow.tutors.add(tutor_profile(1))
        await uow.commit()

    async with uow_factory() as uow:
        # The reviewer is an admin's Telegram id; admins need not have a user row.
        assert await uow.tutors.set_status_if(profile.id, TutorStatus.PENDING, TutorStatus.APPROVED, 99, LATER)
        assert not await uow.tutors.set_status_if(
            profile.id, TutorStatus.PENDING, TutorStatus.REJECTED, 99, LATER + timedelta(hours=1)
        )
        assert not await uow.tutors.set_status_if(404, TutorStatus.PENDING, TutorStatus.APPROVED, 99, LATER)
        await uow.commit()

    async with uow_factory() as uow:
        got = await uow.tutors.get(profile.id)
    assert got is not None
    assert got.status is TutorStatus.APPROVED
    assert got.reviewed_by == 99
    assert got.reviewed_at == LATER
    assert got.updated_at == LATER
    assert got.subjects == profile.subjects


async def test_slots(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    start = NOW + timedelta(days=3)
    async with uow_factory() as uow:
        group = await uow.slots.add(
            slot(world.tutor.id, start, 90, session_type=SessionType.GROUP, capacity=5, seats_taken=2)
        )
        before = await uow.slots.add(slot(world.tutor.id, start - timedelta(hours=2), 60))
        after = await uow.slots.add(slot(world.tutor.id, start + timedelta(hours=2), 30))
        await uow.commit()

    async with uow_factory() as uow:
        got = await uow.slots.get(group.id)
        assert_round_trip(got, group)
        assert got is not None and got.seats_left == 3 and got.duration_minutes == 90
        assert await uow.slots.get(404) is None

        # `before` ends exactly when the window starts and `after` starts exactly when it ends.
        window = await uow.slots.list_for_tutor(world.tutor.id, start - timedelta(hours=1), start + timedelta(hours=2))
        assert [s.id for s in window] == [group.id]
        wide = await uow.slots.list_for_tutor(
            world.tutor.id, start - timedelta(minutes=61), start + timedelta(hours=2, minutes=1)
        )
        assert [s.id for s in wide] == [before.id, group.id, after.id]
        assert await uow.slots.list_for_tutor(world.tutor.id + 1, start - timedelta(days=9), start) == []


async def test_slot_constraints(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    bad = [
        slot(world.tutor.id, capacity=1, seats_taken=2),
        slot(world.tutor.id, capacity=0),
        slot(world.tutor.id, minutes=0),
        slot(world.tutor.id, seats_taken=-1),
    ]
    for candidate in bad:
        async with uow_factory() as uow:
            with pytest.raises(IntegrityError):
                await uow.slots.add(candidate)


async def test_sessions(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        assert_round_trip(await uow.sessions.get(world.session.id), world.session)
        assert_round_trip(await uow.sessions.get_by_slot(world.slot.id), world.session)
        assert await uow.sessions.get(404) is None
        assert await uow.sessions.get_by_slot(404) is None
        started = dataclasses.replace(
            world.session,
            status=SessionStatus.COMPLETED,
            channel_name="tb-s1-abc",
            started_at=NOW,
            completed_at=LATER,
            cancel_reason=None,
            updated_at=LATER,
        )
        await uow.sessions.update(started)
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.sessions.get(world.session.id), started)
        with pytest.raises(IntegrityError):  # one session per slot
            await uow.sessions.add(
                TeachingSession(slot_id=world.slot.id, tutor_id=world.tutor.id, created_at=NOW, updated_at=NOW)
            )


async def test_participants(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory, capacity=3)
    first, second = world.students
    async with uow_factory() as uow:
        one = await uow.participants.add(participant(world.session.id, first.id, note="Chapter 3 please"))
        two = await uow.participants.add(
            participant(
                world.session.id,
                second.id,
                status=ParticipantStatus.BOOKED,
                hold_expires_at=None,
                booked_at=NOW,
                reminders_enabled=False,
            )
        )
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.participants.get(one.id), one)
        assert await uow.participants.get(404) is None
        listed = await uow.participants.list_for_session(world.session.id)
        assert [p.id for p in listed] == [one.id, two.id]
        assert_round_trip(listed[1], two)
        cancelled = dataclasses.replace(one, status=ParticipantStatus.CANCELLED, cancelled_at=LATER, updated_at=LATER)
        await uow.participants.update(cancelled)
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.participants.get(one.id), cancelled)
        assert await uow.participants.list_for_session(404) == []


async def test_payments(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        booking = await uow.participants.add(participant(world.session.id, world.students[0].id))
        payment = await uow.payments.add(
            Payment(
                participant_id=booking.id,
                amount_minor=4500,
                currency="EUR",
                checkout_session_id="cs_test_1",
                checkout_url="https://checkout.example/cs_test_1",
                provider_status="open",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.payments.get(payment.id), payment)
        assert_round_trip(await uow.payments.get_by_participant(booking.id), payment)
        assert await uow.payments.get(404) is None
        assert await uow.payments.get_by_participant(404) is None
        refunding = dataclasses.replace(
            payment,
            status=PaymentStatus.REFUND_PENDING,
            provider_status="complete",
            payment_intent_id="pi_1",
            refund_attempts=2,
            next_refund_attempt_at=LATER,
            last_error="card_declined",
            updated_at=LATER,
        )
        await uow.payments.update(refunding)
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.payments.get(payment.id), refunding)


async def test_attendance(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    student = world.students[0]
    async with uow_factory() as uow:
        second = await uow.attendance.add(
            Attendance(
                session_id=world.session.id,
                user_id=student.id,
                joined_at=NOW + timedelta(minutes=30),
                source=AttendanceSource.AGORA_WEBHOOK,
            )
        )
        first = await uow.attendance.add(
            Attendance(
                session_id=world.session.id, user_id=student.id, joined_at=NOW, left_at=NOW + timedelta(minutes=20)
            )
        )
        await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.attendance.list_for_session(world.session.id)
    assert [a.id for a in listed] == [first.id, second.id]  # by join time
    assert_round_trip(listed[0], first)
    assert_round_trip(listed[1], second)


async def test_session_files_are_listed_per_room(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        ann = await uow.participants.add(participant(world.session.id, world.students[0].id))
        bob = await uow.participants.add(
            participant(world.session.id, world.students[1].id, status=ParticipantStatus.CANCELLED)
        )

        async def shared(n: int, participant_id: int | None) -> SessionFile:
            return await uow.files.add(
                SessionFile(
                    session_id=world.session.id,
                    participant_id=participant_id,
                    uploader_id=world.tutor_user.id,
                    telegram_file_id=f"BQACAgIAAx{n}",
                    telegram_file_unique_id=f"AgAD{n}",
                    file_name=f"worksheet-{n}.pdf",
                    mime_type="application/pdf" if n else None,
                    size_bytes=5_000_000_000 if n else 0,
                    created_at=NOW,
                )
            )

        files = [await shared(0, ann.id), await shared(1, ann.id)]
        bobs = await shared(2, bob.id)
        whole = await shared(3, None)
        await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.files.list_for_session(world.session.id, ann.id)
        assert [f.id for f in await uow.files.list_for_session(world.session.id, bob.id)] == [bobs.id]
        assert [f.id for f in await uow.files.list_for_session(world.session.id, None)] == [whole.id]
    assert [f.id for f in listed] == [f.id for f in files]
    for got, expected in zip(listed, files, strict=True):
        assert_round_trip(got, expected)


async def test_conversations_and_messages(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        ann = await uow.participants.add(participant(world.session.id, world.students[0].id))
        bob = await uow.participants.add(
            participant(world.session.id, world.students[1].id, status=ParticipantStatus.CANCELLED)
        )
        conversation = await uow.conversations.add(
            Conversation(session_id=world.session.id, participant_id=ann.id, created_at=NOW)
        )
        earlier = await uow.conversations.add(
            Conversation(session_id=world.session.id, participant_id=bob.id, created_at=NOW)
        )
        messages = [
            await uow.chat_messages.add(
                ChatMessage(
                    conversation_id=conversation.id,
                    sender_id=world.tutor_user.id if n % 2 else world.students[0].id,
                    content=f"message {n} ✓",
                    created_at=NOW + timedelta(seconds=n),
                )
            )
            for n in range(5)
        ]
        await uow.commit()

    async with uow_factory() as uow:
        assert_round_trip(await uow.conversations.get_by_participant(ann.id), conversation)
        assert await uow.conversations.get_by_participant(404) is None
        assert [c.id for c in await uow.conversations.list_for_session(world.session.id)] == [
            conversation.id,
            earlier.id,
        ]
        latest = await uow.chat_messages.list_for_conversation(conversation.id, limit=3)
        assert [m.id for m in latest] == [m.id for m in messages[2:]]  # the latest three, oldest first
        for got, expected in zip(latest, messages[2:], strict=True):
            assert_round_trip(got, expected)
        assert len(await uow.chat_messages.list_for_conversation(conversation.id)) == 5
        # The page before the latest three: the two oldest.
        older = await uow.chat_messages.list_for_conversation(conversation.id, limit=3, before_id=messages[2].id)
        assert [m.id for m in older] == [m.id for m in messages[:2]]
        assert await uow.chat_messages.list_for_conversation(earlier.id) == []
        # Closing one participation's chat leaves the other open.
        await uow.conversations.close(world.session.id, NOW, participant_id=bob.id)
        assert (await uow.conversations.get_by_participant(bob.id)).closed_at == NOW  # type: ignore[union-attr]
        assert (await uow.conversations.get_by_participant(ann.id)).closed_at is None  # type: ignore[union-attr]
        with pytest.raises(IntegrityError):  # one conversation per participation
            await uow.conversations.add(
                Conversation(session_id=world.session.id, participant_id=ann.id, created_at=NOW)
            )


async def test_add_refuses_an_entity_that_has_an_id(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(ValueError, match="already has id"):
            await uow.slots.add(world.slot)


async def test_update_of_a_missing_row_raises(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = await build_world(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(LookupError):
            await uow.sessions.update(dataclasses.replace(world.session, id=404))
        with pytest.raises(LookupError):
            await uow.tutors.update(dataclasses.replace(world.tutor, id=404))
