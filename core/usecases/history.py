"""/history: the lessons that took place, with the tutor's notes and the student's rating. A student sees
their own and their children's; a tutor sees their students, then one student's lessons with them."""

from dataclasses import dataclass
from datetime import datetime

from core.entities import BookingView, User
from core.enums import FamilyLinkStatus
from core.errors import NotFound
from core.ports import UnitOfWork
from core.reviews import Review
from core.session_notes import SessionNote

MAX_ENTRIES = 20
MAX_STUDENTS = 30


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    booking: BookingView
    note: SessionNote | None
    review: Review | None


@dataclass(frozen=True, slots=True)
class StudentSummary:
    student: User
    lessons: int
    last_at: datetime


async def _entries(uow: UnitOfWork, bookings: list[BookingView]) -> list[HistoryEntry]:
    ids = [b.participant.id for b in bookings]
    notes = await uow.session_notes.for_participants(ids)
    reviews = await uow.reviews.for_participants(ids)
    return [HistoryEntry(b, notes.get(b.participant.id), reviews.get(b.participant.id)) for b in bookings]


async def my_history(
    uow: UnitOfWork, *, user_id: int, limit: int = MAX_ENTRIES
) -> tuple[list[HistoryEntry], dict[int, str]]:
    """The person's past lessons and their children's, the latest first, and the children's names by id."""
    async with uow:
        links = [
            link
            for link in await uow.families.of_parent(user_id)
            if link.status is FamilyLinkStatus.ACTIVE and link.child_id is not None
        ]
        children = {link.child_id: link.child_name for link in links if link.child_id is not None}
        bookings = await uow.participants.past_bookings([user_id, *children], None, limit)
        return await _entries(uow, bookings), children


async def tutor_students(uow: UnitOfWork, *, user_id: int, limit: int = MAX_STUDENTS) -> list[StudentSummary]:
    """The tutor's students, the most recently taught first: how many lessons, and when the last was."""
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        if tutor is None:
            raise NotFound("tutor.no_profile")
        rows = await uow.participants.tutor_students(tutor.id, limit)
        users = {u.id: u for u in await uow.users.get_many([student_id for student_id, _n, _at in rows])}
    return [StudentSummary(users[s], n, at) for s, n, at in rows if s in users]


async def student_history(
    uow: UnitOfWork, *, user_id: int, student_id: int, limit: int = MAX_ENTRIES
) -> tuple[User, list[HistoryEntry]]:
    """One student's lessons with the tutor, the latest first; a student the tutor never taught is
    reported as not found."""
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        student = await uow.users.get(student_id)
        if tutor is None or student is None:
            raise NotFound("history.not_found")
        bookings = await uow.participants.past_bookings([student_id], tutor.id, limit)
        if not bookings:
            raise NotFound("history.not_found")
        return student, await _entries(uow, bookings)
