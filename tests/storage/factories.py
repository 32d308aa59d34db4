"""Entity builders and assertions shared by the storage tests."""

import dataclasses
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from typing import Any

from core.entities import Participant, Payment, Slot, TeachingSession, TutorProfile, User, WeeklyPattern
from core.enums import ParticipantStatus, Role, SessionType, TutorStatus
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

# Microseconds included: they must survive the round trip.
NOW = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)


def user(user_id: int, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "id": user_id,
        "first_name": f"User {user_id}",
        "username": f"user{user_id}",
        "language": "en",
        "timezone": "Europe/Paris",
        "role": Role.STUDENT,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return User(**values)


def tutor_profile(user_id: int, **overrides: Any) -> TutorProfile:
    values: dict[str, Any] = {
        "user_id": user_id,
        "display_name": "Ada L.",
        "subjects": ["Mathematics", "Physics"],
        "hourly_rate_minor": 4500,
        "currency": "EUR",
        "timezone": "Europe/Paris",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return TutorProfile(**values)


def slot(tutor_id: int, start: datetime = NOW + timedelta(days=1), minutes: int = 60, **overrides: Any) -> Slot:
    values: dict[str, Any] = {
        "tutor_id": tutor_id,
        "starts_at": start,
        "ends_at": start + timedelta(minutes=minutes),
        "timezone": "Europe/Paris",
        "session_type": SessionType.ONE_TO_ONE,
        "capacity": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return Slot(**values)


def weekly_pattern(tutor_id: int, **overrides: Any) -> WeeklyPattern:
    values: dict[str, Any] = {
        "tutor_id": tutor_id,
        "weekdays": frozenset({0, 2}),
        "window_start": time(16, 0),
        "window_end": time(19, 0),
        "session_minutes": 60,
        "session_type": SessionType.ONE_TO_ONE,
        "capacity": 1,
        "timezone": "Europe/Paris",
        "created_at": NOW,
    }
    values.update(overrides)
    return WeeklyPattern(**values)


def participant(session_id: int, user_id: int, **overrides: Any) -> Participant:
    values: dict[str, Any] = {
        "session_id": session_id,
        "user_id": user_id,
        "status": ParticipantStatus.PENDING_PAYMENT,
        "hold_expires_at": NOW + timedelta(minutes=15),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return Participant(**values)


def payment(participant_id: int, **overrides: Any) -> Payment:
    values: dict[str, Any] = {
        "participant_id": participant_id,
        "amount_minor": 4500,
        "currency": "EUR",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return Payment(**values)


async def add_session(
    uow: SqlUnitOfWork, tutor_id: int, start: datetime, minutes: int = 60, **slot_overrides: Any
) -> tuple[Slot, TeachingSession]:
    """A slot of the tutor and its session."""
    the_slot = await uow.slots.add(slot(tutor_id, start, minutes, **slot_overrides))
    session = await uow.sessions.add(
        TeachingSession(slot_id=the_slot.id, tutor_id=tutor_id, created_at=NOW, updated_at=NOW)
    )
    return the_slot, session


@dataclasses.dataclass
class World:
    """A tutor with one slot and its session, and two students."""

    tutor_user: User
    tutor: TutorProfile
    slot: Slot
    session: TeachingSession
    students: list[User]


async def build_world(uow_factory: SqlUnitOfWorkFactory, *, capacity: int = 1) -> World:
    async with uow_factory() as uow:
        world = await add_world(uow, capacity=capacity)
        await uow.commit()
    return world


async def add_world(uow: SqlUnitOfWork, *, capacity: int = 1) -> World:
    tutor_user = user(1000, role=Role.TUTOR)
    students = [user(2001), user(2002)]
    for person in (tutor_user, *students):
        await uow.users.add(person)
    tutor = await uow.tutors.add(tutor_profile(tutor_user.id, status=TutorStatus.APPROVED))
    session_type = SessionType.GROUP if capacity > 1 else SessionType.ONE_TO_ONE
    the_slot = await uow.slots.add(slot(tutor.id, capacity=capacity, session_type=session_type))
    session = await uow.sessions.add(
        TeachingSession(slot_id=the_slot.id, tutor_id=tutor.id, created_at=NOW, updated_at=NOW)
    )
    return World(tutor_user=tutor_user, tutor=tutor, slot=the_slot, session=session, students=students)


def assert_round_trip(got: Any, expected: Any) -> None:
    """Equal field by field, with the same types (enums stay enums), and every datetime aware UTC."""
    assert got is not None
    assert got == expected
    for field in dataclasses.fields(expected):
        got_value = getattr(got, field.name)
        expected_value = getattr(expected, field.name)
        assert type(got_value) is type(expected_value), field.name
        if isinstance(expected_value, Enum):
            assert got_value is expected_value, field.name
        if isinstance(got_value, datetime):
            assert got_value.tzinfo is UTC, field.name
