"""Courses: a tutor's course, enrolled in through the fake Stripe (the real SDK over HTTP), its sessions
booked for it only with its tutors ("Session 2 of 8"), and "Schedule later" reminders that stop once the
student books."""

from datetime import date, time

import pytest

from core.availability import SlotSpec
from core.enums import Role, SessionType
from core.errors import Forbidden, NotFound, ValidationError
from core.notifications import NotificationKind
from core.packages import PackageSpec
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.courses import (
    add_course_tutor,
    course_card,
    courses_on_sale,
    define_course,
    enrollment_for_booking,
    remind_unscheduled,
    school_courses,
    taught_courses,
)
from core.usecases.families import accept_invite, invite_child
from core.usecases.packages import my_balances, packages_on_sale, usable_credit
from core.usecases.purchases import buy_package, check_purchase
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_person, add_tutor_profile
from testkit.stripe import FakeStripe
from tests.usecases.test_credit_refunds import kinds_for
from tests.usecases.test_packages import ANN, BOB, RETURN, RULES, TUTOR, link, slots

ALGEBRA = PackageSpec(
    name="Algebra I", lessons=8, lesson_minutes=60, price_minor=40000, currency="EUR", validity_days=180
)
OTHER_TUTOR = 5


async def enrolled(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway, course_id: int
) -> int:
    """Ann enrolls and pays; the enrollment's purchase id."""
    async with uow_factory() as uow:
        view = await uow.courses.get(course_id)
    assert view is not None
    started = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=view.package.id)
    await stripe.pay(started.purchase.checkout_session_id or "", deliver=False)
    paid = await check_purchase(uow_factory, clock, RULES, gateway, user_id=ANN, purchase_id=started.purchase.id)
    assert paid.course_id == course_id
    return paid.id


async def test_a_course_is_enrolled_in_and_its_sessions_booked_with_its_tutors_only(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    [slot] = await slots(uow_factory, clock, 1)
    with pytest.raises(ValidationError) as refused:
        await define_course(
            uow_factory(), clock, RULES, user_id=TUTOR, spec=ALGEBRA, subject="Cooking", reminder_days=3
        )
    assert refused.value.code == "course.bad_subject"
    course = await define_course(
        uow_factory(), clock, RULES, user_id=TUTOR, spec=ALGEBRA, subject="Maths", reminder_days=3
    )
    # Sold as a course, not with the packages.
    assert [c.title for c in await courses_on_sale(uow_factory())] == ["Algebra I"]
    assert await packages_on_sale(uow_factory(), tutor_id=course.package.tutor_id or 0) == []
    with pytest.raises(ValidationError) as not_enrolled:
        await enrollment_for_booking(uow_factory(), clock, user_id=ANN, course_id=course.course.id, slot=slot)
    assert not_enrolled.value.code == "course.not_enrolled"

    purchase = await enrolled(uow_factory, clock, stripe, gateway, course.course.id)
    assert NotificationKind.COURSE_ENROLLED in await kinds_for(uow_factory, ANN)
    enrollment = await enrollment_for_booking(uow_factory(), clock, user_id=ANN, course_id=course.course.id, slot=slot)
    assert (enrollment.next_session, enrollment.balance.left) == (1, 8)
    # An ordinary booking never spends a course's sessions.
    assert await usable_credit(uow_factory(), clock, user_id=ANN, slot=slot) is None
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot.id, credit_from=purchase)
    card = await course_card(uow_factory(), clock, user_id=ANN, course_id=course.course.id)
    assert card.enrollment is not None and (card.enrollment.next_session, card.enrollment.balance.left) == (2, 7)
    assert card.tutor_names == ("Tutor",)
    # Bob is not enrolled: the card offers him nothing to book with.
    assert (await course_card(uow_factory(), clock, user_id=BOB, course_id=course.course.id)).enrollment is None

    # Another tutor's slot cannot be booked for the course until that tutor teaches it.
    await add_person(uow_factory, clock, OTHER_TUTOR, role=Role.TUTOR)
    # Approved at once (no admins in these rules).
    other = await add_tutor_profile(uow_factory, clock, BusinessRules(), OTHER_TUTOR, rate=5000, display_name="Emmy")
    spec = SlotSpec(day=date(2026, 3, 24), start=time(10), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1)
    theirs = await add_slot(uow_factory(), clock, RULES, user_id=OTHER_TUTOR, spec=spec)
    with pytest.raises(ValidationError) as elsewhere:
        await enrollment_for_booking(uow_factory(), clock, user_id=ANN, course_id=course.course.id, slot=theirs)
    assert elsewhere.value.code == "course.other_tutor"
    with pytest.raises(ValidationError):
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=theirs.id, credit_from=purchase)
    # Only the course's creator (or an admin) adds a tutor; a student's attempt is a missing course.
    with pytest.raises(NotFound):
        await add_course_tutor(uow_factory(), RULES, user_id=ANN, course_id=course.course.id, tutor_id=other)
    await add_course_tutor(uow_factory(), RULES, user_id=TUTOR, course_id=course.course.id, tutor_id=other)
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=theirs.id, credit_from=purchase)
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [6]


async def test_schedule_later_reminds_every_few_days_until_the_student_books(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    course = await define_course(
        uow_factory(), clock, RULES, user_id=TUTOR, spec=ALGEBRA, subject="Maths", reminder_days=3
    )
    purchase = await enrolled(uow_factory, clock, stripe, gateway, course.course.id)
    [taught] = await taught_courses(uow_factory(), clock, user_id=TUTOR)
    assert [student.id for student, _ in taught.unscheduled] == [ANN]
    clock.advance(days=2)
    assert await remind_unscheduled(uow_factory, clock) == 0
    clock.advance(days=1)
    assert await remind_unscheduled(uow_factory, clock) == 1
    assert await remind_unscheduled(uow_factory, clock) == 0
    clock.advance(days=3)
    assert await remind_unscheduled(uow_factory, clock) == 1
    assert (await kinds_for(uow_factory, ANN)).count(NotificationKind.COURSE_SCHEDULE_REMINDER) == 2
    # She books a session (a week ahead): no more reminders, and the tutor no longer lists her.
    spec = SlotSpec(day=date(2026, 4, 6), start=time(16), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1)
    ahead = await add_slot(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec)
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=ahead.id, credit_from=purchase)
    clock.advance(days=3)
    assert await remind_unscheduled(uow_factory, clock) == 0
    [taught] = await taught_courses(uow_factory(), clock, user_id=TUTOR)
    assert taught.unscheduled == ()
    # Once that session is over with nothing booked after it, the reminders start again.
    clock.advance(days=14)
    assert await remind_unscheduled(uow_factory, clock) == 1


async def test_a_parent_enrolled_books_the_course_sessions_for_a_child(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    [slot] = await slots(uow_factory, clock, 1)
    course = await define_course(
        uow_factory(), clock, RULES, user_id=TUTOR, spec=ALGEBRA, subject="Maths", reminder_days=3
    )
    # Ann is the parent here; Bob, her son, accepted her invite.
    purchase = await enrolled(uow_factory, clock, stripe, gateway, course.course.id)
    invite = await invite_child(uow_factory(), clock, parent_id=ANN, name="Bob")
    assert invite.invite_token is not None
    await accept_invite(uow_factory(), clock, user_id=BOB, token=invite.invite_token)
    # Bob cannot spend his mother's enrollment by himself.
    with pytest.raises(NotFound):
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=slot.id, credit_from=purchase)
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot.id, student_id=BOB, credit_from=purchase
    )
    assert (booked.participant.user_id, booked.confirmed) == (BOB, True)
    card = await course_card(uow_factory(), clock, user_id=ANN, course_id=course.course.id)
    assert card.enrollment is not None and card.enrollment.next_session == 2


async def test_only_an_admin_opens_and_lists_the_schools_courses(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    await slots(uow_factory, clock, 1)
    await add_person(uow_factory, clock, 99, role=Role.STUDENT)
    with pytest.raises(Forbidden):
        await define_course(
            uow_factory(), clock, RULES, user_id=TUTOR, spec=ALGEBRA, subject="Maths", reminder_days=3, school=True
        )
    with pytest.raises(ValidationError) as two:
        await define_course(
            uow_factory(),
            clock,
            RULES,
            user_id=99,
            spec=ALGEBRA,
            subject="Maths, Physics",
            reminder_days=3,
            school=True,
        )
    assert two.value.code == "course.one_subject"
    school = await define_course(
        uow_factory(), clock, RULES, user_id=99, spec=ALGEBRA, subject="Maths", reminder_days=3, school=True
    )
    with pytest.raises(Forbidden):
        await school_courses(uow_factory(), clock, RULES, user_id=TUTOR)
    [listed] = await school_courses(uow_factory(), clock, RULES, user_id=99)
    assert (listed.view.course.id, listed.view.tutor_ids, listed.manageable) == (school.course.id, (), True)
    # Nobody teaches it yet, so students are not offered it; once the admin adds a tutor, they are.
    assert await courses_on_sale(uow_factory()) == []
    async with uow_factory() as uow:
        tutor = await uow.tutors.get_by_user(TUTOR)
    assert tutor is not None
    await add_course_tutor(uow_factory(), RULES, user_id=99, course_id=school.course.id, tutor_id=tutor.id)
    assert [c.title for c in await courses_on_sale(uow_factory())] == ["Algebra I"]
