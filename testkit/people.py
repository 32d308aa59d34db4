"""People, tutor profiles and slots set up through the use cases, for tests and benchmarks."""

from datetime import date, time

from core.availability import SlotSpec
from core.clock import Clock
from core.entities import Slot
from core.enums import Role, SessionType
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.accounts import register_user, set_role, set_timezone
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.tutor_profiles import ProfileDraft, save_tutor_profile
from testkit.payments import InstantGateway

TUTOR = 1


async def add_person(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    user_id: int,
    *,
    role: Role,
    zone: str = "Europe/Paris",
    first_name: str | None = None,
) -> None:
    """Someone who has pressed /start, chosen a zone and a role, and speaks English."""
    await register_user(
        uow_factory(),
        clock,
        user_id=user_id,
        first_name=first_name or f"U{user_id}",
        username=None,
        telegram_language="en",
        default_language="en",
    )
    await set_timezone(uow_factory(), clock, user_id=user_id, zone=zone)
    await set_role(uow_factory(), clock, user_id=user_id, role=role)


async def add_tutor_profile(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    user_id: int,
    *,
    rate: int,
    zone: str = "Europe/Paris",
    display_name: str = "Tutor",
    subject: str = "Maths",
    currency: str = "EUR",
    buffer_minutes: int = 0,
    notice_hours: int = 0,
    refund_policy: str | None = None,
    booking_notice_minutes: int | None = 0,
) -> int:
    """A tutor of one subject charging `rate` minor units an hour, no buffer, cancellation notice or
    booking notice unless given (None: the operator's default); the profile's id. Called again, it
    changes the profile."""
    saved = await save_tutor_profile(
        uow_factory(),
        clock,
        rules,
        user_id=user_id,
        draft=ProfileDraft(
            display_name=display_name,
            subjects=[subject],
            hourly_rate_minor=rate,
            currency=currency,
            timezone=zone,
            buffer_minutes=buffer_minutes,
            cancellation_notice_hours=notice_hours,
            refund_policy=refund_policy,
            booking_notice_minutes=booking_notice_minutes,
        ),
    )
    return saved.profile.id


async def tutor_and_students(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    students: int,
    *,
    rate: int = 0,
    capacity: int = 1,
    day: date = date(2026, 3, 23),
    start: time = time(16),
    minutes: int = 60,
    zone: str = "Europe/Paris",
    booked: bool = False,
) -> Slot:
    """Tutor 1 in Paris (or `zone`) with one slot (Monday 23 March, 16:00 = 15:00 UTC); students 2, 3, ...,
    each with a seat on it when `booked` (paid at once)."""
    rules = BusinessRules()
    for user_id in range(1, students + 2):
        await add_person(uow_factory, clock, user_id, role=Role.TUTOR if user_id == TUTOR else Role.STUDENT, zone=zone)
    await add_tutor_profile(uow_factory, clock, rules, TUTOR, rate=rate, zone=zone)
    slot = await add_slot(
        uow_factory(),
        clock,
        rules,
        user_id=TUTOR,
        spec=SlotSpec(
            day=day,
            start=start,
            minutes=minutes,
            session_type=SessionType.GROUP if capacity > 1 else SessionType.ONE_TO_ONE,
            capacity=capacity,
        ),
    )
    for student in range(TUTOR + 1, students + 2) if booked else ():
        await book_slot(
            uow_factory, clock, rules, InstantGateway(), lambda p: f"paid_{p}", user_id=student, slot_id=slot.id
        )
    return slot
