"""The tutor list's read model (`tutor_listing`): each tutor's next open time, kept as slots and sessions
change, so that a page of the list is one indexed query whatever the number of tutors.

A row holds whether the tutor is listed (approved), and the last instant to book the tutor's first slot
still bookable after `computed_after` (NULL: none): its start, less the tutor's booking notice. For a reader at
instant `now`, a value after `now` (or NULL) is exact: no slot opened in between without the row being
recomputed. A value at or before `now` is stale (that slot has started) and is recomputed from `now` by the
reader (`refresh_stale`). Writers recompute from the row's own `computed_after`, so they need no clock:
the repositories note which tutors a change touched (`_common.Changes`), and the unit of work recomputes
those rows just before it commits, in the same transaction.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    Update,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import TutorProfile
from core.enums import TutorStatus
from storage.repositories.slots import bookable, last_to_book
from storage.tables import slots, tutor_listing, tutor_subjects
from storage.types import UTCDateTime

# The statements below are built once, with these parameters: building them per call (SQLAlchemy's
# expression objects, then their cache keys) cost more CPU than running them.
_NOW = bindparam("now", type_=UTCDateTime())
_BEFORE = bindparam("before", type_=UTCDateTime())
_SUBJECT = bindparam("subject", type_=String())
_OFFSET = bindparam("offset", type_=Integer())
_LIMIT = bindparam("limit", type_=Integer())
_IDS: BindParameter[int] = bindparam("ids", expanding=True)


def name_key(display_name: str) -> str:
    """What the list orders names by (the same on every database, whatever its collation)."""
    return display_name.casefold()


def _first_open_after(after: ColumnElement[datetime] | datetime) -> ScalarSelect[Any]:
    # The last instant to book the first slot still bookable after `after`. Looked up per tutor in the
    # (tutor_id, starts_at) index from `after` (a slot's last instant to book is at or before its start),
    # which stops at the first open slot.
    return (
        select(last_to_book())
        .where(
            slots.c.tutor_id == tutor_listing.c.tutor_id,
            slots.c.starts_at > after,
            last_to_book() > after,
            slots.c.seats_taken < slots.c.capacity,
            *bookable(),
        )
        .order_by(slots.c.starts_at)
        .limit(1)
        .scalar_subquery()
    )


async def add_row(connection: AsyncConnection, profile: TutorProfile) -> None:
    # A new profile has no slot yet: "none after its creation" is exact.
    await connection.execute(
        insert(tutor_listing).values(
            tutor_id=profile.id,
            listed=profile.status is TutorStatus.APPROVED,
            name_key=name_key(profile.display_name),
            next_open_at=None,
            computed_after=profile.created_at,
        )
    )


async def update_row(connection: AsyncConnection, profile: TutorProfile) -> None:
    await connection.execute(
        update(tutor_listing)
        .where(tutor_listing.c.tutor_id == profile.id)
        .values(listed=profile.status is TutorStatus.APPROVED, name_key=name_key(profile.display_name))
    )


async def set_listed(connection: AsyncConnection, tutor_id: int, status: TutorStatus) -> None:
    await connection.execute(
        update(tutor_listing).where(tutor_listing.c.tutor_id == tutor_id).values(listed=status is TutorStatus.APPROVED)
    )


_RECOMPUTE = (
    update(tutor_listing)
    .where(tutor_listing.c.tutor_id.in_(_IDS))
    .values(next_open_at=_first_open_after(tutor_listing.c.computed_after))
)


async def recompute(connection: AsyncConnection, tutor_ids: list[int]) -> None:
    """The touched tutors' rows, from their own `computed_after` (in id order: concurrent writers lock the
    rows in one order)."""
    if tutor_ids:
        await connection.execute(_RECOMPUTE, {"ids": tutor_ids})


# Stale rows recomputed per statement: after the migration every row is stale, and the first list refreshes
# them all, a batch at a time.
_REFRESH_BATCH = 500
_LISTED = tutor_listing.c.listed == true()
_SOONEST = select(func.min(tutor_listing.c.next_open_at)).where(_LISTED)


@functools.cache
def _refresh(batch: int) -> Update:
    stale = select(tutor_listing.c.tutor_id).where(_LISTED, tutor_listing.c.next_open_at <= _NOW).limit(batch)
    return (
        update(tutor_listing)
        .where(tutor_listing.c.tutor_id.in_(stale.scalar_subquery()))
        .values(computed_after=_NOW, next_open_at=_first_open_after(_NOW))
    )


async def refresh_stale(connection: AsyncConnection, now: datetime) -> None:
    """Recompute, from `now`, the listed rows whose next open slot has started by `now`.

    Usually there are none (only when a tutor's next slot starts), and then this costs one read of the
    first index's first entry (the soonest next open time): no write, and no plan that depends on
    statistics. Those were taken when every row was stale (just after the migration) until the next
    ANALYZE, and an UPDATE, or a SELECT, filtering the table for stale rows was planned from them as a
    scan, costly enough for PostgreSQL to compile it: 10 ms per list at 10,000 tutors. The stale rows
    are then updated by key, a batch at a time. A tutor listed later is brought up to date by the first
    read after."""
    while (first := (await connection.execute(_SOONEST)).scalar_one_or_none()) is not None and first <= now:
        await connection.execute(_refresh(_REFRESH_BATCH), {"now": now})


@dataclass(frozen=True, slots=True)
class ListQueries:
    """The tutor list's statements, with the parameters `now`, `before` (the end of the window), `offset`,
    `limit` and, by subject, `subject` (its `subject_key`).

    - `counts`: the tutors listed, and those with a free time in (now, before);
    - `with_free_time`: a page of the latter, soonest first (ties by name, then id), in the order of the
      first index;
    - `without_free_time`: a page of the others (none in the window, or a value a writer recomputed from
      an older instant since the refresh), by name then id, in the order of the second index.
    """

    counts: Select[Any]
    with_free_time: Select[Any]
    without_free_time: Select[Any]


@functools.cache
def list_queries(by_subject: bool) -> ListQueries:
    teaching: list[ColumnElement[bool]] = []
    if by_subject:
        teaching.append(
            select(tutor_subjects.c.id)
            .where(tutor_subjects.c.tutor_id == tutor_listing.c.tutor_id, tutor_subjects.c.name_key == _SUBJECT)
            .exists()
        )
    free = [_LISTED, tutor_listing.c.next_open_at > _NOW, tutor_listing.c.next_open_at < _BEFORE, *teaching]
    not_free = [
        _LISTED,
        or_(
            tutor_listing.c.next_open_at.is_(None),
            tutor_listing.c.next_open_at >= _BEFORE,
            tutor_listing.c.next_open_at <= _NOW,
        ),
        *teaching,
    ]
    page = select(tutor_listing.c.tutor_id, tutor_listing.c.next_open_at)
    return ListQueries(
        counts=select(func.count(), func.coalesce(func.sum(case((and_(*free), 1), else_=0)), 0)).where(
            _LISTED, *teaching
        ),
        with_free_time=page.where(*free)
        .order_by(tutor_listing.c.next_open_at, tutor_listing.c.name_key, tutor_listing.c.tutor_id)
        .offset(_OFFSET)
        .limit(_LIMIT),
        without_free_time=page.where(*not_free)
        .order_by(tutor_listing.c.name_key, tutor_listing.c.tutor_id)
        .offset(_OFFSET)
        .limit(_LIMIT),
    )
