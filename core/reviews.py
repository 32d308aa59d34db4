"""Ratings of a lesson (spec 004 "Collect Feedback"): each student who attended rates the session 1 to 5
stars, with an optional comment, once per participation and changeable for a week. Students see a tutor's
average once there are enough reviews to mean something; a comment the tutor reported, or one an admin
hid, is not shown to others (a hidden review does not count at all)."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.errors import ValidationError
from core.text import clean_paragraphs, text_length

STARS = (1, 2, 3, 4, 5)
EDITABLE_DAYS = 7
# Below this many reviews an average says more about luck than about the tutor.
MIN_REVIEWS_SHOWN = 3
COMMENT_MAX_LENGTH = 1000
# A rating at or below this asks what went wrong, and counts towards flagging the tutor to admins.
LOW_STARS = 2
FLAG_LOW_REVIEWS = 3
FLAG_WINDOW_DAYS = 30


@dataclass(slots=True, kw_only=True)
class Review:
    id: int = 0
    participant_id: int
    session_id: int
    tutor_id: int
    # The student the participation is for (a child, when a parent booked).
    student_id: int
    stars: int
    comment: str | None = None
    created_at: datetime
    updated_at: datetime
    # The tutor reported the comment: it is no longer shown to others.
    reported_at: datetime | None = None
    # An admin hid the review: neither shown nor counted.
    hidden_at: datetime | None = None
    hidden_by: int | None = None

    def rated(self, stars: int, now: datetime) -> "Review":
        return replace(self, stars=check_stars(stars), updated_at=now)

    def commented(self, comment: str, now: datetime) -> "Review":
        # A new comment is a new text: a report was about the old one.
        return replace(self, comment=clean_comment(comment), reported_at=None, updated_at=now)

    @property
    def low(self) -> bool:
        return self.stars <= LOW_STARS

    @property
    def public_comment(self) -> str | None:
        """The comment others may read."""
        if self.reported_at is not None or self.hidden_at is not None:
            return None
        return self.comment


@dataclass(frozen=True, slots=True)
class Rating:
    """A tutor's reviews that count: their number and average stars."""

    count: int
    average: float

    @property
    def shown(self) -> bool:
        return self.count >= MIN_REVIEWS_SHOWN


NO_RATING = Rating(0, 0.0)


def check_stars(stars: int) -> int:
    if stars not in STARS:
        raise ValidationError("review.bad_stars")
    return stars


def clean_comment(text: str) -> str:
    comment = clean_paragraphs(text)
    if comment is None:
        raise ValidationError("review.bad_comment")
    if not comment:
        raise ValidationError("review.empty_comment")
    if text_length(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError("review.comment_too_long", max=COMMENT_MAX_LENGTH)
    return comment


def editable_until(completed_at: datetime) -> datetime:
    return completed_at + timedelta(days=EDITABLE_DAYS)
