"""A tutor with a slot and some students, set up through the use cases."""

from datetime import date, time

from core.availability import SlotSpec
from core.entities import Slot
from core.enums import Role, SessionType
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.accounts import register_user, set_role, set_timezone
from core.usecases.availability import add_slot
from core.usecases.tutor_profiles import ProfileDraft, save_tutor_profile
from testkit.clock import FixedClock

TUTOR = 1


async def tutor_and_students(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    students: int,
    *,
    rate: int = 0,
    capacity: int = 1,
    day: date = date(2026, 3, 23),
    start: time = time(16),
    zone: str = "Europe/Paris",
) -> Slot:
    """Tutor 1 in Paris (or `zone`) with one slot (Monday 23 March, 16:00 = 15:00 UTC); students 2, 3, ..."""
    rules = BusinessRules()
    for user_id in range(1, students + 2):
        await register_user(
            uow_factory(),
            clock,
            user_id=user_id,
            first_name=f"U{user_id}",
            username=None,
            telegram_language="en",
            default_language="en",
        )
        await set_timezone(uow_factory(), clock, user_id=user_id, zone=zone)
        await set_role(uow_factory(), clock, user_id=user_id, role=Role.TUTOR if user_id == TUTOR else Role.STUDENT)
    await save_tutor_profile(
        uow_factory(),
        clock,
        rules,
        user_id=TUTOR,
        draft=ProfileDraft(
            display_name="Tutor",
            subjects=["Maths"],
            hourly_rate_minor=rate,
            currency="EUR",
            timezone=zone,
            buffer_minutes=0,
            cancellation_notice_hours=0,
        ),
    )
    return await add_slot(
        uow_factory(),
        clock,
        rules,
        user_id=TUTOR,
        spec=SlotSpec(
            day=day,
            start=start,
            minutes=60,
            session_type=SessionType.GROUP if capacity > 1 else SessionType.ONE_TO_ONE,
            capacity=capacity,
        ),
    )
