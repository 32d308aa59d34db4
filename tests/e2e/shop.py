"""A running shop for end-to-end tests: the bot with Stripe configured against the fake Stripe, a clock
pinned to Friday 20 March 2026, 09:00 UTC, and helpers to set up tutors, students and bookings."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from app.wiring import TutorBot
from core.availability import SlotSpec
from core.entities import Slot
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionType
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from testkit import BotMessage, FakeTelegram, FakeUser, Typed
from testkit.clock import FixedClock
from testkit.people import add_person, add_tutor_profile
from testkit.stripe import FakeStripe
from tests.e2e.helpers import settle_background_dialog

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@dataclass
class Shop:
    app: TutorBot
    stripe: FakeStripe
    clock: FixedClock


async def person(app: TutorBot, user_id: int, name: str, zone: str, role: Role) -> None:
    services = app.components.services
    await add_person(services.uow_factory, services.clock, user_id, role=role, zone=zone, first_name=name)


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
    refund_policy: str | None = None,
    booking_notice_minutes: int = 0,
) -> Slot:
    services = app.components.services
    await person(app, user_id, name.split(maxsplit=1)[0], "Europe/Paris", Role.TUTOR)
    await add_tutor_profile(
        services.uow_factory,
        services.clock,
        BusinessRules(),
        user_id,
        rate=rate,
        display_name=name,
        subject=subject,
        notice_hours=notice_hours,
        refund_policy=refund_policy,
        booking_notice_minutes=booking_notice_minutes,
    )
    return await add_slot(
        services.uow_factory(),
        services.clock,
        BusinessRules(),
        user_id=user_id,
        spec=SlotSpec(day=day, start=start, minutes=60, session_type=session_type, capacity=capacity),
    )


async def onboard(user: FakeUser, zone: str, role_button: str, then: str) -> None:
    """/start, a typed zone and a role, as a new person does it."""
    await user.send("/start")
    await user.wait_for("Welcome")
    await user.send(zone)
    await user.wait_for("How will you use Tutorbot?")
    await user.press(role_button)
    await user.wait_for(then)


async def onboard_student(user: FakeUser, zone: str = "Europe/London") -> None:
    await onboard(user, zone, "🎓 I want to learn", "You're all set")


async def onboard_tutor(user: FakeUser, zone: str = "Europe/Paris") -> None:
    await onboard(user, zone, "🧑‍🏫 I teach", "Your tutor profile: step 1")


async def grace_and_a_group(
    app: TutorBot, telegram: FakeTelegram, tutor_id: int, *, rate: int, students: int
) -> tuple[Slot, FakeUser, list[FakeUser]]:
    """Grace Hopper's COBOL group of 3 on Monday at 16:00 in Paris, and `students` people S0, S1, ... in
    Paris (ids tutor_id + 9, + 10, ...), not yet booked; the slot, Grace and the students."""
    slot = await tutor_with_slot(
        app, tutor_id, "Grace Hopper", rate=rate, session_type=SessionType.GROUP, capacity=3, subject="COBOL"
    )
    people = []
    for index in range(students):
        user_id = tutor_id + 9 + index
        await person(app, user_id, f"S{index}", "Europe/Paris", Role.STUDENT)
        people.append(telegram.user(user_id, f"S{index}"))
    return slot, telegram.user(tutor_id, "Grace"), people


async def finish_profile_in_euros(
    tutor: FakeUser, rate: str, buffer: str, notice: str, booking_notice: str = "Until the start"
) -> BotMessage:
    """The tutor form from its currency step: euros, `rate` typed, the zone kept, a break, a cancellation
    policy and a booking notice picked; returns the summary to save."""
    return await tutor.walk(
        ("EUR", "your hourly rate in EUR?"),
        (Typed(rate), "the time zone of your lessons"),
        ("✅ Keep it", "how long a break"),
        (buffer, "until when may students cancel"),
        (notice, "how long before a start may students still book"),
        (booking_notice, "Your tutor profile\n"),
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


async def hold_a_seat(
    shop: Shop, telegram: FakeTelegram, tutor_id: int, tutor: str, subject: str, student_name: str
) -> tuple[FakeUser, str]:
    """A tutor in Paris with Monday's 16:00 slot at €60, and a student (the next id) who books it and is
    sent to pay; the student and the Checkout Session."""
    await tutor_with_slot(shop.app, tutor_id, tutor, subject=subject)
    await person(shop.app, tutor_id + 1, student_name, "Europe/Paris", Role.STUDENT)
    student = telegram.user(tutor_id + 1, student_name)
    await open_slot(student, f"{subject} (1)", tutor, "•23", "16:00–17:00 · 1-to-1 · €60.00")
    await student.press("✅ Book")
    await student.wait_for("Your seat is held for")
    [session_id] = list(shop.stripe.sessions)
    return student, session_id


async def booking_state(app: TutorBot, user_id: int) -> list[tuple[ParticipantStatus, PaymentStatus | None]]:
    async with app.components.services.uow_factory() as uow:
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
        parts.services.uow_factory,
        parts.services.clock,
        BusinessRules(),
        parts.gateway,
        lambda p: f"https://t.me/b?start=paid_{p}",
        user_id=student_id,
        slot_id=slot_id,
    )
    return result.participant.id


async def choose_time(
    student: FakeUser, *, question: str, subject_button: str, tutor: str, day_button: str, time_prefix: str
) -> None:
    """/book, a subject, a tutor, a day and the time whose label starts with `time_prefix`, in whatever
    language the student reads (`question` is the subject question in it); the confirmation screen follows."""
    await student.send("/book")
    await student.wait_for(question)
    await student.press(subject_button)
    await student.wait_for(tutor)
    await student.press(f"🧑‍🏫 {tutor}")
    await student.wait_for(lambda m: day_button in m.button_labels)
    await student.press(day_button)
    day = await student.wait_for(lambda m: any(label.startswith(time_prefix) for label in m.button_labels))
    await student.press(next(label for label in day.button_labels if label.startswith(time_prefix)))
