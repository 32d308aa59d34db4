"""Ratings on SQLite and on PostgreSQL: two taps on the stars at once leave one review with one of the two
ratings, and neither tap fails; a tutor's figures are computed in SQL from the reviews that count."""

import asyncio
import contextlib

import pytest

from core.reviews import Review
from core.rules import BusinessRules
from core.usecases.reviews import rate_session
from storage.repositories.reviews import SqlReviewRepository
from storage.uow import SqlUnitOfWorkFactory
from tests.support.lessons import held_lesson

RULES = BusinessRules()


class BothRead:
    """Holds each tap after it found no review until the other tap has looked too (or a moment passed:
    on SQLite the second transaction cannot start while the first holds the write lock), so that on
    PostgreSQL both insert at once and one of them meets the other's row."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.looked = 0
        self.both = asyncio.Event()
        self.conflicts = 0
        original_read = SqlReviewRepository.for_participant
        original_add = SqlReviewRepository.add_if_absent

        async def read(repository: SqlReviewRepository, participant_id: int) -> Review | None:
            found = await original_read(repository, participant_id)
            self.looked += 1
            if self.looked >= 2:
                self.both.set()
            if found is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.both.wait(), 0.5)
            return found

        async def add(repository: SqlReviewRepository, review: Review) -> Review | None:
            added = await original_add(repository, review)
            self.conflicts += added is None
            return added

        monkeypatch.setattr(SqlReviewRepository, "for_participant", read)
        monkeypatch.setattr(SqlReviewRepository, "add_if_absent", add)


async def test_two_taps_at_once_leave_one_review(
    uow_factory: SqlUnitOfWorkFactory, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = await held_lesson(uow_factory, RULES, students=1, attended=[0])
    [ann] = held.participants
    race = BothRead(monkeypatch)
    for attempt in range(3):
        stars = (2, 5) if attempt % 2 == 0 else (4, 1)
        results = await asyncio.gather(
            *(
                rate_session(uow_factory(), held.clock, RULES, user_id=ann.user_id, participant_id=ann.id, stars=s)
                for s in stars
            )
        )
        async with uow_factory() as uow:
            stored = await uow.reviews.for_participants([ann.id])
            ratings = await uow.reviews.ratings([held.world.tutor.id])
        assert len({r.review.id for r in results}) == 1
        assert list(stored) == [ann.id] and stored[ann.id].stars in stars
        assert ratings[held.world.tutor.id].count == 1
    if backend == "postgres":
        # The first two taps both found no review: one inserted, the other met its row and changed it.
        assert race.conflicts == 1


async def test_figures_leave_hidden_reviews_out(uow_factory: SqlUnitOfWorkFactory) -> None:
    held = await held_lesson(uow_factory, RULES, students=3, attended=[0, 1, 2])
    given = [5, 4, 1]
    for person, stars in zip(held.participants, given, strict=True):
        await rate_session(
            uow_factory(), held.clock, RULES, user_id=person.user_id, participant_id=person.id, stars=stars
        )
    tutor_id = held.world.tutor.id
    async with uow_factory() as uow:
        before = (await uow.reviews.ratings([tutor_id, 424242]))[tutor_id]
        low = await uow.reviews.low_since(tutor_id, held.clock.now())
        lowest = await uow.reviews.for_participant(held.participants[2].id)
        assert lowest is not None
        assert await uow.reviews.hide(lowest.id, 99, held.clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        after = await uow.reviews.ratings([tutor_id])
    assert (before.count, round(before.average, 4), low) == (3, round(10 / 3, 4), 1)
    assert (after[tutor_id].count, after[tutor_id].average) == (2, 4.5)
