from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, distinct, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import TutorProfile
from core.enums import TutorStatus
from storage.repositories import listing
from storage.repositories._common import TableRepository
from storage.repositories._stored import TUTORS
from storage.tables import tutor_profiles, tutor_subjects


def subject_key(name: str) -> str:
    """What subject search compares: the case-folded name."""
    return name.casefold()


def _subject_rows(subjects: list[str]) -> list[dict[str, Any]]:
    keys = [subject_key(name) for name in subjects]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate subjects (compared case-insensitively): {subjects!r}")
    return [
        {"position": position, "name": name, "name_key": key}
        for position, (name, key) in enumerate(zip(subjects, keys, strict=True))
    ]


async def subjects_of(connection: AsyncConnection, tutor_ids: Collection[int]) -> dict[int, list[str]]:
    """The subjects of each of the tutors, in the profile's order, in one query; a tutor without subjects
    is missing from the result."""
    if not tutor_ids:
        return {}
    result = await connection.execute(_SUBJECTS_OF, {"ids": list(tutor_ids)})
    subjects: defaultdict[int, list[str]] = defaultdict(list)
    for tutor_id, name in result:
        subjects[tutor_id].append(name)
    return dict(subjects)


# Built once: these run on every booking screen, and building them per call cost more CPU than running them.
_SUBJECTS_OF = (
    select(tutor_subjects.c.tutor_id, tutor_subjects.c.name)
    .where(tutor_subjects.c.tutor_id.in_(bindparam("ids", expanding=True)))
    .order_by(tutor_subjects.c.tutor_id, tutor_subjects.c.position)
)
_BY_IDS = select(tutor_profiles).where(tutor_profiles.c.id.in_(bindparam("ids", expanding=True)))
_BY_ID = select(tutor_profiles).where(tutor_profiles.c.id == bindparam("key"))
_BY_USER = select(tutor_profiles).where(tutor_profiles.c.user_id == bindparam("key"))
_LOCK = select(tutor_profiles.c.id).where(tutor_profiles.c.id == bindparam("key")).with_for_update()
_SUBJECT_NAMES = (
    select(tutor_subjects.c.name)
    .where(tutor_subjects.c.tutor_id == bindparam("tutor_id"))
    .order_by(tutor_subjects.c.position)
)


def _approved() -> ColumnElement[bool]:
    return tutor_profiles.c.status == TutorStatus.APPROVED.value


class SqlTutorRepository(TableRepository[TutorProfile]):
    """Tutor profiles; the subjects live in `tutor_subjects`, one row per subject, in the profile's order."""

    stored = TUTORS

    async def get(self, tutor_id: int) -> TutorProfile | None:
        return await self._get_one(_BY_ID, tutor_id)

    async def get_by_user(self, user_id: int) -> TutorProfile | None:
        return await self._get_one(_BY_USER, user_id)

    async def add(self, profile: TutorProfile) -> TutorProfile:
        """Insert the profile with its subjects; sets the new id on `profile` and returns it."""
        subject_rows = _subject_rows(profile.subjects)
        await self._insert(profile)
        await self._insert_subjects(profile.id, subject_rows)
        await listing.add_row(self._conn, profile)
        return profile

    async def update(self, profile: TutorProfile) -> None:
        subject_rows = _subject_rows(profile.subjects)
        await self._update(profile)
        await self._conn.execute(delete(tutor_subjects).where(tutor_subjects.c.tutor_id == profile.id))
        await self._insert_subjects(profile.id, subject_rows)
        await listing.update_row(self._conn, profile)

    async def set_status_if(
        self, tutor_id: int, expected: TutorStatus, new: TutorStatus, reviewed_by: int, at: datetime
    ) -> bool:
        result = await self._conn.execute(
            update(tutor_profiles)
            .where(tutor_profiles.c.id == tutor_id, tutor_profiles.c.status == expected.value)
            .values(status=new.value, reviewed_by=reviewed_by, reviewed_at=at, updated_at=at)
        )
        if result.rowcount != 1:
            return False
        await listing.set_listed(self._conn, tutor_id, new)
        return True

    async def lock(self, tutor_id: int) -> None:
        """Serialize changes to one tutor's schedule until the transaction ends.

        PostgreSQL: a row lock on the profile (SELECT ... FOR UPDATE); a second transaction locking the same
        tutor waits until the first commits or rolls back. SQLite: nothing to do, every transaction begins
        with BEGIN IMMEDIATE and so holds the database's write lock already.
        """
        if self._conn.dialect.name == "sqlite":
            return
        await self._conn.execute(_LOCK, {"key": tutor_id})

    async def list_subjects(self) -> list[tuple[str, int]]:
        """Subjects taught by approved tutors, with the number of those tutors, in one query.

        Names are grouped case-insensitively (by `name_key`); a group is shown as the spelling of its
        earliest `tutor_subjects` row among approved tutors. Ordered by the case-folded name (code point
        order, the same on every database whatever its collation).
        """
        groups = (
            select(
                tutor_subjects.c.name_key,
                func.min(tutor_subjects.c.id).label("first_id"),
                func.count(distinct(tutor_subjects.c.tutor_id)).label("tutors"),
            )
            .join(tutor_profiles, tutor_profiles.c.id == tutor_subjects.c.tutor_id)
            .where(_approved())
            .group_by(tutor_subjects.c.name_key)
            .subquery()
        )
        result = await self._conn.execute(
            select(groups.c.name_key, tutor_subjects.c.name, groups.c.tutors).join(
                groups, tutor_subjects.c.id == groups.c.first_id
            )
        )
        rows = sorted(result, key=lambda row: row[0])
        return [(name, tutors) for _key, name, tutors in rows]

    async def refresh_listing(self, now: datetime) -> None:
        """Recompute the tutor list's next free times that `now` has overtaken (see `listing`)."""
        await listing.refresh_stale(self._conn, now)

    async def list_by_next_free(
        self, subject: str | None, *, now: datetime, before: datetime, offset: int, limit: int
    ) -> tuple[list[tuple[TutorProfile, datetime | None]], int]:
        """One page of the approved tutors (teaching `subject`, compared case-insensitively, when given),
        each with their first open slot's start in (now, before) if any, and how many such tutors there are.
        Those with free time first, soonest first, then the others; ties by case-folded name, then id.

        Reads the tutor list's rows, refreshed for `now` in this transaction (`refresh_listing`): both
        parts of the list are read in the order of an index, so a page costs the same at any number of
        tutors (a deep page reads the index entries before it, not the tutors' slots)."""
        queries = listing.list_queries(subject is not None)
        params: dict[str, Any] = {"now": now, "before": before}
        if subject is not None:
            params["subject"] = subject_key(subject)
        total, with_free = (await self._conn.execute(queries.counts, params)).one()
        picked: list[tuple[int, datetime | None]] = []
        if offset < with_free:
            first = {**params, "offset": offset, "limit": limit}
            picked += [(tutor_id, at) for tutor_id, at in await self._conn.execute(queries.with_free_time, first)]
        if len(picked) < limit and offset + len(picked) < total:
            rest = {**params, "offset": max(0, offset - with_free), "limit": limit - len(picked)}
            # Without free time in the window: the time is not shown.
            picked += [
                (tutor_id, None) for tutor_id, _later in await self._conn.execute(queries.without_free_time, rest)
            ]
        ids = [tutor_id for tutor_id, _free in picked]
        if not ids:
            return [], int(total)
        found = await self._conn.execute(_BY_IDS, {"ids": ids})
        rows = {row["id"]: row for row in found.mappings()}
        subjects = await subjects_of(self._conn, ids)
        page = []
        for tutor_id, last_to_book in picked:
            tutor = TUTORS.entity(rows[tutor_id], subjects=subjects.get(tutor_id, []))
            # The list keeps the last instant to book; the slot starts the tutor's notice later.
            starts = last_to_book + timedelta(minutes=tutor.booking_notice_minutes) if last_to_book else None
            page.append((tutor, starts))
        return page, int(total)

    async def _get_one(self, query: Select[Any], key: int) -> TutorProfile | None:
        row = (await self._conn.execute(query, {"key": key})).mappings().first()
        if row is None:
            return None
        subjects = await self._conn.execute(_SUBJECT_NAMES, {"tutor_id": row["id"]})
        return TUTORS.entity(row, subjects=list(subjects.scalars()))

    async def _insert_subjects(self, tutor_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._conn.execute(insert(tutor_subjects), [{"tutor_id": tutor_id, **row} for row in rows])
