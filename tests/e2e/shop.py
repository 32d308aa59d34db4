"""A running shop for end-to-end tests: the bot with Stripe configured against the fake Stripe, a clock
pinned to Friday 20 March 2026, 09:00 UTC, and helpers to set up tutors, students and bookings."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from app.wiring import TutorBot
from core.availability import SlotSpec
from core.entities import Slot
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionType
from core.rules import BusinessRules
from core.usecases.accounts import register_user, set_role, set_timezone
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.tutor_profiles import ProfileDraft, save_tutor_profile
from testkit import BotMessage, FakeUser
from testkit.clock import FixedClock
from testkit.stripe import FakeStripe
from tests.e2e.helpers import settle_background_dialog

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@dataclass
class Shop:
    app: TutorBot
    stripe: FakeStripe
    clock: FixedClock


async def person(app: TutorBot, user_id: int, name: str, zone: str, role: Role) -> None:
    parts = app.components
    await register_user(
        parts.uow_factory(),
        parts.clock,
        user_id=user_id,
        first_name=name,
        username=None,
        telegram_language="en",
        default_language="en",
    )
    await set_timezone(parts.uow_factory(), parts.clock, user_id=user_id, zone=zone)
    await set_role(parts.uow_factory(), parts.clock, user_id=user_id, role=role)


async def tutor_with_slot(
    app: TutorBot,
    user_id: int,
    name: str,
    *,
    rate: int = 6000,
    day: date = date(2026, 3, 23),
    start: time = time(16),
    session_type: SessionType = SessionType.ONE_TO_ONE,
    capacity: int = 1,
    subject: str = "Physics",
    notice_hours: int = 0,
) -> Slot:
    parts = app.components
    await person(app, user_id, name.split(maxsplit=1)[0], "Europe/Paris", Role.TUTOR)
    await save_tutor_profile(
        parts.uow_factory(),
        parts.clock,
        BusinessRules(),
        user_id=user_id,
        draft=ProfileDraft(
            display_name=name,
            subjects=[subject],
            hourly_rate_minor=rate,
            currency="EUR",
            timezone="Europe/Paris",
            buffer_minutes=0,
            cancellation_notice_hours=notice_hours,
        ),
    )
    return await add_slot(
        parts.uow_factory(),
        parts.clock,
        BusinessRules(),
        user_id=user_id,
        spec=SlotSpec(day=day, start=start, minutes=60, session_type=session_type, capacity=capacity),
    )


async def open_calendar(student: FakeUser, subject_button: str, tutor: str) -> BotMessage:
    """/book, a subject, a tutor: the tutor's calendar."""
    await student.send("/book")
    await student.wait_for("Which subject?", new_only=True)
    await student.press(subject_button)
    await student.wait_for(tutor)
    await student.press(f"🧑‍🏫 {tutor}")
    return await student.wait_for("Pick a day")


async def open_slot(student: FakeUser, subject_button: str, tutor: str, day_button: str, slot_button: str) -> None:
    await open_calendar(student, subject_button, tutor)
    await student.press(day_button)
    await student.wait_for("Pick one:")
    await student.press(slot_button)
    await student.wait_for("Your booking")


async def booking_state(app: TutorBot, user_id: int) -> list[tuple[ParticipantStatus, PaymentStatus | None]]:
    async with app.components.uow_factory() as uow:
        bookings = await uow.participants.list_bookings(user_id, NOW)
    return [(b.participant.status, b.payment.status if b.payment else None) for b in bookings]


async def tutor_cancels_session(tutor: FakeUser, when: str, reason: str) -> BotMessage:
    """From /sessions, with a reason; returns the confirmation screen (after "Cancel and refund")."""
    await tutor.send("/sessions")
    await tutor.wait_for("Your upcoming sessions")
    await tutor.press(f"✖️ Cancel {when}")
    await tutor.wait_for("Type the reason")
    await settle_background_dialog()
    await tutor.send(reason)
    await tutor.wait_for(f"Reason: {reason}")
    await tutor.press("✅ Cancel and refund")
    return await tutor.wait_for("The session is cancelled")


async def student_cancels_booking(student: FakeUser, when: str) -> BotMessage:
    """From /mybookings, confirmed; returns the "Cancelled." answer."""
    await student.send("/mybookings")
    listing = await student.wait_for("Upcoming")
    await student.press(f"✖️ Cancel {when}", message=listing)
    await student.wait_for("Cancel your session of")
    await student.press("✅ Yes, cancel")
    return await student.wait_for("✅ Cancelled.")


async def enrol(app: TutorBot, student_id: int, slot_id: int) -> int:
    parts = app.components
    result = await book_slot(
        parts.uow_factory,
        parts.clock,
        BusinessRules(),
        parts.gateway,
        lambda p: f"https://t.me/b?start=paid_{p}",
        user_id=student_id,
        slot_id=slot_id,
    )
    return result.participant.id
