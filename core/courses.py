"""Courses (spec 003, SBOK): a title, a subject, a number of sessions, the tutors who teach it and a
price. Enrolling is buying the course's own package (never listed with the packages on sale): the
enrollment is that purchase, each session booked for the course spends one of its credits ("Session 3
of 8"), and everything packages do (Stripe Checkout, expiry, refunds of unused sessions) works for it.

"Schedule later" (CD-033) is enrolling without booking: until the student books, the bot reminds them
every `reminder_days` days, and the course's tutors see who has not scheduled.
"""

from dataclasses import dataclass
from datetime import datetime

from core.errors import ValidationError
from core.packages import Balance, Package

MAX_TUTORS = 10
REMINDER_DAYS = (1, 30)
DEFAULT_REMINDER_DAYS = 3


@dataclass(slots=True, kw_only=True)
class Course:
    id: int = 0
    # The package an enrollment buys: its name is the course's title, its lessons the sessions.
    package_id: int
    subject: str
    reminder_days: int = DEFAULT_REMINDER_DAYS
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CourseView:
    course: Course
    package: Package
    # The tutor profiles that teach it, the creator's first.
    tutor_ids: tuple[int, ...]

    @property
    def title(self) -> str:
        return self.package.name


@dataclass(frozen=True, slots=True)
class Enrollment:
    """A student's paid enrollment: the course and what is left of its sessions."""

    view: CourseView
    balance: Balance

    @property
    def next_session(self) -> int:
        """The number the next booked session will have ("Session 3 of 8")."""
        return self.balance.used + 1


def check_reminder_days(days: int) -> int:
    low, high = REMINDER_DAYS
    if not low <= days <= high:
        raise ValidationError("course.bad_reminder_days", low=low, high=high)
    return days
