"""Ratings after a lesson: asked of those who attended only, one per participation and changeable for a
week, with a checked comment; the tutor reports a comment, an admin hides a review, repeated low ratings
reach the admins; the figures students see start at three reviews."""

from datetime import timedelta

import pytest

from core.enums import FamilyLinkStatus, Role
from core.errors import Forbidden, NotFound, ValidationError
from core.families import FamilyLink
from core.notifications import NotificationKind
from core.reviews import EDITABLE_DAYS
from core.rules import BusinessRules
from core.usecases.browsing import list_tutors, tutor_offer
from core.usecases.families import add_managed_child
from core.usecases.reviews import (
    comment_review,
    hide_review,
    my_reviews,
    rate_session,
    report_review,
    review_to_comment,
)
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_person
from tests.support.lessons import held_lesson

ADMIN = 99
RULES = BusinessRules(admin_ids=frozenset({ADMIN}))


async def kinds_for(uow_factory: SqlUnitOfWorkFactory, recipient: int) -> list[str]:
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 100)]
    return [m.kind for m in messages if m is not None and m.recipient_id == recipient]


async def test_only_who_attended_rates_once_and_may_change_it_for_a_week(uow_factory: SqlUnitOfWorkFactory) -> None:
    held = await held_lesson(uow_factory, RULES, students=2, attended=[0])
    ann, bob = held.participants
    clock = held.clock
    # Ann joined: she is asked; Bob never did: he is not, and cannot rate.
    assert NotificationKind.RATE_SESSION in await kinds_for(uow_factory, ann.user_id)
    assert NotificationKind.RATE_SESSION not in await kinds_for(uow_factory, bob.user_id)
    with pytest.raises(ValidationError, match=r"review\.not_attended"):
        await rate_session(uow_factory(), clock, RULES, user_id=bob.user_id, participant_id=bob.id, stars=5)
    # Nobody rates for someone else, nor out of 1-5.
    for stranger in (bob.user_id, held.world.tutor_user.id, 424242):
        with pytest.raises(NotFound):
            await rate_session(uow_factory(), clock, RULES, user_id=stranger, participant_id=ann.id, stars=1)
    for stars in (0, 6, -1):
        with pytest.raises(ValidationError, match=r"review\.bad_stars"):
            await rate_session(uow_factory(), clock, RULES, user_id=ann.user_id, participant_id=ann.id, stars=stars)
    first = await rate_session(uow_factory(), clock, RULES, user_id=ann.user_id, participant_id=ann.id, stars=4)
    assert first.editable_until == held.clock.now() + timedelta(days=EDITABLE_DAYS)
    clock.advance(minutes=10)
    again = await rate_session(uow_factory(), clock, RULES, user_id=ann.user_id, participant_id=ann.id, stars=5)
    assert again.review.id == first.review.id and again.review.stars == 5
    # The comment: checked, and only Ann's to write.
    for bad in ("   \n  ", "x" * 1001, "fine\u202eenif"):
        with pytest.raises(ValidationError):
            await comment_review(uow_factory(), clock, user_id=ann.user_id, review_id=first.review.id, text=bad)
    with pytest.raises(NotFound):
        await comment_review(uow_factory(), clock, user_id=bob.user_id, review_id=first.review.id, text="Great")
    with pytest.raises(NotFound):
        await review_to_comment(uow_factory(), clock, user_id=bob.user_id, review_id=first.review.id)
    saved = await comment_review(
        uow_factory(), clock, user_id=ann.user_id, review_id=first.review.id, text="  Clear   and\n\n\n\nkind.  "
    )
    assert saved.comment == "Clear and\n\nkind."
    async with uow_factory() as uow:
        stored = await uow.reviews.for_participant(ann.id)
    assert stored is not None and (stored.stars, stored.comment) == (5, "Clear and\n\nkind.")
    # A week after the end, the rating is final.
    clock.current = held.clock.now() + timedelta(days=EDITABLE_DAYS, minutes=1)
    with pytest.raises(ValidationError, match=r"review\.too_late"):
        await rate_session(uow_factory(), clock, RULES, user_id=ann.user_id, participant_id=ann.id, stars=1)
    with pytest.raises(ValidationError, match=r"review\.too_late"):
        await comment_review(uow_factory(), clock, user_id=ann.user_id, review_id=first.review.id, text="Changed")


async def test_a_reported_comment_and_a_hidden_review_are_kept_from_students(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    held = await held_lesson(uow_factory, RULES, students=4, attended=[0, 1, 2, 3])
    clock, world = held.clock, held.world
    stars = [5, 4, 4, 1]
    reviews = []
    for person, given in zip(held.participants, stars, strict=True):
        rated = await rate_session(
            uow_factory(), clock, RULES, user_id=person.user_id, participant_id=person.id, stars=given
        )
        reviews.append(
            await comment_review(
                uow_factory(), clock, user_id=person.user_id, review_id=rated.review.id, text=f"Comment {given}"
            )
        )
    offer = await tutor_offer(uow_factory(), clock, RULES, world.tutor.id, session_type=None, days=None, reviews=True)
    assert (offer.rating.count, offer.rating.average, offer.rating.shown) == (4, 3.5, True)
    assert len(offer.comments) == 2
    # The tutor reports the harsh comment: students no longer read it, admins are told; nobody else may.
    harsh = reviews[3]
    with pytest.raises(NotFound):
        await report_review(uow_factory(), clock, RULES, user_id=held.participants[0].user_id, review_id=harsh.id)
    await report_review(uow_factory(), clock, RULES, user_id=world.tutor_user.id, review_id=harsh.id)
    assert NotificationKind.REVIEW_REPORTED in await kinds_for(uow_factory, ADMIN)
    async with uow_factory() as uow:
        public = await uow.reviews.latest(world.tutor.id, 10, public_comments=True)
    assert "Comment 1" not in [r.comment for r in public] and len(public) == 3
    # Only an admin hides; a hidden review no longer counts, and the tutor's list leaves it out.
    with pytest.raises(Forbidden):
        await hide_review(uow_factory(), clock, RULES, user_id=world.tutor_user.id, review_id=harsh.id)
    assert await hide_review(uow_factory(), clock, RULES, user_id=ADMIN, review_id=harsh.id)
    assert not await hide_review(uow_factory(), clock, RULES, user_id=ADMIN, review_id=harsh.id)
    page = await list_tutors(uow_factory(), clock, RULES, subject=None)
    [card] = [c for c in page.cards if c.tutor.id == world.tutor.id]
    assert (card.rating.count, round(card.rating.average, 2)) == (3, 4.33)
    mine = await my_reviews(uow_factory(), user_id=world.tutor_user.id)
    assert [r.stars for r in mine.reviews] == [4, 4, 5]
    assert mine.rating.count == 3


async def test_below_three_reviews_no_figures_are_shown(uow_factory: SqlUnitOfWorkFactory) -> None:
    held = await held_lesson(uow_factory, RULES, students=2, attended=[0, 1])
    for person in held.participants:
        await rate_session(uow_factory(), held.clock, RULES, user_id=person.user_id, participant_id=person.id, stars=5)
    offer = await tutor_offer(
        uow_factory(), held.clock, RULES, held.world.tutor.id, session_type=None, days=None, reviews=True
    )
    assert (offer.rating.count, offer.rating.shown, offer.comments) == (2, False, ())


async def test_repeated_low_ratings_flag_the_tutor_to_admins_once_per_review(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    held = await held_lesson(uow_factory, RULES, students=4, attended=[0, 1, 2, 3])
    clock = held.clock
    first, second, third, fourth = held.participants
    for person in (first, second):
        await rate_session(uow_factory(), clock, RULES, user_id=person.user_id, participant_id=person.id, stars=1)
    assert NotificationKind.TUTOR_FLAGGED not in await kinds_for(uow_factory, ADMIN)
    await rate_session(uow_factory(), clock, RULES, user_id=third.user_id, participant_id=third.id, stars=2)
    assert (await kinds_for(uow_factory, ADMIN)).count(NotificationKind.TUTOR_FLAGGED) == 1
    # Changing a low rating to another low one does not flag again; a good one never does.
    await rate_session(uow_factory(), clock, RULES, user_id=third.user_id, participant_id=third.id, stars=1)
    await rate_session(uow_factory(), clock, RULES, user_id=fourth.user_id, participant_id=fourth.id, stars=5)
    assert (await kinds_for(uow_factory, ADMIN)).count(NotificationKind.TUTOR_FLAGGED) == 1


async def test_a_parent_rates_for_a_child_without_telegram_not_for_a_linked_one(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    parent = 3001
    await add_person(uow_factory, clock, parent, role=Role.STUDENT, first_name="Marc")
    lea = (await add_managed_child(uow_factory(), clock, parent_id=parent, name="Léa")).link
    assert lea.child_id is not None
    held = await held_lesson(uow_factory, RULES, students=1, others=[lea.child_id], attended=[0, 1])
    ann, lea_seat = held.participants
    async with uow_factory() as uow:
        await uow.families.add(
            FamilyLink(
                parent_id=parent,
                child_id=ann.user_id,
                child_name="Ann",
                status=FamilyLinkStatus.ACTIVE,
                created_at=clock.now(),
            )
        )
        await uow.commit()
    # Léa has no Telegram: her parent is asked, and rates for her.
    assert NotificationKind.RATE_SESSION in await kinds_for(uow_factory, parent)
    rated = await rate_session(uow_factory(), held.clock, RULES, user_id=parent, participant_id=lea_seat.id, stars=5)
    assert rated.review.student_id == lea.child_id
    # Ann has Telegram: she rates her own lessons, her parent does not.
    with pytest.raises(NotFound):
        await rate_session(uow_factory(), held.clock, RULES, user_id=parent, participant_id=ann.id, stars=1)
