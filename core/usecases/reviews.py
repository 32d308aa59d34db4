"""Ratings after a lesson (see `core.reviews`): a student who attended rates it, and may change it or
add a comment for a week; the tutor reads their reviews and may report a comment; an admin may hide a
review; repeated low ratings are flagged to admins."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.entities import Participant, TeachingSession, TutorProfile
from core.enums import ParticipantStatus, SessionStatus
from core.errors import Forbidden, NotFound, ValidationError
from core.families import is_managed
from core.notifications import ReviewReported, TutorFlagged
from core.ports import UnitOfWork
from core.reviews import EDITABLE_DAYS, FLAG_LOW_REVIEWS, FLAG_WINDOW_DAYS, NO_RATING, Rating, Review, check_stars
from core.reviews import editable_until as review_deadline
from core.rules import BusinessRules
from core.usecases.outbox import notify

MAX_REVIEWS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Rated:
    review: Review
    tutor: TutorProfile
    # Until when it can be changed.
    editable_until: datetime


async def _may_rate_for(uow: UnitOfWork, user_id: int, student_id: int) -> bool:
    """The student rates their own lessons; a parent rates those of a child without Telegram (a linked child
    answers for themselves)."""
    if user_id == student_id:
        return True
    return is_managed(student_id) and await uow.families.link(user_id, student_id) is not None


async def _rateable(
    uow: UnitOfWork, user_id: int, participant_id: int, now: datetime
) -> tuple[Participant, TeachingSession, TutorProfile]:
    participant = await uow.participants.get(participant_id)
    # Someone else's lesson is reported exactly like a missing one.
    if participant is None or not await _may_rate_for(uow, user_id, participant.user_id):
        raise NotFound("review.not_found")
    session = await uow.sessions.get(participant.session_id)
    tutor = await uow.tutors.get(session.tutor_id) if session is not None else None
    if session is None or tutor is None or session.status is not SessionStatus.COMPLETED:
        raise ValidationError("review.not_held")
    # Those who never joined were marked no-show when the session ended.
    if participant.status is not ParticipantStatus.BOOKED:
        raise ValidationError("review.not_attended")
    assert session.completed_at is not None
    if now > review_deadline(session.completed_at):
        raise ValidationError("review.too_late", days=EDITABLE_DAYS)
    return participant, session, tutor


async def rate_session(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, participant_id: int, stars: int
) -> Rated:
    """Give or change the participation's stars. Two taps at once leave one review, with one of the two
    ratings."""
    check_stars(stars)
    now = clock.now()
    async with uow:
        participant, session, tutor = await _rateable(uow, user_id, participant_id, now)
        before = await uow.reviews.for_participant(participant.id)
        if before is None:
            fresh = Review(
                participant_id=participant.id,
                session_id=session.id,
                tutor_id=tutor.id,
                student_id=participant.user_id,
                stars=stars,
                created_at=now,
                updated_at=now,
            )
            review = await uow.reviews.add_if_absent(fresh)
            if review is None:  # the other tap wrote it a moment ago
                before = await uow.reviews.for_participant(participant.id)
                assert before is not None
        if before is not None:
            review = before.rated(stars, now)
            await uow.reviews.update(review)
        assert review is not None
        if review.low and (before is None or not before.low):
            await _flag_if_repeated(uow, rules, tutor, review, now)
        await uow.commit()
    assert session.completed_at is not None
    return Rated(review, tutor, review_deadline(session.completed_at))


async def _flag_if_repeated(
    uow: UnitOfWork, rules: BusinessRules, tutor: TutorProfile, review: Review, now: datetime
) -> None:
    low = await uow.reviews.low_since(tutor.id, now - timedelta(days=FLAG_WINDOW_DAYS))
    if low < FLAG_LOW_REVIEWS:
        return
    flagged = TutorFlagged(
        tutor_name=tutor.display_name,
        review_id=review.id,
        low_reviews=low,
        days=FLAG_WINDOW_DAYS,
        stars=review.stars,
        comment=review.comment,
    )
    for admin_id in sorted(rules.admin_ids):
        await notify(uow, admin_id, flagged, f"tutor-flagged:{review.id}:{admin_id}", now)


async def review_to_comment(uow: UnitOfWork, clock: Clock, *, user_id: int, review_id: int) -> Review:
    """The review the person may comment on now (asked before the comment is typed)."""
    async with uow:
        review = await uow.reviews.get(review_id)
        if review is None:
            raise NotFound("review.not_found")
        await _rateable(uow, user_id, review.participant_id, clock.now())
    return review


async def comment_review(uow: UnitOfWork, clock: Clock, *, user_id: int, review_id: int, text: str) -> Review:
    """Add or change the review's comment (within the week it can be changed)."""
    now = clock.now()
    async with uow:
        review = await uow.reviews.get(review_id)
        if review is None:
            raise NotFound("review.not_found")
        await _rateable(uow, user_id, review.participant_id, now)
        commented = review.commented(text, now)
        await uow.reviews.update(commented)
        await uow.commit()
    return commented


@dataclass(frozen=True, slots=True)
class TutorReviews:
    tutor: TutorProfile
    rating: Rating
    # The latest first.
    reviews: list[Review]


async def my_reviews(uow: UnitOfWork, *, user_id: int, limit: int = MAX_REVIEWS_SHOWN) -> TutorReviews:
    """A tutor's own reviews: their figures, and the latest ones with their comments."""
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        if tutor is None:
            raise NotFound("tutor.no_profile")
        rating = (await uow.reviews.ratings([tutor.id])).get(tutor.id, NO_RATING)
        latest = await uow.reviews.latest(tutor.id, limit)
    return TutorReviews(tutor, rating, latest)


async def report_review(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, review_id: int) -> Review:
    """The tutor reports a comment on them: it is no longer shown to others, and admins are told."""
    now = clock.now()
    async with uow:
        review = await uow.reviews.get(review_id)
        tutor = await uow.tutors.get(review.tutor_id) if review is not None else None
        if review is None or tutor is None or tutor.user_id != user_id or review.hidden_at is not None:
            raise NotFound("review.not_found")
        if review.comment is None:
            raise ValidationError("review.no_comment")
        if review.reported_at is not None:
            return review
        reported = replace(review, reported_at=now)
        await uow.reviews.update(reported)
        message = ReviewReported(
            review_id=review.id, tutor_name=tutor.display_name, stars=review.stars, comment=review.comment
        )
        for admin_id in sorted(rules.admin_ids):
            # One message per comment reported (a changed comment can be reported again).
            key = f"review-reported:{review.id}:{review.updated_at.isoformat()}:{admin_id}"
            await notify(uow, admin_id, message, key, now)
        await uow.commit()
    return reported


async def hide_review(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, review_id: int) -> bool:
    """An admin hides a review: no longer shown nor counted. False if it was hidden already."""
    if not rules.is_admin(user_id):
        raise Forbidden("admin.only")
    async with uow:
        if await uow.reviews.get(review_id) is None:
            raise NotFound("review.not_found")
        hidden = await uow.reviews.hide(review_id, user_id, clock.now())
        await uow.commit()
    return hidden
