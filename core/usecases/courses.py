"""Courses: defining one (a tutor's own, or the school's by an admin), the tutors who teach it, the
enrollment (buying its package: `core.usecases.purchases.buy_package`), booking a session for it, and the
"Schedule later" reminders. See `core.courses`."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.courses import MAX_TUTORS, Course, CourseView, Enrollment, check_reminder_days
from core.entities import Slot, TutorProfile, User
from core.enums import PurchaseStatus, TutorStatus
from core.errors import Forbidden, NotFound, ValidationError
from core.notifications import CourseScheduleReminder
from core.packages import Balance, Package, PackageSpec, checked_spec, credit_refusal, offer_of
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.tutor_profile_rules import parse_subjects
from core.usecases.browsing import list_tutors
from core.usecases.outbox import notify


async def define_course(
    uow: UnitOfWork,
    clock: Clock,
    rules: BusinessRules,
    *,
    user_id: int,
    spec: PackageSpec,
    subject: str,
    reminder_days: int,
    school: bool = False,
) -> CourseView:
    """A tutor's course, taught by them in their currency, or (`school`, admins only) one the admin then
    gives tutors to. `spec` is what an enrollment buys: its name is the title, its lessons the sessions."""
    spec = checked_spec(spec)
    reminder_days = check_reminder_days(reminder_days)
    now = clock.now()
    async with uow:
        if school:
            if not rules.is_admin(user_id):
                raise Forbidden("package.admin_only")
            tutor_ids: list[int] = []
            tutor_id, currency = None, spec.currency
            subjects = parse_subjects(subject)
            if len(subjects) != 1:
                raise ValidationError("course.one_subject")
            subject = subjects[0]
        else:
            tutor = await uow.tutors.get_by_user(user_id)
            if tutor is None:
                raise NotFound("tutor.no_profile")
            if subject not in tutor.subjects:
                raise ValidationError("course.bad_subject")
            tutor_ids, tutor_id, currency = [tutor.id], tutor.id, tutor.currency
        package = await uow.packages.add(
            Package(
                **{**offer_of(spec), "currency": currency},
                tutor_id=tutor_id,
                created_by=user_id,
                created_at=now,
            )
        )
        course = await uow.courses.add(
            Course(
                package_id=package.id, subject=subject, reminder_days=reminder_days, created_by=user_id, created_at=now
            ),
            tutor_ids,
        )
        await uow.commit()
    return CourseView(course, package, tuple(tutor_ids))


async def _may_manage(uow: UnitOfWork, rules: BusinessRules, user_id: int, view: CourseView) -> bool:
    """The tutor who created the course, or an admin."""
    if rules.is_admin(user_id):
        return True
    tutor = await uow.tutors.get_by_user(user_id)
    return tutor is not None and view.package.tutor_id == tutor.id


async def add_course_tutor(
    uow: UnitOfWork, rules: BusinessRules, *, user_id: int, course_id: int, tutor_id: int
) -> CourseView:
    """Another approved tutor teaches the course (its creator or an admin decides)."""
    async with uow:
        view = await uow.courses.get(course_id)
        if view is None or not await _may_manage(uow, rules, user_id, view):
            raise NotFound("course.not_found")
        tutor = await uow.tutors.get(tutor_id)
        if tutor is None or tutor.status is not TutorStatus.APPROVED:
            raise NotFound("tutor.not_found")
        if tutor.currency != view.package.currency:
            raise ValidationError("course.other_currency")
        if tutor_id not in view.tutor_ids and len(view.tutor_ids) >= MAX_TUTORS:
            raise ValidationError("course.too_many_tutors", max=MAX_TUTORS)
        await uow.courses.add_tutor(course_id, tutor_id)
        await uow.commit()
    return replace(view, tutor_ids=tuple(dict.fromkeys([*view.tutor_ids, tutor_id])))


async def courses_on_sale(uow: UnitOfWork) -> list[CourseView]:
    """What a student can enroll in: active courses taught by at least one approved tutor."""
    async with uow:
        views = await uow.courses.on_sale()
        approved = []
        for view in views:
            tutors = [await uow.tutors.get(tutor_id) for tutor_id in view.tutor_ids]
            if any(t is not None and t.status is TutorStatus.APPROVED for t in tutors):
                approved.append(view)
    return approved


async def course_tutors(uow: UnitOfWork, *, course_id: int) -> list[int]:
    """The approved tutors of a course, by the order they joined it (the booking screen lists them)."""
    async with uow:
        view = await uow.courses.get(course_id)
        if view is None:
            raise NotFound("course.not_found")
        tutors = [await uow.tutors.get(tutor_id) for tutor_id in view.tutor_ids]
    return [t.id for t in tutors if t is not None and t.status is TutorStatus.APPROVED]


@dataclass(frozen=True, slots=True)
class CourseCard:
    view: CourseView
    tutor_names: tuple[str, ...]
    enrollment: Enrollment | None


async def course_card(uow: UnitOfWork, clock: Clock, *, user_id: int, course_id: int) -> CourseCard:
    """A course as a student sees it, with their enrollment in it if they have one."""
    now = clock.now()
    async with uow:
        view = await uow.courses.get(course_id)
        if view is None or not view.package.active:
            raise NotFound("course.not_found")
        tutors = [await uow.tutors.get(tutor_id) for tutor_id in view.tutor_ids]
        balances = await uow.credits.balances(user_id)
    names = tuple(t.display_name for t in tutors if t is not None and t.status is TutorStatus.APPROVED)
    return CourseCard(view, names, _enrollment(view, balances, now))


def _enrollment(view: CourseView, balances: list[Balance], now: datetime) -> Enrollment | None:
    """The student's enrollment in the course still in force, with sessions left: the soonest to expire."""
    for balance in balances:
        purchase = balance.purchase
        if purchase.course_id != view.course.id or purchase.expires_at is None or purchase.expires_at <= now:
            continue
        if balance.left > 0:
            return Enrollment(view, balance)
    return None


async def enrollment_for_booking(
    uow: UnitOfWork, clock: Clock, *, user_id: int, course_id: int, slot: Slot | None = None
) -> Enrollment:
    """The enrollment a session booked for this course spends one session of; "You must be enrolled"
    (course.not_enrolled) when there is none, or why this slot cannot be booked for the course."""
    now = clock.now()
    async with uow:
        view = await uow.courses.get(course_id)
        if view is None:
            raise NotFound("course.not_found")
        enrollment = _enrollment(view, await uow.credits.balances(user_id), now)
        if enrollment is None:
            raise ValidationError("course.not_enrolled")
        if slot is not None:
            tutor = await uow.tutors.get(slot.tutor_id)
            if tutor is None:
                raise NotFound("tutor.not_found")
            purchase, left = enrollment.balance.purchase, enrollment.balance.left
            refused = credit_refusal(purchase, left, tutor, slot, now, frozenset(view.tutor_ids))
            if refused is not None:
                raise ValidationError("course.other_tutor" if refused == "credit.other_tutor" else refused)
    return enrollment


async def my_enrollments(uow: UnitOfWork, clock: Clock, *, user_id: int) -> list[Enrollment]:
    now = clock.now()
    async with uow:
        balances = await uow.credits.balances(user_id)
        enrollments = []
        for balance in balances:
            course_id = balance.purchase.course_id
            if course_id is None or balance.left <= 0:
                continue
            expires_at = balance.purchase.expires_at
            view = await uow.courses.get(course_id)
            if view is not None and expires_at is not None and expires_at > now:
                enrollments.append(Enrollment(view, balance))
    return enrollments


@dataclass(frozen=True, slots=True)
class TaughtCourse:
    view: CourseView
    # The students enrolled who have no session booked ahead, with what they have left.
    unscheduled: tuple[tuple[User, Balance], ...]
    tutor_names: tuple[str, ...] = ()
    # The tutor looking may add tutors to it (they created it).
    manageable: bool = False


# The students listed per course on the tutor's screen: enough to act on, short enough for one message.
MAX_UNSCHEDULED_SHOWN = 10


async def taught_courses(uow: UnitOfWork, clock: Clock, *, user_id: int) -> list[TaughtCourse]:
    """The courses a tutor teaches, each with its enrolled students who have not scheduled a session."""
    now = clock.now()
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        if tutor is None:
            raise NotFound("tutor.no_profile")
        return [
            await _overview(uow, view, now, manageable=view.package.tutor_id == tutor.id)
            for view in await uow.courses.on_sale(tutor.id)
        ]


async def school_courses(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int) -> list[TaughtCourse]:
    """The school's courses (no tutor of their own), for an admin, who gives them their tutors."""
    if not rules.is_admin(user_id):
        raise Forbidden("package.admin_only")
    now = clock.now()
    async with uow:
        return [
            await _overview(uow, view, now, manageable=True)
            for view in await uow.courses.on_sale()
            if view.package.tutor_id is None
        ]


async def _overview(uow: UnitOfWork, view: CourseView, now: datetime, *, manageable: bool) -> TaughtCourse:
    waiting = []
    for balance in await uow.courses.unscheduled(view.course.id, now, MAX_UNSCHEDULED_SHOWN):
        student = await uow.users.get(balance.purchase.user_id)
        if student is not None:
            waiting.append((student, balance))
    teachers = [await uow.tutors.get(tutor_id) for tutor_id in view.tutor_ids]
    names = tuple(t.display_name for t in teachers if t is not None)
    return TaughtCourse(view, tuple(waiting), names, manageable)


# Tutors offered when adding one to a course: those of its subject, one screen's worth.
MAX_CANDIDATES = 20


async def tutors_who_could_teach(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, *, user_id: int, course_id: int
) -> tuple[CourseView, list[TutorProfile]]:
    """The approved tutors of the course's subject and currency who do not teach it yet, for its creator
    (or an admin) to add; anyone else finds no course."""
    async with uow_factory() as uow:
        view = await uow.courses.get(course_id)
        if view is None or not await _may_manage(uow, rules, user_id, view):
            raise NotFound("course.not_found")
    listed = await list_tutors(
        uow_factory(), clock, rules, subject=view.course.subject, per_page=MAX_CANDIDATES + len(view.tutor_ids)
    )
    candidates = [
        card.tutor
        for card in listed.cards
        if card.tutor.id not in view.tutor_ids and card.tutor.currency == view.package.currency
    ]
    return view, candidates[:MAX_CANDIDATES]


async def remind_unscheduled(uow_factory: UnitOfWorkFactory, clock: Clock, *, batch: int = 200) -> int:
    """ "Schedule later": every student enrolled with nothing booked ahead is reminded once every
    `reminder_days` days (counted from the enrollment, then from the last reminder) until they book."""
    now = clock.now()
    sent = 0
    async with uow_factory() as uow:
        courses: dict[int, CourseView | None] = {}
        for balance in await uow.courses.unscheduled(None, now, batch):
            purchase = balance.purchase
            assert purchase.course_id is not None and purchase.expires_at is not None
            if purchase.course_id not in courses:
                courses[purchase.course_id] = await uow.courses.get(purchase.course_id)
            view = courses[purchase.course_id]
            since = purchase.nudged_at or purchase.paid_at
            if view is None or since is None or since + timedelta(days=view.course.reminder_days) > now:
                continue
            reminder = CourseScheduleReminder(
                course_id=view.course.id,
                course_title=purchase.name,
                left=balance.left,
                sessions=purchase.lessons,
                expires_at=purchase.expires_at,
            )
            await notify(uow, purchase.user_id, reminder, f"course-reminder:{purchase.id}:{now.date()}", now)
            await uow.purchases.update_if(replace(purchase, nudged_at=now, updated_at=now), PurchaseStatus.PAID)
            sent += 1
        await uow.commit()
    return sent
