"""What students browse: subjects, tutors with their next free time, and a tutor's open slots."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.availability import window_days
from core.clock import Clock
from core.entities import Slot, TutorProfile
from core.enums import FamilyLinkStatus, SessionType, TutorStatus
from core.errors import NotFound
from core.ports import UnitOfWork
from core.reviews import NO_RATING, Rating
from core.rules import BusinessRules
from core.timezones import utc_to_local

# The latest comments a tutor's page quotes.
COMMENTS_SHOWN = 2


@dataclass(frozen=True, slots=True)
class TutorCard:
    tutor: TutorProfile
    next_free: datetime | None
    rating: Rating = NO_RATING


def _horizon(now: datetime, rules: BusinessRules) -> datetime:
    # One day more than the window: the window's last day is counted in the tutor's zone.
    return now + timedelta(days=rules.booking_window_days + 1)


async def list_subjects(uow: UnitOfWork) -> list[tuple[str, int]]:
    async with uow:
        return await uow.tutors.list_subjects()


@dataclass(frozen=True, slots=True)
class TutorPage:
    """One page of the tutor list; `page` is the one shown (the last one when the list got shorter)."""

    cards: list[TutorCard]
    page: int
    pages: int


async def list_tutors(
    uow: UnitOfWork,
    clock: Clock,
    rules: BusinessRules,
    *,
    subject: str | None,
    page: int = 0,
    per_page: int = 10,
) -> TutorPage:
    """Approved tutors (of `subject` when given), one page: tutors with free time first, soonest first;
    the others after, by name. Paged in the database, whatever the number of tutors."""
    now = clock.now()
    shown = max(page, 0)
    async with uow:
        await uow.tutors.refresh_listing(now)

        async def read() -> tuple[list[tuple[TutorProfile, datetime | None]], int]:
            return await uow.tutors.list_by_next_free(
                subject, now=now, before=_horizon(now, rules), offset=shown * per_page, limit=per_page
            )

        rows, total = await read()
        if shown >= _pages(total, per_page):
            # The list got shorter since that page was shown: its last page.
            shown = _pages(total, per_page) - 1
            rows, total = await read()
        ratings = await uow.reviews.ratings([tutor.id for tutor, _next in rows])
        await uow.commit()
    cards = [TutorCard(tutor, next_free, ratings.get(tutor.id, NO_RATING)) for tutor, next_free in rows]
    return TutorPage(cards, shown, _pages(total, per_page))


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


async def bookable_tutor(uow: UnitOfWork, *, tutor_id: int) -> TutorProfile:
    async with uow:
        return _bookable(await uow.tutors.get(tutor_id))


def _bookable(tutor: TutorProfile | None) -> TutorProfile:
    if tutor is None or tutor.status is not TutorStatus.APPROVED:
        raise NotFound("tutor.not_found")
    return tutor


@dataclass(frozen=True, slots=True)
class TutorOffer:
    """A bookable tutor and the slots a student can book now (of the kind and within the days asked)."""

    tutor: TutorProfile
    slots: list[Slot]
    # Whom the person may book for besides themselves: (family link id, child's name), when asked.
    children: tuple[tuple[int, str], ...] = ()
    # Times of the kind and days asked that are full: offered with their waitlist.
    full: list[Slot] = field(default_factory=list)
    # With `reviews`: the tutor's figures, and the latest comments others may read (once they are shown).
    reviewed: bool = False
    rating: Rating = NO_RATING
    comments: tuple[str, ...] = ()


async def tutor_offer(
    uow: UnitOfWork,
    clock: Clock,
    rules: BusinessRules,
    tutor_id: int,
    *,
    session_type: SessionType | None,
    days: int | None,
    for_user: int | None = None,
    reviews: bool = False,
) -> TutorOffer:
    """A bookable tutor and the slots a student can book now, of one type (None: any) and within `days`
    days (None: the whole window), in one transaction: what a booking screen shows of a tutor; with
    `for_user`, also the children that person may book for (a parent's); with `reviews`, what students
    said of the tutor."""
    now = clock.now()
    end = _horizon(now, rules) if days is None else min(_horizon(now, rules), now + timedelta(days=days))
    async with uow:
        tutor = _bookable(await uow.tutors.get(tutor_id))
        on_sale = await uow.slots.list_on_sale(tutor_id, now, end)
        links = await uow.families.of_parent(for_user) if for_user is not None else []
        rating, comments = NO_RATING, tuple[str, ...]()
        if reviews:
            rating = (await uow.reviews.ratings([tutor_id])).get(tutor_id, NO_RATING)
            if rating.shown:
                latest = await uow.reviews.latest(tutor_id, COMMENTS_SHOWN, public_comments=True)
                comments = tuple(r.comment for r in latest if r.comment is not None)
    wanted = [
        s for s in on_sale if (session_type is None or s.session_type is session_type) and _in_window(s, now, rules)
    ]
    children = tuple(
        (link.id, link.child_name)
        for link in links
        if link.status is FamilyLinkStatus.ACTIVE and link.child_id is not None
    )
    open_now = [s for s in wanted if s.seats_left > 0]
    full = [s for s in wanted if s.seats_left <= 0]
    return TutorOffer(tutor, open_now, children, full, reviews, rating, comments)


def _in_window(slot: Slot, now: datetime, rules: BusinessRules) -> bool:
    """The window's last day is the tutor's (spec: "max 4 weeks ahead"), whatever the student's zone."""
    _first, last = window_days(now, slot.timezone, rules.booking_window_days)
    return utc_to_local(slot.starts_at, slot.timezone).date() <= last
