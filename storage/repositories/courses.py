"""Courses with their package and tutors, and the enrollments that have not scheduled a session."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, insert, select

from core.courses import Course, CourseView
from core.enums import CreditReason, ParticipantStatus, PurchaseStatus
from core.packages import Balance
from storage.repositories._common import TableRepository, prefixed_columns, unprefixed
from storage.repositories._stored import COURSES, PACKAGES, PURCHASES
from storage.tables import (
    course_tutors,
    courses,
    credit_entries,
    package_purchases,
    packages,
    participants,
    sessions,
    slots,
)

_LEFT = func.coalesce(func.sum(credit_entries.c.delta), 0)


class SqlCourseRepository(TableRepository[Course]):
    stored = COURSES

    async def add(self, course: Course, tutor_ids: Sequence[int]) -> Course:
        course = await self._insert(course)
        for position, tutor_id in enumerate(tutor_ids):
            await self._conn.execute(
                insert(course_tutors).values(course_id=course.id, tutor_id=tutor_id, position=position)
            )
        return course

    async def add_tutor(self, course_id: int, tutor_id: int) -> bool:
        """Add a tutor who teaches the course; False if they already do."""
        if tutor_id in await self.tutor_ids(course_id):
            return False
        position = (
            await self._conn.execute(
                select(func.coalesce(func.max(course_tutors.c.position), -1) + 1).where(
                    course_tutors.c.course_id == course_id
                )
            )
        ).scalar_one()
        await self._conn.execute(
            insert(course_tutors).values(course_id=course_id, tutor_id=tutor_id, position=position)
        )
        return True

    async def tutor_ids(self, course_id: int) -> tuple[int, ...]:
        rows = await self._conn.execute(
            select(course_tutors.c.tutor_id)
            .where(course_tutors.c.course_id == course_id)
            .order_by(course_tutors.c.position)
        )
        return tuple(int(row[0]) for row in rows)

    async def get(self, course_id: int) -> CourseView | None:
        views = await self._views(courses.c.id == course_id)
        return views[0] if views else None

    async def by_package(self, package_id: int) -> CourseView | None:
        views = await self._views(courses.c.package_id == package_id)
        return views[0] if views else None

    async def on_sale(self, tutor_id: int | None = None) -> list[CourseView]:
        """Courses whose package is active, by title; only those `tutor_id` teaches when given."""
        condition: ColumnElement[bool] = packages.c.active.is_(True)
        if tutor_id is not None:
            taught = select(course_tutors.c.course_id).where(course_tutors.c.tutor_id == tutor_id)
            condition = and_(condition, courses.c.id.in_(taught))
        return await self._views(condition)

    async def _views(self, condition: ColumnElement[bool]) -> list[CourseView]:
        query = (
            select(*prefixed_columns(courses, "c"), *prefixed_columns(packages, "p"))
            .select_from(courses.join(packages, packages.c.id == courses.c.package_id))
            .where(condition)
            .order_by(packages.c.name, courses.c.id)
        )
        rows = (await self._conn.execute(query)).mappings().all()
        views = []
        for row in rows:
            package = PACKAGES.entity(unprefixed(row, "p"))
            course = COURSES.entity(unprefixed(row, "c"))
            views.append(CourseView(course, package, await self.tutor_ids(course.id)))
        return views

    async def unscheduled(self, course_id: int | None, now: datetime, limit: int) -> list[Balance]:
        """Paid, unexpired enrollments (of one course, or of every course) with sessions left and none
        booked ahead: the students who have yet to schedule, the longest-waiting first."""
        booked_ahead = (
            select(credit_entries.c.id)
            .select_from(
                credit_entries.join(participants, participants.c.id == credit_entries.c.participant_id)
                .join(sessions, sessions.c.id == participants.c.session_id)
                .join(slots, slots.c.id == sessions.c.slot_id)
            )
            .where(
                credit_entries.c.purchase_id == package_purchases.c.id,
                credit_entries.c.reason == CreditReason.SPEND.value,
                participants.c.status == ParticipantStatus.BOOKED.value,
                slots.c.ends_at > now,
            )
            .exists()
        )
        conditions = [
            package_purchases.c.course_id.is_not(None),
            package_purchases.c.status == PurchaseStatus.PAID.value,
            package_purchases.c.expires_at > now,
            ~booked_ahead,
        ]
        if course_id is not None:
            conditions.append(package_purchases.c.course_id == course_id)
        query = (
            select(package_purchases, _LEFT.label("left"))
            .select_from(
                package_purchases.outerjoin(credit_entries, credit_entries.c.purchase_id == package_purchases.c.id)
            )
            .where(*conditions)
            .group_by(*package_purchases.c)
            .having(_LEFT > 0)
            # The longest without a word first: enrolled and never reminded, or reminded long ago.
            .order_by(func.coalesce(package_purchases.c.nudged_at, package_purchases.c.paid_at), package_purchases.c.id)
            .limit(limit)
        )
        rows = (await self._conn.execute(query)).mappings().all()
        return [Balance(PURCHASES.entity(row), int(row["left"])) for row in rows]
