"""Students' ratings of their lessons, and the figures shown from them."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from core.reviews import LOW_STARS, Rating, Review
from storage.repositories._common import TableRepository, insert_or_ignore, require_new
from storage.repositories._stored import REVIEWS
from storage.tables import reviews

_COUNTED = reviews.c.hidden_at.is_(None)


class SqlReviewRepository(TableRepository[Review]):
    stored = REVIEWS

    async def add_if_absent(self, review: Review) -> Review | None:
        """Insert the participation's review; None (nothing written) if it has one already: of two taps at
        once, one writes and the other then changes it."""
        require_new(review)
        result = await self._conn.execute(
            insert_or_ignore(self._conn, reviews, ["participant_id"])
            .values(**self.stored.values(review))
            .returning(reviews.c.id)
        )
        new_id = result.scalar_one_or_none()
        if new_id is None:
            return None
        review.id = new_id
        return review

    async def get(self, review_id: int) -> Review | None:
        return await self._first_by(reviews.c.id, review_id)

    async def for_participant(self, participant_id: int) -> Review | None:
        return await self._first_by(reviews.c.participant_id, participant_id)

    async def for_participants(self, participant_ids: Sequence[int]) -> dict[int, Review]:
        if not participant_ids:
            return {}
        found = await self._list(select(reviews).where(reviews.c.participant_id.in_(list(participant_ids))))
        return {review.participant_id: review for review in found}

    async def update(self, review: Review) -> None:
        await self._update(review)

    async def hide(self, review_id: int, admin_id: int, now: datetime) -> bool:
        """Hide the review, once; False if it was hidden already."""
        result = await self._conn.execute(
            update(reviews)
            .where(reviews.c.id == review_id, reviews.c.hidden_at.is_(None))
            .values(hidden_at=now, hidden_by=admin_id)
        )
        return result.rowcount == 1

    async def ratings(self, tutor_ids: Sequence[int]) -> dict[int, Rating]:
        """Each tutor's count and average of the reviews that count, in one grouped query."""
        if not tutor_ids:
            return {}
        rows = await self._conn.execute(
            select(reviews.c.tutor_id, func.count(), func.avg(reviews.c.stars))
            .where(reviews.c.tutor_id.in_(list(tutor_ids)), _COUNTED)
            .group_by(reviews.c.tutor_id)
        )
        return {tutor_id: Rating(count, float(average)) for tutor_id, count, average in rows}

    async def latest(self, tutor_id: int, limit: int, *, public_comments: bool = False) -> list[Review]:
        """The tutor's latest reviews that count; with `public_comments`, only those whose comment others
        may read."""
        conditions = [reviews.c.tutor_id == tutor_id, _COUNTED]
        if public_comments:
            conditions += [reviews.c.comment.is_not(None), reviews.c.reported_at.is_(None)]
        return await self._list(
            select(reviews).where(*conditions).order_by(reviews.c.updated_at.desc(), reviews.c.id.desc()).limit(limit)
        )

    async def low_since(self, tutor_id: int, since: datetime) -> int:
        """How many of the tutor's reviews given or changed since `since` are low."""
        result = await self._conn.execute(
            select(func.count()).where(
                reviews.c.tutor_id == tutor_id,
                _COUNTED,
                reviews.c.stars <= LOW_STARS,
                reviews.c.updated_at >= since,
            )
        )
        return int(result.scalar_one())
